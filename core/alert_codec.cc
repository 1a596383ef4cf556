#include "core/alert_codec.h"

namespace alertd::core {

namespace {
// The smallest encoded label: two empty strings.
constexpr size_t kMinLabelBytes = 2;
// Bumped when a field is added, so an older binary refuses a newer file.
constexpr uint8_t kAlertFormat = 1;
}  // namespace

void encode_labels(ByteWriter& out, const LabelSet& labels) {
  out.varint(labels.size());
  for (const auto& l : labels) {
    out.str(l.name);
    out.str(l.value);
  }
}

bool decode_labels(ByteReader& in, LabelSet& labels) {
  uint64_t n = in.count(kMinLabelBytes);
  labels.clear();
  labels.reserve(n);
  for (uint64_t i = 0; i < n && in.ok(); ++i) {
    auto name = in.str();
    auto value = in.str();
    labels.append_copy(name, value);
  }
  return in.ok();
}

void encode_alert(ByteWriter& out, const Alert& a) {
  out.u8(kAlertFormat);
  encode_labels(out, a.labels);
  encode_labels(out, a.annotations);
  out.u8(static_cast<uint8_t>(a.status));
  out.time(a.starts_at);
  out.time(a.ends_at);
  out.str(a.source);
  out.str(a.tenant);
  out.str(a.generator_url);
  out.time(a.received_at);
  out.u64(a.fingerprint);
  out.str(a.rule);
  out.u64(a.route_key);
  out.time(a.counted_since);
  out.varint(a.counted_events);
  out.varint(a.rule_events);
  out.varint(a.journal_pos);
}

bool decode_alert(ByteReader& in, Alert& a) {
  if (in.u8() != kAlertFormat) {
    in.fail();
    return false;
  }
  decode_labels(in, a.labels);
  decode_labels(in, a.annotations);
  uint8_t status = in.u8();
  if (status > static_cast<uint8_t>(AlertStatus::resolved)) in.fail();
  a.status = static_cast<AlertStatus>(status);
  a.starts_at = in.time();
  a.ends_at = in.time();
  a.source = in.str();
  a.tenant = in.str();
  a.generator_url = in.str();
  a.received_at = in.time();
  a.fingerprint = in.u64();
  a.rule = in.str();
  a.route_key = in.u64();
  a.counted_since = in.time();
  a.counted_events = static_cast<uint32_t>(in.varint());
  a.rule_events = static_cast<uint32_t>(in.varint());
  a.journal_pos = in.varint();
  return in.ok();
}

}  // namespace alertd::core
