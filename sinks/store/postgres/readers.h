#pragma once
// The PostgreSQL store's reader connections (the same calls as
// sqlite/readers.h): each read call leases one from the shared LeasePool (a
// libpq connection must not be used by two threads at once), and reads that
// must see one commit do so inside a ReadSnapshot.

#include <simdjson.h>

#include <cstddef>
#include <memory>

#include "core/result.h"
#include "sinks/store/lease_pool.h"
#include "sinks/store/postgres/pg_conn.h"

namespace alertd::sinks::postgres {

struct Reader {
  /// Connects on first use, and runs the migration check after every (re)connect.
  explicit Reader(std::shared_ptr<const Target> target);
  Connection conn;
  Params params;
  simdjson::dom::parser parser;
};

/// The store's read connections, each leased by one read call at a time.
using ReadPool = LeasePool<Reader>;

/// Connects `connections` (at least one) readers.
core::Result<std::unique_ptr<ReadPool>> open_readers(std::shared_ptr<const Target> target,
                                                     size_t connections);

/// A REPEATABLE READ READ ONLY transaction from begin() to destruction, so
/// the statements of one call see one commit.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Reader& r) : conn_(r.conn) {}
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot() {
    if (open_ && conn_.in_transaction()) conn_.rollback();  // nothing to keep
  }
  core::Status begin() {
    auto r = conn_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read");
    open_ = r.ok();
    return core::status_of(r);
  }

 private:
  Connection& conn_;
  bool open_ = false;
};

}  // namespace alertd::sinks::postgres
