#include "sinks/notify/transport.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "sinks/notify/mail.h"
#include "sinks/notify/retry.h"
#include "sinks/notify/signature.h"

namespace alertd::sinks::notify {

namespace {

using Easy = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using Slist = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

// What libcurl's callbacks fill during one transfer.
struct Transfer {
  std::string response;
  size_t limit = 0;
  bool overflow = false;
  std::string retry_after;  // the final answer's header value, raw
  std::string upload;       // SMTP: the message
  size_t uploaded = 0;
  char error[CURL_ERROR_SIZE] = {};
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  if (t.response.size() + bytes > t.limit) {
    // The status line and headers are in already; only the rest of a long
    // body is left unread (CURLE_WRITE_ERROR, treated as no error below).
    t.overflow = true;
    return 0;
  }
  t.response.append(data, bytes);
  return bytes;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::string_view line(data, size * n);
  constexpr std::string_view kRetryAfter = "retry-after:";
  if (line.substr(0, 5) == "HTTP/") {
    t.retry_after.clear();  // a new answer (after 100 Continue): only the last one counts
  } else if (line.size() > kRetryAfter.size() &&
             strncasecmp(line.data(), kRetryAfter.data(), kRetryAfter.size()) == 0) {
    t.retry_after.assign(line.substr(kRetryAfter.size()));
  }
  return size * n;
}

size_t on_read(char* buffer, size_t size, size_t n, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t bytes = std::min(size * n, t.upload.size() - t.uploaded);
  std::memcpy(buffer, t.upload.data() + t.uploaded, bytes);
  t.uploaded += bytes;
  return bytes;
}

Easy new_easy() {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return Easy(curl_easy_init(), curl_easy_cleanup);
}

void set_common_options(CURL* c, Transfer& t, const TransportOptions& options,
                        const char* protocols) {
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.timeouts.connect.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeouts.total.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t.error);
  t.limit = options.max_response_bytes;
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
}

SendError error_kind(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return SendError::connect_error;
    case CURLE_OPERATION_TIMEDOUT: return SendError::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED: return SendError::tls_error;
    default: return SendError::other;
  }
}

SendResult finish(CURL* c, CURLcode rc, const Transfer& t, bool smtp, core::TimePoint now) {
  SendResult out;
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  out.status = static_cast<int>(status);
  out.response = t.response;
  const bool answered = rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t.overflow);
  if (!answered) {
    out.error = error_kind(rc);
    // The server answered and refused (MAIL, RCPT, DATA, AUTH): its reply
    // code says whether it is transient; connection and TLS failures stay.
    if (smtp && status != 0 && out.error != SendError::timeout &&
        out.error != SendError::tls_error) {
      out.error = SendError::smtp_error;
    }
    out.detail = t.error[0] != '\0' ? t.error : curl_easy_strerror(rc);
  }
  if (!smtp && !t.retry_after.empty()) out.retry_after = parse_retry_after(t.retry_after, now);
  return out;
}

SendResult refused(SendError error, std::string detail) {
  SendResult out;
  out.error = error;
  out.detail = std::move(detail);
  return out;
}

// Header lines from the config may not carry a line break: it would start
// a header (or a request) of its own.
bool header_safe(std::string_view name, std::string_view value) {
  auto bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  return !name.empty() && std::none_of(name.begin(), name.end(), bad) &&
         name.find(':') == std::string_view::npos && name.find(' ') == std::string_view::npos &&
         std::none_of(value.begin(), value.end(), bad);
}

SendResult post_json(const std::string& url, const std::vector<std::string>& extra_headers,
                     const std::string& body, const TransportOptions& options,
                     const core::Clock& clock) {
  Easy easy = new_easy();
  if (!easy) return refused(SendError::other, "curl_easy_init failed");
  CURL* c = easy.get();
  Transfer t;
  set_common_options(c, t, options, "http,https");
  // "Expect:" off: a body over 1 KiB would otherwise wait a second for a
  // 100 Continue that webhook servers rarely send.
  Slist headers(nullptr, curl_slist_free_all);
  for (const char* h : {"Content-Type: application/json", "Expect:", "User-Agent: alertd"}) {
    headers.reset(curl_slist_append(headers.release(), h));
  }
  for (const auto& h : extra_headers)
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  const CURLcode rc = curl_easy_perform(c);
  return finish(c, rc, t, false, clock.now());
}

SendResult send_webhook(const WebhookReceiver& receiver, const Message& message,
                        const TransportOptions& options, const core::Clock& clock) {
  std::vector<std::string> headers;
  for (const auto& [name, value] : receiver.headers) {
    if (!header_safe(name, value)) {
      return refused(SendError::other, fmt::format("header '{}' has a line break", name));
    }
    headers.push_back(name + ": " + value);
  }
  if (!receiver.secret.empty()) {
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
    headers.push_back("X-Alertd-Signature: " +
                      webhook_signature(receiver.secret, now, message.body));
  }
  return post_json(receiver.url, headers, message.body, options, clock);
}

// Loopback only: 127.0.0.0/8, ::1 and localhost.
bool loopback_host(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  char* host = nullptr;
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
      curl_url_get(u.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    return false;
  }
  const std::string h(host);
  curl_free(host);
  return h == "localhost" || h == "[::1]" || h.rfind("127.", 0) == 0;
}

SendResult send_email(const EmailReceiver& receiver, const Message& message,
                      const TransportOptions& options, const core::Clock& clock) {
  const bool smtps = receiver.smtp_url.rfind("smtps://", 0) == 0;
  if (!smtps && !receiver.starttls && !loopback_host(receiver.smtp_url)) {
    return refused(SendError::tls_error, "starttls: false is allowed only for a loopback server");
  }
  const auto recipients = mail_recipients(receiver, message);
  if (!recipients || recipients->empty() || !plain_address(receiver.from)) {
    return refused(SendError::other, "a sender or recipient is not a plain address");
  }
  Easy easy = new_easy();
  if (!easy) return refused(SendError::other, "curl_easy_init failed");
  CURL* c = easy.get();
  Transfer t;
  set_common_options(c, t, options, "smtp,smtps");
  t.upload = mime_message(receiver, message, *recipients, clock.now());
  Slist rcpt(nullptr, curl_slist_free_all);
  for (const auto& to : *recipients) {
    rcpt.reset(curl_slist_append(rcpt.release(), ("<" + to + ">").c_str()));
  }
  const std::string from = "<" + receiver.from + ">";
  curl_easy_setopt(c, CURLOPT_URL, receiver.smtp_url.c_str());
  if (!smtps && receiver.starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, CURLUSESSL_ALL);
  if (!receiver.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, receiver.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, receiver.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(c, CURLOPT_READDATA, &t);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.upload.size()));
  const CURLcode rc = curl_easy_perform(c);
  return finish(c, rc, t, true, clock.now());
}

}  // namespace

SendResult send_message(const Receiver& receiver, const Message& message,
                        const TransportOptions& options, const core::Clock& clock) {
  struct Visitor {
    const Message& message;
    const TransportOptions& options;
    const core::Clock& clock;
    SendResult operator()(const SlackReceiver& r) const { return post(r.webhook_url); }
    SendResult operator()(const TeamsReceiver& r) const { return post(r.webhook_url); }
    SendResult operator()(const PagerDutyReceiver& r) const { return post(r.url); }
    SendResult operator()(const EmailReceiver& r) const {
      return send_email(r, message, options, clock);
    }
    SendResult operator()(const WebhookReceiver& r) const {
      return send_webhook(r, message, options, clock);
    }
    SendResult post(const std::string& url) const {
      return post_json(url, {}, message.body, options, clock);
    }
  };
  return std::visit(Visitor{message, options, clock}, receiver.kind);
}

}  // namespace alertd::sinks::notify
