#include "sinks/store/audit_chain.h"

#include <openssl/evp.h>

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
                     "audit chain: SHA-256 failed in libcrypto (" + std::string(what) + ")"};
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

AuditHasher::AuditHasher(AuditHasher&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      sha256_(std::exchange(other.sha256_, nullptr)),
      encoding_(std::move(other.encoding_)) {}

AuditHasher& AuditHasher::operator=(AuditHasher&& other) noexcept {
  if (this != &other) {
    release();
    ctx_ = std::exchange(other.ctx_, nullptr);
    sha256_ = std::exchange(other.sha256_, nullptr);
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
  ctx_ = nullptr;
  sha256_ = nullptr;
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
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(size_t{size} * 2, '0');
  for (unsigned int i = 0; i < size; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

core::Result<std::string> AuditHasher::hash(std::string_view prev_hash, int64_t seq,
                                            const core::AuditEntry& entry) {
  encoding_.clear();
  append_audit_encoding(encoding_, prev_hash, seq, entry);
  return sha256_hex(encoding_);
}

core::Status ChainVerifier::add(const core::AuditEntry& row) {
  if (!ok()) return {};
  const int64_t expected = last_.seq + 1;
  if (row.seq != expected) {
    // A seq below the expected one cannot come from a store reading in seq
    // order; it is reported the same way, as the chain not continuing.
    fail(expected, "",
         "seq_gap: seq " + std::to_string(last_.seq) + " is followed by seq " +
             std::to_string(row.seq) + "; entry " + std::to_string(expected) + " is missing");
    return {};
  }
  if (row.prev_hash != last_.hash) {
    fail(row.seq, row.incident_id,
         "link_mismatch: prev_hash " + short_hash(row.prev_hash) +
             " is not the hash of the entry before it (" + short_hash(last_.hash) + ")");
    return {};
  }
  auto computed = hasher_.hash(last_.hash, row.seq, row);
  if (!computed.ok()) return computed.error();
  if (*computed != row.hash) {
    fail(row.seq, row.incident_id,
         "content_mismatch: stored hash " + short_hash(row.hash) +
             " does not match the entry's fields (hash " + short_hash(*computed) +
             "): the entry was changed after it was written");
    return {};
  }
  last_.seq = row.seq;
  last_.hash = std::move(*computed);
  return {};
}

void ChainVerifier::finish(const std::optional<AuditChainHead>& head) {
  if (!ok()) return;
  if (!head) {
    if (last_.seq > 0) {
      fail(last_.seq, "", "head_missing: the store has no record of the chain's head");
    }
    return;
  }
  if (head->seq > last_.seq) {
    fail(last_.seq + 1, "",
         "tail_missing: the recorded head is entry " + std::to_string(head->seq) +
             " but the log ends at entry " + std::to_string(last_.seq));
  } else if (head->seq < last_.seq) {
    fail(head->seq + 1, "",
         "beyond_head: entries after the recorded head (entry " + std::to_string(head->seq) +
             ") were not written by the store");
  } else if (head->hash != last_.hash) {
    fail(last_.seq, "",
         "head_mismatch: the last entry's hash " + short_hash(last_.hash) +
             " is not the recorded head hash " + short_hash(head->hash));
  }
}

void ChainVerifier::fail(int64_t seq, std::string incident_id, std::string reason) {
  broken_seq_ = seq;
  broken_incident_id_ = std::move(incident_id);
  reason_ = std::move(reason);
}

AuditVerification ChainVerifier::result() const {
  AuditVerification v;
  v.ok = ok();
  // Every way of failing names the first seq not trusted: all before it verified.
  v.entries = broken_seq_ ? *broken_seq_ - 1 : last_.seq;
  v.head_hash = ok() ? last_.hash : std::string();
  v.broken_seq = broken_seq_;
  v.broken_incident_id = broken_incident_id_;
  v.reason = reason_;
  return v;
}

}  // namespace alertd::sinks
