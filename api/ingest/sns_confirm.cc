// SNS subscription confirmation: an HTTPS GET of SubscribeURL with libcurl,
// off the io threads (a slow AWS endpoint must not stall ingest).

#include <curl/curl.h>
#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "api/ingest/sns_signature.h"

namespace alertd::api::sns {

namespace {

constexpr int kMaxInFlight = 4;
std::atomic<int> in_flight{0};

size_t discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

// Empty on success (a 2xx answer), else why not.
std::string https_get(const std::string& url) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return "curl_easy_init failed";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE, 1L << 20);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return curl_easy_strerror(rc);
  if (status < 200 || status > 299) return fmt::format("SubscribeURL answered {}", status);
  return {};
}

}  // namespace

void confirm_subscription(std::string url, std::function<void(bool, std::string)> done) {
  if (in_flight.fetch_add(1) >= kMaxInFlight) {
    in_flight.fetch_sub(1);
    return done(false, "too many subscription confirmations at once");
  }
  std::thread([url = std::move(url), done = std::move(done)] {
    auto why = https_get(url);
    in_flight.fetch_sub(1);
    done(why.empty(), std::move(why));
  }).detach();
}

}  // namespace alertd::api::sns
