#pragma once
// Response builders, so every endpoint answers errors the same way:
// {"error": "<reason token>", "detail": "<what is wrong>"} (DESIGN.md §5).

#include <optional>
#include <string>
#include <string_view>

#include "daemon/http/server.h"

namespace alertd::daemon::http {

Response json_response(unsigned status, std::string body);
Response text_response(unsigned status, std::string body, std::string_view content_type);

struct ErrorExtras {
  std::optional<size_t> index;     // first bad item of a batch
  std::optional<size_t> accepted;  // items accepted before it
  std::optional<unsigned> retry_after_seconds;
};
Response error_response(unsigned status, std::string_view reason, std::string_view detail,
                        const ErrorExtras& extras = {});

}  // namespace alertd::daemon::http
