#pragma once
// What every fuzz target shares: a check that stops the run with a message
// (libFuzzer then keeps the input as a crash), and the invariants every
// decoded alert must meet whatever the bytes were (ingest/README.md).

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/fingerprint.h"
#include "ingest/formats/decoder.h"

namespace alertd::fuzz {

/// Not assert(): it must hold in every build the fuzzers run in.
inline void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

/// Labels sorted by name with unique, non-empty names.
inline bool sorted_unique(const core::LabelSet& labels) {
  const auto& items = labels.items();
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].name.empty()) return false;
    if (i > 0 && !(items[i - 1].name < items[i].name)) return false;
  }
  return true;
}

inline bool is_reason_token(std::string_view reason) {
  for (auto token : ingest::reason::kAll) {
    if (token == reason) return true;
  }
  return false;
}

/// What a decoder promises about its result and every alert it appended.
inline void check_decoded(const ingest::DecodeResult& result, const std::vector<core::Alert>& out,
                          const ingest::Limits& limits, const ingest::DecodeContext& ctx) {
  check(result.accepted == out.size(), "accepted == alerts appended");
  check(out.size() <= limits.max_alerts_per_request, "alerts within max_alerts_per_request");
  if (result.error) {
    check(is_reason_token(result.error->reason), "error reason is one of reason::kAll");
    check(!result.error->message.empty(), "an error has a message");
  }
  for (const auto& alert : out) {
    check(!alert.labels.empty(), "an alert has labels");
    check(sorted_unique(alert.labels), "labels sorted and unique");
    check(sorted_unique(alert.annotations), "annotations sorted and unique");
    check(alert.labels.size() <= limits.max_labels, "labels within max_labels");
    check(alert.annotations.size() <= limits.max_annotations, "annotations within max_annotations");
    for (const auto& l : alert.labels) {
      check(l.name.size() <= limits.max_label_name_bytes, "label name within its limit");
      check(l.value.size() <= limits.max_label_value_bytes, "label value within its limit");
    }
    for (const auto& a : alert.annotations) {
      check(a.name.size() <= limits.max_label_name_bytes, "annotation name within its limit");
      check(a.value.size() <= limits.max_annotation_value_bytes, "annotation within its limit");
    }
    check(alert.generator_url.size() <= limits.max_annotation_value_bytes, "URL within its limit");
    check(alert.fingerprint == core::fingerprint(alert.labels), "fingerprint of the labels");
    check(alert.received_at == ctx.now, "received_at is the receipt time");
    check(alert.tenant == ctx.tenant, "tenant from the context");
  }
}

/// Small limits, so that short inputs reach every limit check.
inline ingest::Limits tight_limits() {
  ingest::Limits l;
  l.max_body_bytes = 2048;
  l.max_alerts_per_request = 3;
  l.max_labels = 4;
  l.max_annotations = 3;
  l.max_label_name_bytes = 12;
  l.max_label_value_bytes = 24;
  l.max_annotation_value_bytes = 40;
  l.max_source_bytes = 8;
  l.max_depth = 4;
  return l;
}

/// A fixed receipt time: runs are reproducible (2026-01-01T00:05:00Z).
inline ingest::DecodeContext fixed_context() {
  ingest::DecodeContext ctx;
  ctx.now = core::TimePoint{std::chrono::seconds(1767225900)};
  ctx.tenant = "fuzz";
  return ctx;
}

}  // namespace alertd::fuzz
