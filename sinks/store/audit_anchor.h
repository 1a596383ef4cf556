#pragma once
// The audit chain's anchor: the head (seq, hash) kept in a file outside the
// database (`audit.anchor_file`), so a log cut at its end and a head row
// rewritten to match no longer verify.
//
// The file is four short lines of text:
//
//   alertd-audit-anchor 1
//   seq 1234
//   hash <the entry's hash, as the chain stores it>
//   mac hmac-sha256:<hex>        (only with audit.key)
//
// The mac is the HMAC-SHA256, under audit.key, of the three lines before it
// (newlines included): without the key nobody can write an anchor that a
// keyed alertd accepts.
//
// Ordering: the store commits first, then hands the new head to the
// anchor's own thread, which writes it (temp file, fsync, rename, fsync of
// the folder). The store writer never waits for those fsyncs (~12 ms on the
// dev machine's disk, far more than a small batch's commit); when commits
// come faster than anchor writes, the thread writes only the newest head, so
// the anchor is written at most once per commit batch and trails the
// database by at most the commits of one anchor write. A crash in between
// leaves the anchor behind the database, which verifies (behind is never
// tampering); the anchor ahead of the database means entries the database
// once committed are gone (truncated). Closing the store writes what is
// pending.
//
// A store opened on an empty chain writes the anchor at once (seq 0), so a
// missing file means a deleted one.
//
// The anchor never moves onto a chain it does not continue: when, at open,
// the file is missing while the chain has entries, is invalid, is ahead of
// the database, or names another hash than the database's entry at its seq,
// the anchor is held (left as it is, so the evidence stays) until `alertd
// audit re-anchor` writes it again (force()).
//
// Threads: committed() and force() are called by the store's writer (under
// its write mutex); one thread of its own writes the file; the reads of the
// file (read_anchor_file) come from any thread.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/result.h"
#include "sinks/store/audit_chain.h"

namespace alertd::sinks {

/// How a store chains and anchors its audit trail.
struct AuditSettings {
  std::string key;          // audit.key: "" for the SHA-256 chain, else HMAC-SHA256 entries
  std::string anchor_file;  // "" for no anchor (tools and tests that do not need one)
  // Called on the writer thread with the head after open and after every
  // commit that moved it (the daemon's gauge and its log every 10,000).
  std::function<void(const AuditChainHead&)> on_head;
  // Called when the anchor is held or could not be written.
  std::function<void(std::string_view)> on_warning;
};

/// The anchor file as read; `authenticated` when its mac verified with the key.
struct AnchorFile {
  AuditChainHead head;
  bool authenticated = false;
};

/// Reads the anchor. nullopt when the file does not exist. Error reason
/// anchor_invalid when it cannot be read or parsed, or (with a key) when its
/// mac does not verify, or is missing from an anchor of an HMAC head.
core::Result<std::optional<AnchorFile>> read_anchor_file(const std::string& path,
                                                         const std::string& key);

/// Writes the anchor atomically and durably: `<path>.tmp`, fsync, rename,
/// fsync of the folder (created if missing). With a key, with its mac.
core::Status write_anchor_file(const std::string& path, const AuditChainHead& head,
                               const std::string& key);

/// The hash of the audit_log row `seq` (nullopt: no such row), as the
/// writer's connection sees it.
using AuditHashAt = std::function<core::Result<std::optional<std::string>>(int64_t seq)>;

/// The writer's side of the anchor: moves it after each commit, or holds it.
class AuditAnchor {
 public:
  explicit AuditAnchor(AuditSettings settings);
  /// Writes the head still pending, then stops the thread.
  ~AuditAnchor();
  AuditAnchor(const AuditAnchor&) = delete;
  AuditAnchor& operator=(const AuditAnchor&) = delete;

  const AuditSettings& settings() const { return settings_; }
  bool enabled() const { return !settings_.anchor_file.empty(); }

  /// At store open, with the database's head: reads the anchor and decides
  /// whether the writer may move it (see the top of this file).
  void open(const AuditChainHead& db_head, const AuditHashAt& hash_at);
  /// After a commit that moved the head from `before` (as the transaction
  /// found it) to `after`: has the anchor written at `after` unless held.
  /// Does not wait for the write.
  void committed(const AuditChainHead& before, const AuditChainHead& after);
  /// Waits until every head handed to committed() is written (or failed).
  void flush();
  /// `alertd audit re-anchor`: writes the anchor at `head` and ends a hold.
  core::Status force(const AuditChainHead& head);
  /// Why the anchor is held; "" when the writer moves it.
  std::string held_reason() const;

 private:
  void hold(std::string reason);
  void run();  // the anchor thread
  /// Writes `head` unless a newer one was written already (or `always`).
  void write(const AuditChainHead& head, bool always);

  AuditSettings settings_;
  mutable std::mutex mutex_;  // guards what follows, up to file_mu_
  std::condition_variable wake_;
  std::condition_variable idle_;
  AuditChainHead accepted_;                // the head the next commit must continue
  std::optional<AuditChainHead> pending_;  // the newest head not written yet
  bool writing_ = false;
  bool stopping_ = false;
  std::string held_;
  std::mutex file_mu_;        // one write of the file at a time
  int64_t written_seq_ = -1;  // the last head written (under file_mu_)
  std::thread thread_;        // declared last: started when everything above is
};

}  // namespace alertd::sinks
