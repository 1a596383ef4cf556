#include "api/ingest/sns_signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

namespace alertd::api::sns {

namespace {

void add(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).push_back('\n');
  out.append(value).push_back('\n');
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool labels_match(std::string_view host, std::string_view pattern) {
  while (true) {
    const size_t h = host.find('.');
    const size_t p = pattern.find('.');
    const auto host_label = host.substr(0, h);
    const auto pattern_label = pattern.substr(0, p);
    if (host_label.empty()) return false;
    if (pattern_label != "*" && !iequal(host_label, pattern_label)) return false;
    if (h == std::string_view::npos || p == std::string_view::npos) {
      return h == std::string_view::npos && p == std::string_view::npos;
    }
    host.remove_prefix(h + 1);
    pattern.remove_prefix(p + 1);
  }
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

// The URL's last path segment, when it is a plain file name (no traversal).
std::string cert_file_name(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const auto name = url.substr(url.rfind('/') + 1);
  if (name.empty() || name == "." || name == ".." || name.find('\\') != std::string_view::npos) {
    return {};
  }
  return std::string(name);
}

}  // namespace

std::string string_to_sign(const ingest::SnsEnvelope& e) {
  std::string out;
  add(out, "Message", e.message);
  add(out, "MessageId", e.message_id);
  if (e.type == "Notification") {
    if (e.subject) add(out, "Subject", *e.subject);
    add(out, "Timestamp", e.timestamp);
  } else {
    add(out, "SubscribeURL", e.subscribe_url);
    add(out, "Timestamp", e.timestamp);
    add(out, "Token", e.token);
  }
  add(out, "TopicArn", e.topic_arn);
  add(out, "Type", e.type);
  return out;
}

bool host_matches(std::string_view host, const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return labels_match(host, p); });
}

std::optional<std::string> https_host(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() <= kScheme.size() || !iequal(url.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  url.remove_prefix(kScheme.size());
  auto authority = url.substr(0, url.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo tricks
  auto host = authority.substr(0, authority.find(':'));
  if (host.empty()) return std::nullopt;
  return std::string(host);
}

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr parse_certificate(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr,
                 X509_free);
}

}  // namespace

bool is_certificate(std::string_view pem) {
  auto cert = parse_certificate(pem);
  if (!cert) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_get_pubkey(cert.get()),
                                                          EVP_PKEY_free);
  return key != nullptr;
}

std::string_view verify_with(const ingest::SnsEnvelope& e, std::string_view cert_pem) {
  const EVP_MD* digest = e.signature_version == "1"   ? EVP_sha1()
                         : e.signature_version == "2" ? EVP_sha256()
                                                      : nullptr;
  if (digest == nullptr) return "unsupported_version";
  auto cert = parse_certificate(cert_pem);
  if (!cert) return "bad_certificate";
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_get_pubkey(cert.get()),
                                                          EVP_PKEY_free);
  if (!key) return "bad_certificate";
  const auto signature = base64_decode(e.signature);
  if (!signature) return "bad_signature";
  const std::string text = string_to_sign(e);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, digest, nullptr, key.get()) != 1) {
    return "bad_certificate";
  }
  const int ok = EVP_DigestVerify(
      md.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
      reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return ok == 1 ? std::string_view() : std::string_view("bad_signature");
}

std::string_view check_cert_url(const ingest::SnsEnvelope& e, const config::SnsConfig& config) {
  if (e.signature.empty() || e.signing_cert_url.empty()) return "unsigned";
  if (e.signature_version != "1" && e.signature_version != "2") return "unsupported_version";
  const auto host = https_host(e.signing_cert_url);
  if (!host) return "cert_url_not_https";
  if (!host_matches(*host, config.cert_hosts)) return "cert_host_not_allowed";
  return {};
}

std::optional<std::string> local_cert(std::string_view cert_url, const config::SnsConfig& config) {
  const auto name = cert_file_name(cert_url);
  if (config.signing_certs.empty() || name.empty()) return std::nullopt;
  return read_file(config.signing_certs + "/" + name);
}

std::string_view verify(const ingest::SnsEnvelope& e, const config::SnsConfig& config) {
  if (auto why = check_cert_url(e, config); !why.empty()) return why;
  const auto pem = local_cert(e.signing_cert_url, config);
  if (!pem) return "cert_unavailable";
  return verify_with(e, *pem);
}

}  // namespace alertd::api::sns
