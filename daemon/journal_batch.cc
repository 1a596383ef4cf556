#include "daemon/journal_batch.h"

#include "core/alert_codec.h"
#include "core/byte_codec.h"

namespace alertd::daemon {

namespace {
constexpr uint8_t kAlertBatch = 1;  // the record kind; others may follow (commands)
constexpr size_t kMinAlertBytes = 16;
}  // namespace

std::string encode_batch(const std::vector<core::Alert>& alerts) {
  std::string out;
  size_t estimate = 16;
  for (const auto& a : alerts) estimate += alert_bytes(a) - sizeof(core::Alert) + 64;
  out.reserve(estimate);
  core::ByteWriter w(out);
  w.u8(kAlertBatch);
  w.varint(alerts.size());
  for (const auto& a : alerts) core::encode_alert(w, a);
  return out;
}

bool decode_batch(std::string_view payload, std::vector<core::Alert>& alerts) {
  alerts.clear();
  core::ByteReader r(payload);
  if (r.u8() != kAlertBatch) return false;
  uint64_t n = r.count(kMinAlertBytes);
  alerts.resize(n);
  for (auto& a : alerts) {
    if (!core::decode_alert(r, a)) break;
  }
  if (!r.ok() || !r.at_end()) {
    alerts.clear();
    return false;
  }
  return true;
}

size_t alert_bytes(const core::Alert& a) {
  size_t n = sizeof(core::Alert) + a.source.size() + a.tenant.size() + a.generator_url.size() +
             a.rule.size();
  for (const auto& l : a.labels) n += sizeof(core::Label) + l.name.size() + l.value.size();
  for (const auto& l : a.annotations) n += sizeof(core::Label) + l.name.size() + l.value.size();
  return n;
}

}  // namespace alertd::daemon
