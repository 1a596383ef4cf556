#pragma once
// Pure decoders: request bodies -> normalized core::Alert records.
//
// Decoders do no I/O and keep no metrics: on bad input they return a stable
// reason token (the `reason` label of alertd_alerts_rejected_total, counted by
// the caller) and a message naming the problem and the index of the first bad
// item. They never throw, whatever the bytes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/time.h"

namespace alertd::ingest {

/// Every reason token a decoder can return (see ingest/README.md).
namespace reason {
inline constexpr std::string_view kBodyTooLarge = "body_too_large";
inline constexpr std::string_view kInvalidJson = "invalid_json";
inline constexpr std::string_view kInvalidUtf8 = "invalid_utf8";
inline constexpr std::string_view kWrongType = "wrong_type";
inline constexpr std::string_view kMissingLabels = "missing_labels";
inline constexpr std::string_view kEmptyLabels = "empty_labels";
inline constexpr std::string_view kEmptyLabelName = "empty_label_name";
inline constexpr std::string_view kInvalidLabelName = "invalid_label_name";
inline constexpr std::string_view kDuplicateLabel = "duplicate_label";
inline constexpr std::string_view kTooManyLabels = "too_many_labels";
inline constexpr std::string_view kLabelNameTooLong = "label_name_too_long";
inline constexpr std::string_view kLabelValueTooLong = "label_value_too_long";
inline constexpr std::string_view kTooManyAnnotations = "too_many_annotations";
inline constexpr std::string_view kAnnotationTooLong = "annotation_too_long";
inline constexpr std::string_view kInvalidTimestamp = "invalid_timestamp";
inline constexpr std::string_view kInvalidSource = "invalid_source";
inline constexpr std::string_view kTooManyAlerts = "too_many_alerts";
inline constexpr std::string_view kTooDeep = "too_deep";
// A value holding U+0000 (sent as \u0000): PostgreSQL text cannot hold it.
inline constexpr std::string_view kNulByte = "nul_byte";

/// For pre-creating metric series: every token above, once.
inline constexpr std::string_view kAll[] = {
    kBodyTooLarge,       kInvalidJson,       kInvalidUtf8,      kWrongType,
    kMissingLabels,      kEmptyLabels,       kEmptyLabelName,   kInvalidLabelName,
    kDuplicateLabel,     kTooManyLabels,     kLabelNameTooLong, kLabelValueTooLong,
    kTooManyAnnotations, kAnnotationTooLong, kInvalidTimestamp, kInvalidSource,
    kTooManyAlerts,      kTooDeep,           kNulByte};
}  // namespace reason

/// Bounds on everything a request can make us hold (DESIGN.md §7).
struct Limits {
  size_t max_body_bytes = 10 << 20;       // the HTTP layer checks it too, before reading
  size_t max_alerts_per_request = 10000;  // array items, or non-blank NDJSON lines
  size_t max_labels = 64;
  size_t max_annotations = 64;
  size_t max_label_name_bytes = 256;  // also for annotation names
  size_t max_label_value_bytes = 4096;
  size_t max_annotation_value_bytes = 65536;  // also for the generator URL
  size_t max_source_bytes = 64;
  size_t max_depth = 16;  // JSON nesting, counted from the document root (root = 1)
};

struct DecodeContext {
  core::TimePoint now;  // the clock's "now" at receipt: decides firing vs resolved
  core::Duration resolve_timeout = std::chrono::minutes(5);  // AM: no endsAt -> now + this
  std::string_view tenant = "default";
  int64_t received_mono_ns = 0;  // copied into every alert
};

struct DecodeError {
  std::string reason;   // one of reason::kAll
  std::string message;  // for people: names the item, the field and the limit
  size_t index = 0;     // 0-based index of the first bad item (array item or NDJSON event)
};

struct DecodeResult {
  size_t accepted = 0;  // alerts appended to `out`
  std::optional<DecodeError> error;
  bool ok() const { return !error.has_value(); }
};

/// One per receiving thread: owns a reusable simdjson parser and scratch
/// buffers, so steady-state decoding does not allocate for them. Not thread-safe.
class Decoder {
 public:
  explicit Decoder(Limits limits = {});
  ~Decoder();
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // All decoders: `body` may be grown (reserve) to add simdjson's padding; no
  // copy is made when its capacity already allows. Decoded alerts are appended
  // to `out` with labels normalized, fingerprint = core::fingerprint(labels),
  // received_at = ctx.now, tenant = ctx.tenant. On the first bad item decoding
  // stops; alerts decoded before it stay in `out` and the caller decides what
  // to keep (arrays: all or nothing; NDJSON: the prefix).

  /// Alertmanager API v2 `POST /api/v2/alerts`: a JSON array of postableAlert.
  /// Resolved iff endsAt is given and endsAt <= ctx.now. source = "prometheus".
  DecodeResult alertmanager_v2(std::string& body, const DecodeContext& ctx,
                               std::vector<core::Alert>& out);

  /// Generic events: one JSON object, or an array of objects.
  DecodeResult generic_json(std::string& body, const DecodeContext& ctx,
                            std::vector<core::Alert>& out);

  /// Generic events, one JSON object per line (`\n` or `\r\n`). Blank lines are
  /// skipped and not counted: the error index is the 0-based number of the bad
  /// event among non-blank lines, which is also how many alerts were appended.
  DecodeResult generic_ndjson(std::string& body, const DecodeContext& ctx,
                              std::vector<core::Alert>& out);

  const Limits& limits() const { return limits_; }

  struct State;  // parser and scratch; defined in formats/common.h

 private:
  Limits limits_;
  std::unique_ptr<State> state_;
};

}  // namespace alertd::ingest
