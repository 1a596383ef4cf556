#pragma once
// SNS message signatures (reference/wire-formats.md §3): SignatureVersion 1
// is SHA1withRSA, 2 is SHA256withRSA, over `name\nvalue\n` pairs. The
// certificate's URL must be HTTPS on an allow-listed host; the certificate
// itself comes from `sources.sns.signing_certs` (by the URL's last segment)
// or is fetched from that host (sns_certs.h).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/background.h"
#include "config/config.h"
#include "ingest/formats/decoder.h"

namespace alertd::api::sns {

/// alertd_sns_signature_failures_total{reason}: every reason verification gives.
inline constexpr std::string_view kFailureReasons[] = {
    "unsigned",         "unsupported_version", "cert_url_not_https", "cert_host_not_allowed",
    "cert_unavailable", "bad_certificate",     "bad_signature"};

/// The bytes SNS signs for this message's Type.
std::string string_to_sign(const ingest::SnsEnvelope& envelope);

/// Whether `host` matches one of `patterns`, where `*` stands for exactly
/// one DNS label (`sns.*.amazonaws.com` matches sns.us-east-1.amazonaws.com).
/// Case-insensitive.
bool host_matches(std::string_view host, const std::vector<std::string>& patterns);

/// The host of an https:// URL; nullopt for any other scheme or a bad URL.
std::optional<std::string> https_host(std::string_view url);

/// The checks made before a certificate is looked up or fetched: signature
/// present, version known, cert URL HTTPS on `cert_hosts`. Empty when they
/// pass, else a reason of kFailureReasons. No certificate is ever fetched
/// from a URL that fails them.
std::string_view check_cert_url(const ingest::SnsEnvelope& envelope,
                                const config::SnsConfig& config);

/// The certificate for `cert_url` in `sources.sns.signing_certs` (the file
/// named as the URL's last path segment); nullopt when there is none.
std::optional<std::string> local_cert(std::string_view cert_url, const config::SnsConfig& config);

/// Whether `pem` holds a PEM X509 certificate with a public key.
bool is_certificate(std::string_view pem);

/// Checks `envelope.signature` against the PEM certificate `cert_pem`.
/// Empty on success, else a reason of kFailureReasons.
std::string_view verify_with(const ingest::SnsEnvelope& envelope, std::string_view cert_pem);

/// The whole check with the local certificate directory only:
/// check_cert_url(), local_cert() (else cert_unavailable), verify_with().
/// Empty on success, else a reason of kFailureReasons.
std::string_view verify(const ingest::SnsEnvelope& envelope, const config::SnsConfig& config);

/// Confirms a subscription: GET `url` (https_get(): HTTPS only, peer
/// verified against `ca_file`, or the system CA store when empty, 10 s
/// timeout) on a thread of its own, never an io thread, then calls `done`
/// there with the outcome and, on failure, why. At most a few run at once;
/// beyond, `done` is called at once with false.
void confirm_subscription(BackgroundJobs& jobs, std::string url, std::string ca_file,
                          std::function<void(bool, std::string)> done);

}  // namespace alertd::api::sns
