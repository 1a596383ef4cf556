#pragma once
// A fixed set of objects (a backend's reader connections with their prepared
// statements and buffers), each leased by one thread at a time: neither a
// SQLite connection opened NOMUTEX nor a libpq connection may be used by two
// threads at once. With more callers than objects, callers wait for a free
// one. Both backends' read calls lease from one of these.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace alertd::sinks {

template <typename T>
class LeasePool {
 public:
  /// Adds an item, free from now on (a store adds its readers once, at open).
  void add(std::unique_ptr<T> item) {
    std::lock_guard lock(mu_);
    free_.push_back(item.get());
    all_.push_back(std::move(item));
  }

  class Lease {
   public:
    Lease(LeasePool& pool, T& item) : pool_(&pool), item_(&item) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), item_(other.item_) {
      other.pool_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->release(*item_);
    }
    T& operator*() const { return *item_; }
    T* operator->() const { return item_; }

   private:
    LeasePool* pool_;
    T* item_;
  };

  /// Blocks until an item is free.
  Lease acquire() {
    std::unique_lock lock(mu_);
    freed_.wait(lock, [this] { return !free_.empty(); });
    T* item = free_.back();
    free_.pop_back();
    return Lease(*this, *item);
  }

 private:
  void release(T& item) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(&item);
    }
    freed_.notify_one();
  }

  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<T*> free_;                 // guarded by mu_
  std::vector<std::unique_ptr<T>> all_;  // owns the items; destroyed with the pool
};

}  // namespace alertd::sinks
