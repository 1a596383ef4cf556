#pragma once
// Threads the API starts off the io threads (SNS signing certificate
// fetches and subscription confirmations), counted so that shutdown waits
// for them while the pipeline they offer to and the server they answer
// through still exist. Each job is bounded by its own timeout (10 s GETs).

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>

#include "core/time.h"

namespace alertd::api {

class BackgroundJobs {
 public:
  BackgroundJobs() = default;
  BackgroundJobs(const BackgroundJobs&) = delete;
  BackgroundJobs& operator=(const BackgroundJobs&) = delete;
  ~BackgroundJobs() { stop(std::chrono::seconds(30)); }

  /// Runs `job` on a thread of its own; false (the job is not run) once
  /// stop() began or when no thread could be started.
  bool run(std::function<void()> job);

  /// Refuses new jobs, then waits up to `wait` for the running ones to end;
  /// false when some still run.
  bool stop(core::Duration wait);

  size_t running() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable ended_;
  size_t running_ = 0;
  bool stopping_ = false;
};

}  // namespace alertd::api
