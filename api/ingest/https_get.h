#pragma once
// The one outbound HTTPS GET of the ingest routes (SNS signing certificates,
// SubscribeURL confirmation): libcurl, blocking, so callers run it on a
// thread of their own, never an io thread.

#include <cstddef>
#include <string>

namespace alertd::api {

struct HttpsGetOptions {
  long timeout_ms = 10000;
  size_t max_body_bytes = 1 << 20;  // a longer body fails the GET
  std::string ca_file;              // CA bundle (PEM) to verify the peer; "" = the system store
};

struct HttpsGetResult {
  std::string error;  // empty: a 2xx answer, its body in `body`
  long status = 0;    // the HTTP status, 0 when none came
  std::string body;
  bool ok() const { return error.empty(); }
};

/// GETs `url`: https:// only, no redirects (a 3xx is a failure), peer
/// certificate and host name verified (libcurl's defaults, never turned
/// off), at most `timeout_ms` in all and `max_body_bytes` of body.
HttpsGetResult https_get(const std::string& url, const HttpsGetOptions& options);

}  // namespace alertd::api
