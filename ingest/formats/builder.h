#pragma once
// Internal to ingest/formats: builds one alert from fields found here and
// there in a document, for the formats whose labels are not a ready-made map
// (Splunk HEC and alert webhooks, CloudTrail, SNS, CloudWatch, PagerDuty).
// They parse with simdjson's DOM API: their documents are small, nested, and
// read in any order (SNS even nests JSON in a string), and they are not the
// hot path the On-Demand decoders of alertmanager_v2.cc and generic.cc are.
//
// Names and values obey the same rules and limits as every other decoder
// (detail::check_name/check_value). What a sender named explicitly is
// checked strictly: a bad one refuses the item. What was extracted from an
// event's own fields degrades instead: a long or multi-line value becomes
// an annotation, and a field beyond the limits is skipped and counted in
// skipped(), which the caller reports (alertd_ingest_fields_skipped_total).

#include <simdjson.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/formats/common.h"

namespace alertd::ingest::detail {

namespace dom = simdjson::dom;

/// An extracted string field longer than this, or holding a line break, is
/// text for people: an annotation, not a label.
inline constexpr size_t kLabelTextBytes = 256;
/// Nested objects of an event are flattened with dots to this depth (the
/// object itself is depth 1: `a.b.c` at most).
inline constexpr size_t kFlattenDepth = 3;

class AlertBuilder {
 public:
  /// `skipped_total`, when given, gets skipped() added when the builder ends.
  AlertBuilder(const Limits& limits, const Item& item, size_t* skipped_total = nullptr)
      : limits_(limits), item_(item), skipped_total_(skipped_total) {}
  ~AlertBuilder() {
    if (skipped_total_ != nullptr) *skipped_total_ += skipped_;
  }
  AlertBuilder(const AlertBuilder&) = delete;
  AlertBuilder& operator=(const AlertBuilder&) = delete;

  /// A label the format defines (alertname, host, eventName...): refused
  /// with `err` when its name or value breaks a rule. Overwrites an earlier
  /// label of that name. An empty value is not set.
  bool label(std::string_view name, std::string_view value, DecodeError& err);
  /// The same for an annotation.
  bool annotation(std::string_view name, std::string_view value, DecodeError& err);

  /// An extracted field: a label when it fits one, an annotation when it is
  /// text (long, multi-line, or named like text: message, summary...), else
  /// skipped. Never overwrites; never fails.
  void field(std::string_view name, std::string_view value);
  /// field() for a scalar element (numbers and booleans as their JSON text;
  /// null and containers are ignored).
  void scalar_field(std::string_view name, dom::element value);
  /// Every scalar member of `object` as field(), nested objects flattened
  /// with dots ("a.b.c") up to `depth_left` levels (kFlattenDepth for an
  /// event). `prefix` is prepended with a dot when not empty.
  void object_fields(dom::object object, std::string_view prefix, size_t depth_left);

  /// field() into the map of `kind` only (when it fits, else skipped).
  void field_as(MapKind kind, std::string_view name, std::string_view value);

  using Entries = std::vector<std::pair<std::string, std::string>>;
  const Entries& labels() const { return labels_; }
  const Entries& annotations() const { return annotations_; }
  const Limits& limits() const { return limits_; }
  const Item& item() const { return item_; }

  bool has_label(std::string_view name) const;
  std::string_view label_value(std::string_view name) const;
  size_t skipped() const { return skipped_; }

  /// Moves the labels and annotations into `alert`, sorted, and finishes it
  /// (tenant, receipt times, fingerprint). empty_labels when there is none.
  bool finish(core::Alert& alert, const DecodeContext& ctx, DecodeError& err);

 private:
  bool set(Entries& entries, MapKind kind, std::string_view name, std::string_view value,
           DecodeError& err);
  bool fits(const Entries& entries, MapKind kind, std::string_view name,
            std::string_view value) const;

  const Limits& limits_;
  Item item_;
  Entries labels_;
  Entries annotations_;
  size_t skipped_ = 0;
  size_t* skipped_total_;
};

/// A JSON scalar as text: strings as they are, numbers as their shortest
/// form, booleans true/false. False for null, arrays and objects.
bool scalar_text(dom::element value, std::string& out);

/// Epoch seconds as senders write them: a number, or a numeric string
/// ("1767225600.250", as Splunk's logging libraries send). Milliseconds and
/// nanoseconds are recognised by their size, as Vector does.
std::optional<core::TimePoint> epoch_time(dom::element value);

/// Parses `json` (already padded) with the DOM parser, checking the depth
/// limit; errors are reported at `item`.
bool parse_dom(dom::parser& parser, simdjson::padded_string_view json, const Limits& limits,
               const Item& item, dom::element& root, DecodeError& err);

}  // namespace alertd::ingest::detail
