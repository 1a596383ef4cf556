#pragma once
// A small pool of read-only connections for the store's read calls.
//
// WAL lets any number of readers run beside the one writer, each on its own
// snapshot; a SQLite connection, though, is used by one thread at a time. So
// each read call leases a whole connection (with its prepared statements and
// JSON parser) and gives it back when done. With more callers than
// connections, callers wait on the pool's condition variable.

#include <simdjson.h>

#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace alertd::sinks::sqlite {

/// Which optional filters a list query has: one prepared statement per shape.
enum ListShape : unsigned {
  kListByStatus = 1,
  kListByService = 2,
  kListByPriority = 4,
  kListBefore = 8,
};
inline constexpr size_t kListShapes = 16;

struct ReadConnection {
  Connection db;
  Statement begin;  // BEGIN: one snapshot across the statements of a call
  Statement end;    // ROLLBACK: a read transaction has nothing to keep
  Statement incident_by_id;
  Statement members_of;
  Statement timeline;
  Statement audit_head;    // the recorded head of the audit chain
  Statement audit_chain;   // every audit entry in seq order, for verify_audit
  Statement opened_since;  // tenant ?1, opened_at >= ?2, oldest first, LIMIT ?3
  Statement active_incidents;
  Statement active_members;
  Statement max_seq;
  Statement silences_of_tenant;  // newest first
  Statement silence_by_seq;
  Statement silences_unended;               // ends_at > ?1, oldest first
  std::array<Statement, kListShapes> list;  // prepared on first use
  StatementCache cache;                     // the rare reads (problems)
  simdjson::dom::parser parser;

  /// The list statement for a shape (a bit set of ListShape).
  core::Result<Statement*> list_statement(unsigned shape);
};

class ReadPool {
 public:
  static core::Result<std::unique_ptr<ReadPool>> open(const std::string& path, size_t connections,
                                                      int busy_timeout_ms);

  /// A connection held for the duration of one read call.
  class Lease {
   public:
    Lease(ReadPool& pool, ReadConnection& conn) : pool_(&pool), conn_(&conn) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(other.conn_) {
      other.pool_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->release(*conn_);
    }
    ReadConnection& operator*() const { return *conn_; }
    ReadConnection* operator->() const { return conn_; }

   private:
    ReadPool* pool_;
    ReadConnection* conn_;
  };

  /// Blocks until a connection is free.
  Lease acquire();

 private:
  ReadPool() = default;
  void release(ReadConnection& conn);

  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<ReadConnection*> free_;  // guarded by mu_
  std::vector<std::unique_ptr<ReadConnection>> all_;
};

/// Opens a read transaction on construction and ends it on destruction, so
/// the statements of one call see one consistent snapshot.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(ReadConnection& conn) : conn_(conn) {}
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot();
  core::Status begin();

 private:
  ReadConnection& conn_;
  bool open_ = false;
};

}  // namespace alertd::sinks::sqlite
