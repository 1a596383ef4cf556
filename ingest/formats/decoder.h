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
#include "core/matcher.h"
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
// A gzip body (Content-Encoding: gzip, or the magic bytes) that does not inflate.
inline constexpr std::string_view kInvalidGzip = "invalid_gzip";
// Splunk HEC's own refusals (codes 12, 13, 7 and 15 of its answers).
inline constexpr std::string_view kEventMissing = "event_missing";
inline constexpr std::string_view kEventBlank = "event_blank";
inline constexpr std::string_view kIncorrectIndex = "incorrect_index";
inline constexpr std::string_view kInvalidIndexedField = "invalid_indexed_field";
// A field holds a value the format does not define (an unknown event_action...).
inline constexpr std::string_view kInvalidValue = "invalid_value";

/// For pre-creating metric series: every token above, once.
inline constexpr std::string_view kAll[] = {
    kBodyTooLarge,       kInvalidJson,       kInvalidUtf8,      kWrongType,
    kMissingLabels,      kEmptyLabels,       kEmptyLabelName,   kInvalidLabelName,
    kDuplicateLabel,     kTooManyLabels,     kLabelNameTooLong, kLabelValueTooLong,
    kTooManyAnnotations, kAnnotationTooLong, kInvalidTimestamp, kInvalidSource,
    kTooManyAlerts,      kTooDeep,           kNulByte,          kInvalidGzip,
    kEventMissing,       kEventBlank,        kIncorrectIndex,   kInvalidIndexedField,
    kInvalidValue};
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
  // Not a decoder limit: silences active or pending at once, all tenants
  // (the silences API reads it from the settings in force, so reload applies it).
  size_t max_silences = 10000;
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
  // Fields of the events left out because they broke a limit (the DOM
  // formats, builder.h); the alerts were kept without them.
  size_t skipped_fields = 0;
  std::optional<DecodeError> error;
  bool ok() const { return !error.has_value(); }
};

enum class WebhookFlavor { alertmanager, grafana };

/// A Splunk HEC token's defaults and narrowing (config::HecToken), plus the
/// request's query-string metadata for /raw. Views into the settings.
struct HecContext {
  std::string_view host, source, sourcetype, index;   // defaults for events that carry none
  const std::vector<std::string>* indexes = nullptr;  // allowed indexes; null or empty = any
  const std::vector<std::string>* label_fields = nullptr;
  const std::vector<std::string>* annotation_fields = nullptr;
  size_t max_events = 10000;  // sources.splunk_hec.max_events_per_request
};

/// A PagerDuty Events API v2 event as decoded: the alert it acts on, and
/// what the answer needs.
struct PagerDutyEvent {
  enum class Action { trigger, acknowledge, resolve };
  Action action = Action::trigger;
  std::string dedup_key;            // as sent, or generated for a trigger without one
  std::string routing_key;          // the integration key (a secret: never logged)
  std::vector<std::string> errors;  // PagerDuty's `errors` list when refused
};

/// AWS decoders (cloudtrail.cc, cloudwatch.cc, sns.cc): the policy from
/// `sources.cloudtrail`/`sources.sns`, as views into the settings.
struct AwsContext {
  enum class InsufficientData { firing, resolved, ignore };
  InsufficientData insufficient_data = InsufficientData::firing;
  // A CloudTrail record without errorCode is kept (alert CloudTrailEvent)
  // when one of these matches its labels; null or empty: none is kept.
  const std::vector<std::vector<core::Matcher>>* cloudtrail_keep = nullptr;
};

/// What the AWS decoders dropped on purpose, for the caller's counters.
struct AwsDropped {
  size_t records_ignored = 0;    // CloudTrail records without errorCode, not kept
  size_t log_pointers = 0;       // CloudTrail's "log delivered" SNS pointer (alertd reads no S3)
  size_t insufficient_data = 0;  // CloudWatch INSUFFICIENT_DATA under `ignore`
};

/// An SNS HTTP(S) delivery's envelope, with Message and Subject unescaped.
struct SnsEnvelope {
  std::string type;  // Notification | SubscriptionConfirmation | UnsubscribeConfirmation
  std::string message_id, topic_arn, message, timestamp, signature_version, signature;
  std::string signing_cert_url, subscribe_url, unsubscribe_url, token;
  std::optional<std::string> subject;  // signed only when present
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

  /// Alertmanager's webhook payload (version "4") or Grafana's ("1"): every
  /// alert of `alerts`, all or nothing. source = alertmanager | grafana.
  DecodeResult webhook(std::string& body, const DecodeContext& ctx, WebhookFlavor flavor,
                       std::vector<core::Alert>& out);

  /// The Splunk alert action's webhook: one object with search_name, sid,
  /// app, owner, results_link and the first `result` row. source = splunk.
  DecodeResult splunk_alert(std::string& body, const DecodeContext& ctx,
                            std::vector<core::Alert>& out);

  /// Splunk HEC /services/collector[/event]: JSON event objects written one
  /// after another. Events before a bad one stay in `out` (HEC's partial
  /// accept); the error index is the 0-based event number.
  DecodeResult hec_events(std::string& body, const DecodeContext& ctx, const HecContext& hec,
                          std::vector<core::Alert>& out);

  /// Splunk HEC /services/collector/raw: one event per line, metadata from
  /// `hec` (token defaults overridden by the query string). A line that is
  /// a JSON object is read as an event object, any other line is its message.
  DecodeResult hec_raw(std::string& body, const DecodeContext& ctx, const HecContext& hec,
                       std::vector<core::Alert>& out);

  /// PagerDuty Events API v2 (`POST /v2/enqueue`): one event. A trigger
  /// appends its alert; acknowledge and resolve append an alert that carries
  /// only `dedup_key` (the route gives it the trigger's labels). `event`
  /// gets the action, the dedup key and, when refused, PagerDuty's errors.
  DecodeResult pagerduty(std::string& body, const DecodeContext& ctx, PagerDutyEvent& event,
                         std::vector<core::Alert>& out);

  /// CloudTrail: a log file {"Records":[...]} (gzip by its magic bytes),
  /// one record, or an EventBridge event whose `detail` is a record. All or
  /// nothing. source = cloudtrail; the eventID is the `eventID` annotation.
  DecodeResult cloudtrail(std::string& body, const DecodeContext& ctx, const AwsContext& aws,
                          AwsDropped& dropped, std::vector<core::Alert>& out);

  /// Reads an SNS envelope. False (with `err`) when `body` is JSON but not
  /// one; `is_envelope` false when it is some other JSON object (raw
  /// message delivery: decode it with aws_message()).
  bool sns_envelope(std::string& body, bool& is_envelope, SnsEnvelope& envelope, DecodeError& err);

  /// The message SNS carries (or a raw delivery): a CloudTrail record or log
  /// file, an EventBridge event, a CloudWatch alarm state change
  /// (source = cloudwatch), or CloudTrail's log-delivered pointer (dropped).
  DecodeResult aws_message(std::string& message, const DecodeContext& ctx, const AwsContext& aws,
                           AwsDropped& dropped, std::vector<core::Alert>& out);

  const Limits& limits() const { return limits_; }

  struct State;  // parser and scratch; defined in formats/common.h

 private:
  Limits limits_;
  std::unique_ptr<State> state_;
};

}  // namespace alertd::ingest
