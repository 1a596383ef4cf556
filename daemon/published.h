#pragma once
// A value that reload replaces while every pipeline thread reads it. A
// reader keeps its own pointer and refreshes it only when the generation
// moved, so the hot path costs one atomic load per batch or request: no
// shared refcount and no lock (libstdc++'s atomic<shared_ptr> takes one).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace alertd::daemon {

template <typename T>
class Published {
 public:
  explicit Published(std::shared_ptr<const T> first)
      : id_(next_id().fetch_add(1, std::memory_order_relaxed)), current_(std::move(first)) {}

  void publish(std::shared_ptr<const T> next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
    generation_.fetch_add(1, std::memory_order_release);
  }
  /// The value now, with a reference of its own (takes the lock: not per item).
  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  /// One thread's view of the value.
  class Reader {
   public:
    Reader() = default;
    explicit Reader(const Published& source) { follow(source); }
    /// The value as of the last refresh that saw a new generation.
    const T& get(const Published& source) {
      if (source_id_ != source.id_ || seen_ != source.generation_.load(std::memory_order_acquire)) {
        follow(source);
      }
      return *held_;
    }

   private:
    void follow(const Published& source) {
      source_id_ = source.id_;
      // Generation first: a publish in between makes the next get() refresh again.
      seen_ = source.generation_.load(std::memory_order_acquire);
      held_ = source.load();
    }
    uint64_t source_id_ = 0;
    uint64_t seen_ = 0;
    std::shared_ptr<const T> held_;
  };

 private:
  // Ids, not addresses, tell sources apart: a thread's reader may outlive
  // one pipeline and meet the next at the same address.
  static std::atomic<uint64_t>& next_id() {
    static std::atomic<uint64_t> id{1};
    return id;
  }

  const uint64_t id_;
  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace alertd::daemon
