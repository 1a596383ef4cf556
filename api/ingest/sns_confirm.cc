// SNS subscription confirmation: an HTTPS GET of SubscribeURL (https_get.h),
// off the io threads (a slow AWS endpoint must not stall ingest).

#include <atomic>
#include <memory>

#include "api/ingest/https_get.h"
#include "api/ingest/sns_signature.h"

namespace alertd::api::sns {

namespace {

constexpr int kMaxInFlight = 4;
std::atomic<int> in_flight{0};

}  // namespace

void confirm_subscription(BackgroundJobs& jobs, std::string url, std::string ca_file,
                          std::function<void(bool, std::string)> done) {
  if (in_flight.fetch_add(1) >= kMaxInFlight) {
    in_flight.fetch_sub(1);
    return done(false, "too many subscription confirmations at once");
  }
  auto shared_done = std::make_shared<std::function<void(bool, std::string)>>(std::move(done));
  const bool started =
      jobs.run([url = std::move(url), ca_file = std::move(ca_file), done = shared_done] {
        // The answer (an XML receipt) is not needed: a 2xx confirms.
        auto got =
            https_get(url, {.timeout_ms = 10000, .max_body_bytes = 1 << 20, .ca_file = ca_file});
        in_flight.fetch_sub(1);
        if (got.ok()) return (*done)(true, {});
        (*done)(false, "SubscribeURL: " + got.error);
      });
  if (!started) {  // shutting down, or no thread to be had
    in_flight.fetch_sub(1);
    (*shared_done)(false, "no thread for the confirmation (shutting down?)");
  }
}

}  // namespace alertd::api::sns
