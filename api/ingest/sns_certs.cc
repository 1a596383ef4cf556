#include "api/ingest/sns_certs.h"

#include <exception>
#include <utility>

#include "api/ingest/sns_signature.h"

namespace alertd::api::sns {

CertStore::CertStore(Limits limits, std::function<void(Outcome)> counted, Getter get, Spawn spawn)
    : limits_(limits),
      counted_(std::move(counted)),
      get_(std::move(get)),
      spawn_(std::move(spawn)) {}

CertStore::Pem CertStore::find(const std::string& url, const config::SnsConfig& config) const {
  if (auto local = local_cert(url, config)) {
    return std::make_shared<const std::string>(std::move(*local));
  }
  std::lock_guard lock(mutex_);
  const auto it = cache_.find(url);
  return it == cache_.end() ? nullptr : it->second;
}

size_t CertStore::cached() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

void CertStore::fetch(const std::string& url, const std::string& ca_file, Done done) {
  bool start = false;
  bool busy = true;
  {
    std::unique_lock lock(mutex_);
    if (auto it = cache_.find(url); it != cache_.end()) {  // fetched since find()
      auto pem = it->second;
      lock.unlock();
      return done({Outcome::fetched, std::move(pem), {}});
    }
    const auto it = pending_.find(url);
    const bool full = waiters_ >= limits_.max_waiters ||
                      (it == pending_.end() && pending_.size() >= limits_.max_fetches);
    if (!full) {
      busy = false;
      ++waiters_;
      start = it == pending_.end();
      pending_[url].push_back(std::move(done));
    }
  }
  if (busy) {
    if (counted_) counted_(Outcome::busy);
    return done({Outcome::busy, nullptr, "too many signing certificate fetches at once"});
  }
  if (!start) return;
  try {
    spawn_([this, url, ca_file] { run(url, ca_file); });
  } catch (const std::exception& e) {  // no thread to be had: the waiters must not hang
    complete(url, {Outcome::failed, nullptr, std::string("no fetch thread: ") + e.what()});
  }
}

void CertStore::run(const std::string& url, const std::string& ca_file) {
  HttpsGetResult got;
  try {
    got = get_(url, {.timeout_ms = limits_.timeout_ms,
                     .max_body_bytes = limits_.max_cert_bytes,
                     .ca_file = ca_file});
  } catch (const std::exception& e) {  // nothing may escape a thread of its own
    got = {.error = e.what(), .status = 0, .body = {}};
  }
  complete(url, finish(url, std::move(got)));
}

void CertStore::complete(const std::string& url, const Result& result) {
  if (counted_) counted_(result.outcome);
  std::vector<Done> waiters;
  {
    std::lock_guard lock(mutex_);
    waiters = std::move(pending_[url]);
    pending_.erase(url);
    waiters_ -= waiters.size();
  }
  for (auto& done : waiters) done(result);
}

// Caches a body that is a certificate; says how the fetch went.
CertStore::Result CertStore::finish(const std::string& url, HttpsGetResult got) {
  if (!got.ok()) return {Outcome::failed, nullptr, std::move(got.error)};
  if (!is_certificate(got.body)) {
    return {Outcome::bad_certificate, nullptr, "the body is no PEM X509 certificate"};
  }
  auto pem = std::make_shared<const std::string>(std::move(got.body));
  std::lock_guard lock(mutex_);
  if (cache_.emplace(url, pem).second) order_.push_back(url);
  while (cache_.size() > limits_.max_cached && !order_.empty()) {
    cache_.erase(order_.front());
    order_.pop_front();
  }
  return {Outcome::fetched, std::move(pem), {}};
}

}  // namespace alertd::api::sns
