#include "sinks/store/sqlite/checkpointer.h"

#include <filesystem>

namespace alertd::sinks::sqlite {

core::Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path,
                                                                int busy_timeout_ms,
                                                                std::chrono::milliseconds every) {
  auto db = Connection::open(path, Connection::Mode::read_write_create, busy_timeout_ms);
  if (!db.ok()) return db.error();
  return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(*db), every));
}

Checkpointer::Checkpointer(Connection db, std::chrono::milliseconds every)
    : db_(std::move(db)),
      wal_path_(db_.path() + "-wal"),
      every_(every),
      thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void Checkpointer::run() {
  std::unique_lock lock(mutex_);
  while (!stop_cv_.wait_for(lock, every_, [this] { return stop_; })) {
    lock.unlock();
    // A failure (e.g. SQLITE_BUSY from another checkpointer) only means this
    // round copied less; the next round tries again.
    (void)db_.exec("PRAGMA wal_checkpoint(PASSIVE)", "checkpoint the WAL");
    // Once PASSIVE rounds have copied nearly everything, a RESTART finishes
    // the rest and lets the writer start the WAL over: the writer waits only
    // for those last frames, never for a whole WAL's worth.
    std::error_code ec;
    if (std::filesystem::file_size(wal_path_, ec) > kRestartBytes && !ec) {
      (void)db_.exec("PRAGMA wal_checkpoint(RESTART)", "restart the WAL");
    }
    lock.lock();
  }
}

}  // namespace alertd::sinks::sqlite
