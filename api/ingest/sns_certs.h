#pragma once
// SNS signing certificates by SigningCertURL: `sources.sns.signing_certs`
// first, then the ones fetched before (kept in memory), else one HTTPS GET
// per URL (https_get.h) off the io threads, shared by every delivery that
// needs the same URL while it runs. The caller has checked the URL first
// (check_cert_url(): HTTPS on sources.sns.cert_hosts): this fetches any URL
// it is given.

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/ingest/https_get.h"
#include "config/config.h"

namespace alertd::api::sns {

class CertStore {
 public:
  using Pem = std::shared_ptr<const std::string>;

  /// How one fetch went: `fetched` (a PEM certificate, now cached),
  /// `failed` (the GET failed: TLS, status, timeout, size), `bad_certificate`
  /// (the body is no PEM certificate; not cached), `busy` (too many fetches
  /// or waiters: nothing fetched).
  enum class Outcome { fetched, failed, bad_certificate, busy };
  struct Result {
    Outcome outcome;
    Pem pem;          // when fetched
    std::string why;  // when failed
  };
  using Done = std::function<void(Result)>;

  struct Limits {
    size_t max_cached = 256;   // certificates kept; the oldest is evicted first
    size_t max_fetches = 4;    // distinct URLs being fetched at once
    size_t max_waiters = 256;  // deliveries waiting on those fetches, in all
    long timeout_ms = 10000;
    size_t max_cert_bytes = 64 << 10;
  };

  /// `get` does the GET (https_get in the daemon), `spawn` runs a fetch off
  /// the calling thread (ApiContext::background in the daemon, which
  /// shutdown waits for; it throws when it cannot), `counted` is told each
  /// fetch's outcome once (and each busy refusal). Tests inject them.
  using Getter = std::function<HttpsGetResult(const std::string&, const HttpsGetOptions&)>;
  using Spawn = std::function<void(std::function<void()>)>;
  CertStore(Limits limits, std::function<void(Outcome)> counted, Getter get, Spawn spawn);

  /// The certificate from the local directory, else the cache; null when
  /// neither has it (then fetch()).
  Pem find(const std::string& url, const config::SnsConfig& config) const;

  /// Fetches `url` (verifying the server against `ca_file`, "" = system
  /// store) unless a fetch of it is under way already, and calls `done`
  /// exactly once: on the fetch's thread when it ends, at once when busy.
  void fetch(const std::string& url, const std::string& ca_file, Done done);

  size_t cached() const;

 private:
  void run(const std::string& url, const std::string& ca_file);
  void complete(const std::string& url, const Result& result);  // answers the URL's waiters
  Result finish(const std::string& url, HttpsGetResult got);

  const Limits limits_;
  const std::function<void(Outcome)> counted_;
  const Getter get_;
  const Spawn spawn_;

  mutable std::mutex mutex_;
  // No TTL: AWS never changes the certificate at a SigningCertURL (a new
  // certificate gets a new file name), so an entry is only evicted for room.
  std::unordered_map<std::string, Pem> cache_;
  std::deque<std::string> order_;                               // cache_ keys, oldest first
  std::unordered_map<std::string, std::vector<Done>> pending_;  // URL -> its waiters
  size_t waiters_ = 0;
};

}  // namespace alertd::api::sns
