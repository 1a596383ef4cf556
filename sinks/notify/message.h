#pragma once
// A rendered message on its way to one receiver, and what one attempt to
// deliver it came to. The daemon renders messages from the notify policy's
// intents, keeps each in the store's outbox (so a restart resends what was
// pending) and hands it to the dispatcher (dispatcher.h).

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.h"

namespace alertd::sinks::notify {

struct Message {
  uint64_t id = 0;                    // the store's outbox row id: one delivery per id
  std::string receiver;               // a Receiver's name
  std::string incident_id;            // INC-…; also PagerDuty's dedup_key, inside `body`
  std::string body;                   // the HTTP kinds' JSON body
  std::string subject;                // email only: the header (already header-escaped)
  std::string text;                   // email only: the text/plain part
  std::string html;                   // email only: the text/html part
  std::vector<std::string> extra_to;  // email only: added to the receiver's `to` (on-call person)
  core::TimePoint changed_at = core::kNoTime;  // the incident change it tells: latency from here
  core::TimePoint created_at = core::kNoTime;  // when it was made: max_age counts from here
  int attempts = 0;  // attempts already made (before a restart); the next one is attempts + 1
};

/// One attempt and what became of the message. Reasons are short
/// snake_case tokens (the `reason` label of the failure metric):
/// delivered; the cause of a retry or of a failure never retried: http_429,
/// http_5xx, http_4xx, http_3xx (a redirect: not followed; see `status`),
/// connect_error, timeout, tls_error, smtp_error (`status` is the SMTP
/// reply), transport_error (a bad URL or header: nothing sent); given up:
/// max_attempts, max_age; nothing sent: unknown_receiver (no receiver of
/// that name since a reload), shutdown (send_now after stop). queue_full is
/// never an outcome: a full queue refuses the submit and loses nothing.
struct AttemptOutcome {
  enum class Result { delivered, retrying, failed };

  uint64_t message_id = 0;
  std::string receiver;
  int attempt = 0;  // 1 for the first; attempts made so far when nothing was sent
  Result result = Result::failed;
  std::string reason;
  int status = 0;                           // HTTP or SMTP code; 0 when none came
  core::TimePoint at = core::kNoTime;       // when the attempt ended
  core::TimePoint next_at = core::kNoTime;  // retrying: when the next attempt is due
};

inline const char* result_name(AttemptOutcome::Result result) {
  switch (result) {
    case AttemptOutcome::Result::delivered: return "delivered";
    case AttemptOutcome::Result::retrying: return "retrying";
    case AttemptOutcome::Result::failed: return "failed";
  }
  return "failed";
}

}  // namespace alertd::sinks::notify
