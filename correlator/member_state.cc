#include "correlator/member_state.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "correlator/priority.h"

namespace alertd::correlator {

namespace {

// Writes at `out` and returns the position after what it wrote; the caller
// sized the buffer with the *_size() functions below.
char* put_varint(char* out, uint64_t v) {
  while (v >= 0x80) {
    *out++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<char>(v);
  return out;
}

char* put_bytes(char* out, std::string_view s) {
  out = put_varint(out, s.size());
  std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

char* put_labels(char* out, const core::LabelSet& labels) {
  out = put_varint(out, labels.size());
  for (const auto& l : labels) {
    out = put_bytes(out, l.name);
    out = put_bytes(out, l.value);
  }
  return out;
}

size_t varint_size(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

size_t bytes_size(std::string_view s) {
  return varint_size(s.size()) + s.size();
}

size_t labels_size(const core::LabelSet& labels) {
  size_t n = varint_size(labels.size());
  for (const auto& l : labels) n += bytes_size(l.name) + bytes_size(l.value);
  return n;
}

// Reads from the front of `in`, consuming what it reads.
bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

bool get_bytes(std::string_view& in, std::string_view& s) {
  uint64_t n = 0;
  if (!get_varint(in, n) || n > in.size()) return false;
  s = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

bool get_labels(std::string_view& in, core::LabelSet& labels) {
  uint64_t count = 0;
  // Each label takes at least two bytes, which bounds a corrupt count.
  if (!get_varint(in, count) || count > in.size() / 2) return false;
  labels.clear();
  labels.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name;
    std::string_view value;
    if (!get_bytes(in, name) || !get_bytes(in, value)) return false;
    // Packed from a sorted set: appending keeps it sorted.
    labels.append(std::string(name), std::string(value));
  }
  return true;
}

}  // namespace

std::optional<std::string_view> LabelView::get(std::string_view name) const {
  if (labels_ != nullptr) {
    // Alerts carry a handful of labels: comparing lengths first beats a
    // binary search of string comparisons.
    if (labels_->size() > 16) return labels_->get(name);
    for (const auto& l : *labels_) {
      if (l.name.size() == name.size() && l.name == name) return std::string_view(l.value);
    }
    return std::nullopt;
  }
  std::string_view in = packed_;
  uint64_t count = 0;
  if (!get_varint(in, count)) return std::nullopt;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view n;
    std::string_view v;
    if (!get_bytes(in, n) || !get_bytes(in, v)) return std::nullopt;
    if (n == name) return v;
    if (n > name) return std::nullopt;  // packed from a sorted set
  }
  return std::nullopt;
}

bool matches_all(const core::Matchers& matchers, const LabelView& labels) {
  for (const auto& m : matchers) {
    if (!m.matches_value(labels.get(m.name()))) return false;
  }
  return true;
}

PackedData::PackedData(std::string_view bytes)
    : data_(std::make_unique_for_overwrite<char[]>(bytes.size())),
      size_(static_cast<uint32_t>(bytes.size())) {
  std::memcpy(data_.get(), bytes.data(), bytes.size());
}

PackedData pack_member_data(const core::LabelSet& labels, const core::LabelSet& annotations,
                            std::string_view source) {
  // Exact size up front: one allocation, no slack kept per member.
  size_t size = labels_size(labels) + labels_size(annotations) + bytes_size(source);
  PackedData out;
  out.data_ = std::make_unique_for_overwrite<char[]>(size);
  out.size_ = static_cast<uint32_t>(size);
  char* end = put_labels(out.data_.get(), labels);
  end = put_labels(end, annotations);
  put_bytes(end, source);
  return out;
}

bool unpack_member_data(std::string_view packed, core::Member& out) {
  std::string_view source;
  if (!get_labels(packed, out.labels) || !get_labels(packed, out.annotations) ||
      !get_bytes(packed, source)) {
    return false;
  }
  out.source.assign(source);
  return packed.empty();
}

MemberState member_from_alert(const core::Alert& alert, core::TimePoint at) {
  MemberState m;
  m.fingerprint = alert.fingerprint;
  m.packed = pack_member_data(alert.labels, alert.annotations, alert.source);
  // An alert released by a threshold or distinct rule brings its evidence:
  // first seen at the first arrival that counted, with all that counted.
  m.first_seen =
      alert.counted_since != core::kNoTime && alert.counted_since < at ? alert.counted_since : at;
  m.last_seen = at;
  m.event_count = std::max<uint32_t>(1, alert.counted_events);
  m.status = core::AlertStatus::firing;
  m.severity = severity_rank(alert.labels.get("severity"));
  m.journal_pos = alert.journal_pos;
  return m;
}

MemberState member_from_snapshot(const core::Member& member) {
  MemberState m;
  m.fingerprint = member.fingerprint;
  m.packed = pack_member_data(member.labels, member.annotations, member.source);
  m.first_seen = member.first_seen;
  m.last_seen = member.last_seen;
  m.resolved_at = member.resolved_at;
  m.event_count = static_cast<uint32_t>(
      std::min<uint64_t>(member.event_count, std::numeric_limits<uint32_t>::max()));
  m.status = member.status;
  m.severity = severity_rank(member.labels.get("severity"));
  m.flapping = member.flapping;
  m.journal_pos = member.journal_pos;  // so the next snapshot does not move it back
  if (!member.suppressed_by.empty()) m.ensure_extra().suppressed_by = member.suppressed_by;
  return m;
}

namespace {
// The fields every snapshot takes from the correlator's own state.
void copy_lifecycle(const MemberState& state, core::Member& m) {
  m.fingerprint = state.fingerprint;
  m.status = state.status;
  m.first_seen = state.first_seen;
  m.last_seen = state.last_seen;
  m.resolved_at = state.resolved_at;
  m.event_count = state.event_count;
  m.flapping = state.flapping;
  m.suppressed_by = state.suppressed_by();
  m.journal_pos = state.journal_pos;
}
}  // namespace

core::Member member_snapshot(const MemberState& state) {
  core::Member m;
  copy_lifecycle(state, m);
  // The packed data was written by this process; a failure would be a bug,
  // and an empty label set is the safest thing to show for it.
  if (!unpack_member_data(state.packed.view(), m)) m.labels.clear();
  return m;
}

core::Member snapshot_from_alert(const MemberState& state, core::Alert&& alert) {
  core::Member m;
  copy_lifecycle(state, m);
  m.labels = std::move(alert.labels);
  m.annotations = std::move(alert.annotations);
  m.source = std::move(alert.source);
  return m;
}

}  // namespace alertd::correlator
