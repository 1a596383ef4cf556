#pragma once
// Response builders, so every endpoint answers errors the same way:
// {"error": "<reason token>", "detail": "<what is wrong>"} (DESIGN.md §5).
// A detail may quote the request (a path, an id): the body stays valid UTF-8
// JSON whatever it holds, since core::JsonWriter writes every byte that is
// not well-formed UTF-8 as \ufffd.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "api/server.h"
#include "core/verdict.h"

namespace alertd::api {

Response json_response(unsigned status, std::string body);
Response text_response(unsigned status, std::string body, std::string_view content_type);

struct ErrorExtras {
  std::optional<size_t> index;     // first bad item of a batch
  std::optional<size_t> accepted;  // items accepted before it
  std::optional<unsigned> retry_after_seconds;
};
Response error_response(unsigned status, std::string_view reason, std::string_view detail,
                        const ErrorExtras& extras = {});

/// A refusal that names what the record allows instead (a 409 of a state
/// machine): {"error", "detail", "allowed": [...]}.
Response refusal_with_allowed(unsigned status, std::string_view reason, std::string_view detail,
                              std::span<const std::string> allowed);

/// The HTTP status of a domain verdict (core/verdict.h).
unsigned http_status(core::Verdict verdict);

/// 503 store_unavailable with Retry-After: the store failed or did not answer.
Response store_unavailable_response(std::string_view detail);

}  // namespace alertd::api
