#include "api/background.h"

#include <exception>
#include <thread>

namespace alertd::api {

bool BackgroundJobs::run(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    ++running_;
  }
  auto done = [this] {
    std::lock_guard lock(mutex_);
    --running_;
    ended_.notify_all();
  };
  try {
    std::thread([job = std::move(job), done] {
      try {
        job();
      } catch (const std::exception&) {  // nothing escapes a thread of its own
      }
      done();
    }).detach();
  } catch (const std::exception&) {
    done();
    return false;
  }
  return true;
}

bool BackgroundJobs::stop(core::Duration wait) {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  return ended_.wait_for(lock, wait, [this] { return running_ == 0; });
}

size_t BackgroundJobs::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

}  // namespace alertd::api
