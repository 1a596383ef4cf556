#include "sinks/store/audit_chain.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <utility>

namespace alertd::sinks {

namespace {

// Part of every hash: a later encoding gets a new tag, so a v1 chain can
// never verify against another encoding by accident.
constexpr std::string_view kEncodingTag = "alertd-audit-v1";
constexpr std::string_view kUnsetTime = "unset";

void append_netstring(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ',';
}

core::Error hash_error(std::string_view what) {
  return core::Error{"audit_hash",
                     "audit chain: hashing failed in libcrypto (" + std::string(what) + ")"};
}

std::string hex_of(const unsigned char* bytes, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    hex[2 * i] = kHex[bytes[i] >> 4];
    hex[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return hex;
}

std::string short_hash(std::string_view hash) {
  return hash.size() > 12 ? std::string(hash.substr(0, 12)) + "..." : std::string(hash);
}

}  // namespace

void append_audit_encoding(std::string& out, std::string_view prev_hash, int64_t seq,
                           const core::AuditEntry& entry) {
  append_netstring(out, kEncodingTag);
  append_netstring(out, prev_hash);
  append_netstring(out, std::to_string(seq));
  append_netstring(out, entry.incident_id);
  // kNoTime is the epoch, and a store keeps whole milliseconds: any time that
  // stores as 0 ms reads back as unset, so it is hashed as unset too.
  const int64_t at_ms = core::to_unix_millis(entry.at);
  append_netstring(out, at_ms == 0 ? std::string(kUnsetTime) : std::to_string(at_ms));
  append_netstring(out, entry.actor);
  append_netstring(out, entry.action);
  append_netstring(out, entry.detail);
}

AuditHasher::AuditHasher(std::string key) : key_(std::move(key)) {}

AuditHasher::AuditHasher(AuditHasher&& other) noexcept
    : key_(std::move(other.key_)),
      ctx_(std::exchange(other.ctx_, nullptr)),
      sha256_(std::exchange(other.sha256_, nullptr)),
      mac_(std::exchange(other.mac_, nullptr)),
      mac_ctx_(std::exchange(other.mac_ctx_, nullptr)),
      encoding_(std::move(other.encoding_)) {}

AuditHasher& AuditHasher::operator=(AuditHasher&& other) noexcept {
  if (this != &other) {
    release();
    key_ = std::move(other.key_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    sha256_ = std::exchange(other.sha256_, nullptr);
    mac_ = std::exchange(other.mac_, nullptr);
    mac_ctx_ = std::exchange(other.mac_ctx_, nullptr);
    encoding_ = std::move(other.encoding_);
  }
  return *this;
}

AuditHasher::~AuditHasher() {
  release();
}

void AuditHasher::release() {
  EVP_MD_CTX_free(ctx_);
  EVP_MD_free(sha256_);
  EVP_MAC_CTX_free(mac_ctx_);
  EVP_MAC_free(mac_);
  ctx_ = nullptr;
  sha256_ = nullptr;
  mac_ctx_ = nullptr;
  mac_ = nullptr;
}

core::Result<std::string> AuditHasher::sha256_hex(std::string_view data) {
  // Fetched once: EVP_sha256() in EVP_DigestInit_ex would look the
  // implementation up in the provider on every call (OpenSSL 3).
  if (sha256_ == nullptr) {
    sha256_ = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (sha256_ == nullptr) return hash_error("fetch SHA256");
  }
  if (ctx_ == nullptr) {
    ctx_ = EVP_MD_CTX_new();
    if (ctx_ == nullptr) return hash_error("new digest context");
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_DigestInit_ex(ctx_, sha256_, nullptr) != 1 ||
      EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx_, digest.data(), &size) != 1) {
    return hash_error("digest");
  }
  return hex_of(digest.data(), size);
}

core::Result<std::string> AuditHasher::hmac_hex(std::string_view data) {
  if (key_.empty()) return hash_error("HMAC without a key");
  if (mac_ == nullptr) {
    mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac_ == nullptr) return hash_error("fetch HMAC");
  }
  if (mac_ctx_ == nullptr) {
    mac_ctx_ = EVP_MAC_CTX_new(mac_);
    if (mac_ctx_ == nullptr) return hash_error("new MAC context");
  }
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  size_t size = 0;
  // The key is set on every call: EVP_MAC_init re-keys a reused context,
  // which costs two SHA-256 blocks, far below the row's own read.
  if (EVP_MAC_init(mac_ctx_, reinterpret_cast<const unsigned char*>(key_.data()), key_.size(),
                   params) != 1 ||
      EVP_MAC_update(mac_ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(mac_ctx_, mac.data(), &size, mac.size()) != 1) {
    return hash_error("HMAC");
  }
  return std::string(kAuditHmacPrefix) + hex_of(mac.data(), size);
}

core::Result<std::string> AuditHasher::hash(std::string_view prev_hash, int64_t seq,
                                            const core::AuditEntry& entry) {
  return hash_as(keyed(), prev_hash, seq, entry);
}

core::Result<std::string> AuditHasher::hash_as(bool hmac, std::string_view prev_hash, int64_t seq,
                                               const core::AuditEntry& entry) {
  encoding_.clear();
  append_audit_encoding(encoding_, prev_hash, seq, entry);
  return hmac ? hmac_hex(encoding_) : sha256_hex(encoding_);
}

ChainVerifier::ChainVerifier(std::string key, ChainPosition from)
    : hasher_(std::move(key)), has_key_(hasher_.keyed()), last_(std::move(from)) {}

void ChainVerifier::expect_hash_at(int64_t seq, std::string hash) {
  expected_ = AuditChainHead{seq, std::move(hash)};
}

core::Status ChainVerifier::add(const core::AuditEntry& row) {
  if (!ok()) return {};
  const int64_t expected = last_.head.seq + 1;
  if (row.seq != expected) {
    // A seq below the expected one cannot come from a store reading in seq
    // order; it is reported the same way, as the chain not continuing.
    fail(expected, "", "broken",
         "seq_gap: seq " + std::to_string(last_.head.seq) + " is followed by seq " +
             std::to_string(row.seq) + "; entry " + std::to_string(expected) + " is missing");
    return {};
  }
  if (row.prev_hash != last_.head.hash) {
    fail(row.seq, row.incident_id, "broken",
         "link_mismatch: prev_hash " + short_hash(row.prev_hash) +
             " is not the hash of the entry before it (" + short_hash(last_.head.hash) + ")");
    return {};
  }
  const bool hmac = is_hmac_hash(row.hash);
  if (hmac && !has_key_) {
    fail(row.seq, row.incident_id, "key_required",
         "key_required: entry " + std::to_string(row.seq) +
             " and those after it are HMAC-SHA256 entries; this alertd has no audit.key to "
             "verify them");
    return {};
  }
  if (!hmac && last_.hmac_seen) {
    fail(row.seq, row.incident_id, "broken",
         "algorithm_downgrade: entry " + std::to_string(row.seq) +
             " is a SHA-256 entry after HMAC-SHA256 entries: it was re-hashed without the key");
    return {};
  }
  auto computed = hasher_.hash_as(hmac, last_.head.hash, row.seq, row);
  if (!computed.ok()) return computed.error();
  ++checked_;
  if (*computed != row.hash) {
    fail(row.seq, row.incident_id, "broken",
         "content_mismatch: stored hash " + short_hash(row.hash) +
             " does not match the entry's fields (hash " + short_hash(*computed) +
             "): the entry was changed after it was written" +
             (hmac ? " (or audit.key is not the key it was written with)" : ""));
    return {};
  }
  if (expected_ && expected_->seq == row.seq && expected_->hash != row.hash) {
    fail(row.seq, row.incident_id, "anchor_mismatch",
         "anchor_mismatch: entry " + std::to_string(row.seq) + " has hash " + short_hash(row.hash) +
             " but the anchor recorded " + short_hash(expected_->hash) +
             ": the chain was rewritten from there on (or restored from another backup)");
    return {};
  }
  last_.head.seq = row.seq;
  last_.head.hash = std::move(*computed);
  last_.hmac_seen = last_.hmac_seen || hmac;
  return {};
}

void ChainVerifier::finish(const std::optional<AuditChainHead>& head) {
  if (!ok()) return;
  if (!head) {
    if (last_.head.seq > 0) {
      fail(last_.head.seq, "", "broken",
           "head_missing: the store has no record of the chain's head");
    }
    return;
  }
  if (head->seq > last_.head.seq) {
    fail(last_.head.seq + 1, "", "truncated",
         "tail_missing: the recorded head is entry " + std::to_string(head->seq) +
             " but the log ends at entry " + std::to_string(last_.head.seq));
  } else if (head->seq < last_.head.seq) {
    fail(head->seq + 1, "", "broken",
         "beyond_head: entries after the recorded head (entry " + std::to_string(head->seq) +
             ") were not written by the store");
  } else if (head->hash != last_.head.hash) {
    fail(last_.head.seq, "", "broken",
         "head_mismatch: the last entry's hash " + short_hash(last_.head.hash) +
             " is not the recorded head hash " + short_hash(head->hash));
  }
}

void ChainVerifier::fail(int64_t seq, std::string incident_id, std::string status,
                         std::string reason) {
  if (!ok()) return;  // the first break is the one reported
  broken_seq_ = seq;
  status_ = std::move(status);
  broken_incident_id_ = std::move(incident_id);
  reason_ = std::move(reason);
}

AuditVerification ChainVerifier::result() const {
  AuditVerification v;
  v.ok = ok();
  v.status = status_;
  v.checked = checked_;
  // Every way of failing names the first seq not trusted: all before it verified.
  v.entries = broken_seq_ ? *broken_seq_ - 1 : last_.head.seq;
  v.head_hash = ok() ? last_.head.hash : std::string();
  v.broken_seq = broken_seq_;
  v.broken_incident_id = broken_incident_id_;
  v.reason = reason_;
  return v;
}

}  // namespace alertd::sinks
