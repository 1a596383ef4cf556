#pragma once
// One attempt to deliver one message: a blocking libcurl transfer on the
// calling thread (a dispatcher worker, or the test endpoint's thread), never
// an io thread. HTTP kinds POST the JSON body; email speaks SMTP with the
// MIME message of mail.h. What the answer means for retrying is retry.h's.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "core/time.h"
#include "sinks/notify/message.h"
#include "sinks/notify/receiver.h"

namespace alertd::sinks::notify {

struct Timeouts {
  std::chrono::milliseconds connect{5000};  // TCP and TLS handshake
  std::chrono::milliseconds total{15000};   // the whole transfer: bounds a worker's attempt
};

struct TransportOptions {
  Timeouts timeouts;
  size_t max_response_bytes = 64 << 10;  // read at most this much of an answer's body
  std::string ca_file;                   // CA bundle (PEM); "" = the system store
};

/// Why a transfer did not come to an answer (or, for SMTP, to an accepted
/// mail). An HTTP answer of any status is `none`: the status tells.
enum class SendError : uint8_t {
  none,
  connect_error,  // no connection: refused, unreachable, name not resolved
  timeout,        // connect or total timeout
  tls_error,      // handshake, certificate, or STARTTLS not offered / refused
  smtp_error,     // the SMTP server refused (status: its reply code, 0 if none)
  other,          // anything else (a bad URL, a protocol not allowed, a lost connection)
};

struct SendResult {
  SendError error = SendError::none;
  int status = 0;  // HTTP status, or the last SMTP reply code; 0 when none came
  std::optional<core::Duration> retry_after;  // the answer's Retry-After, from `now`
  std::string detail;                         // libcurl's message, for logs
  std::string response;                       // the answer's body, at most max_response_bytes

  /// An HTTP 2xx (PagerDuty answers 202), or a mail the SMTP server took.
  bool delivered() const { return error == SendError::none && status >= 200 && status <= 299; }
};

/// Sends `message` to `receiver` once. HTTP kinds: POST with Content-Type
/// application/json (webhook: its headers, and X-Alertd-Signature computed
/// at clock.now() when it has a secret); http/https only, no redirects
/// followed (a 3xx is an answer like any other). Email: the receiver's `to`
/// plus message.extra_to, smtp/smtps only. Never throws.
SendResult send_message(const Receiver& receiver, const Message& message,
                        const TransportOptions& options, const core::Clock& clock);

}  // namespace alertd::sinks::notify
