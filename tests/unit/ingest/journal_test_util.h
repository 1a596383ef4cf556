#pragma once
// Shared helpers for the journal tests: a temp dir per test, appends that
// wait (with a hang guard, never a timing assertion), replay into a vector.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ingest/journal/journal.h"

namespace alertd::ingest::journal::test_util {

namespace fs = std::filesystem;

// Long enough never to fire on a slow machine; it only turns a hang into a failure.
inline constexpr std::chrono::seconds kHangGuard{60};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "alertd-journal-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? fs::path(pattern) : fs::path();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Outcome {
  uint64_t lsn = 0;
  AppendError error = AppendError::none;
  bool completed = false;
};

/// Appends and waits for the completion.
inline Outcome append_wait(Journal& journal, std::string payload) {
  auto promise = std::make_shared<std::promise<Outcome>>();
  auto future = promise->get_future();
  journal.append(std::move(payload), [promise](uint64_t lsn, AppendError error) {
    promise->set_value({lsn, error, true});
  });
  if (future.wait_for(kHangGuard) != std::future_status::ready) return {};
  return future.get();
}

/// Collects completions from any thread, in the order they ran.
class Collector {
 public:
  Completion completion(size_t tag) {
    return [this, tag](uint64_t lsn, AppendError error) {
      std::lock_guard lock(mu_);
      done_.push_back({tag, lsn, error});
      changed_.notify_all();
    };
  }
  bool wait_for(size_t count) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kHangGuard, [&] { return done_.size() >= count; });
  }
  struct Done {
    size_t tag;
    uint64_t lsn;
    AppendError error;
  };
  std::vector<Done> done() {
    std::lock_guard lock(mu_);
    return done_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Done> done_;
};

inline std::vector<std::pair<uint64_t, std::string>> replay_all(const Journal& journal,
                                                                uint64_t after = 0) {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto n = journal.replay(after, [&](uint64_t lsn, std::string_view payload) {
    out.emplace_back(lsn, std::string(payload));
  });
  EXPECT_TRUE(n.ok()) << n.error().message;
  if (n.ok()) {
    EXPECT_EQ(*n, out.size());
  }
  return out;
}

inline std::unique_ptr<Journal> open_ok(const JournalOptions& options) {
  auto j = Journal::open(options);
  EXPECT_TRUE(j.ok()) << j.error().message;
  return j.ok() ? std::move(*j) : nullptr;
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline fs::path segment_path(const JournalOptions& options, uint64_t first_lsn) {
  return options.dir / segment_file_name(first_lsn);
}

/// Record size on disk for a payload of `n` bytes.
inline uint64_t record_size(size_t n) {
  return kRecordHeaderBytes + n;
}

// Fixed-size payloads, so that every record's offset is known.
constexpr size_t kPayload = 50;
inline std::string payload(uint64_t i) {
  std::string p = "payload-" + std::to_string(i);
  p.resize(kPayload, '.');
  return p;
}

}  // namespace alertd::ingest::journal::test_util
