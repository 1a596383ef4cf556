#include "api/ingest/https_get.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>

namespace alertd::api {

namespace {

struct Sink {
  std::string& body;
  size_t limit;
  bool too_large = false;
};

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto& sink = *static_cast<Sink*>(user);
  const size_t bytes = size * n;
  if (sink.body.size() + bytes > sink.limit) {
    sink.too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  sink.body.append(data, bytes);
  return bytes;
}

}  // namespace

HttpsGetResult https_get(const std::string& url, const HttpsGetOptions& options) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpsGetResult out;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    out.error = "curl_easy_init failed";
    return out;
  }
  Sink sink{out.body, options.max_body_bytes};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, options.timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // Refused up front when the server announces a longer body; `collect`
  // stops one that does not announce it.
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_body_bytes));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  char detail[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    out.error = fmt::format("the answer is longer than {} bytes", options.max_body_bytes);
  } else if (rc != CURLE_OK) {
    out.error = detail[0] != '\0' ? detail : curl_easy_strerror(rc);
  } else if (out.status < 200 || out.status > 299) {
    out.error = fmt::format("answered HTTP {}", out.status);
  }
  if (!out.ok()) out.body.clear();
  return out;
}

}  // namespace alertd::api
