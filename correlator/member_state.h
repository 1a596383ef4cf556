#pragma once
// How the correlator keeps a member alert between events. Members are emitted
// as full snapshots in every update, so their labels must stay in memory; to
// keep memory per active alert small they live packed in one string (one
// allocation instead of two per label) and are expanded only for a snapshot.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/alert.h"
#include "core/incident.h"
#include "core/labels.h"
#include "core/matcher.h"
#include "core/time.h"
#include "correlator/flap.h"

namespace alertd::correlator {

// Immutable bytes in an exactly sized buffer: 16 bytes in place where a
// std::string takes 32, and no spare capacity.
class PackedData {
 public:
  PackedData() = default;
  explicit PackedData(std::string_view bytes);
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  friend PackedData pack_member_data(const core::LabelSet&, const core::LabelSet&,
                                     std::string_view);
  std::unique_ptr<char[]> data_;
  uint32_t size_ = 0;  // ingest limits keep an alert far below 4 GiB
};

// A label set is an alert's identity within its tenant only.
struct MemberKey {
  uint64_t fingerprint = 0;
  uint32_t tenant = 0;
  friend bool operator==(const MemberKey&, const MemberKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const MemberKey& k) {
    return H::combine(std::move(h), k.fingerprint, k.tenant);
  }
};

// What only some members need: those that changed state (flap history) or
// are suppressed. Kept out of line so a plain member stays small.
struct MemberExtra {
  std::string suppressed_by;  // "inhibit:<rule>", "silence:<id>", "maintenance:<name>" or ""
  FlapHistory flap;
  core::TimePoint flap_end = core::kNoTime;  // the pending flap-end timer, while flapping
};

struct MemberState {
  uint64_t fingerprint = 0;
  PackedData packed;  // labels, annotations and source; see pack_member_data()
  core::TimePoint first_seen = core::kNoTime;
  core::TimePoint last_seen = core::kNoTime;
  core::TimePoint resolved_at = core::kNoTime;
  uint32_t event_count = 0;  // forwarded changes and touches, not raw re-sends
  core::AlertStatus status = core::AlertStatus::firing;
  uint8_t severity = 3;  // rank 1..4 from the `severity` label
  bool flapping = false;
  // core::Member::journal_pos: the journal position of the last alert
  // applied to it (0: none was journaled), carried by every snapshot so the
  // store can tell a replay after a crash what it already holds.
  uint64_t journal_pos = 0;
  std::unique_ptr<MemberExtra> extra;

  MemberExtra& ensure_extra() {
    if (!extra) extra = std::make_unique<MemberExtra>();
    return *extra;
  }
  std::string_view suppressed_by() const {
    return extra ? std::string_view(extra->suppressed_by) : std::string_view();
  }
};

// Label lookups over either a LabelSet or a member's packed bytes, so
// matchers run on stored members without unpacking them.
class LabelView {
 public:
  LabelView(const core::LabelSet& labels) : labels_(&labels) {}  // NOLINT: implicit by design
  static LabelView packed(std::string_view packed_member) {
    LabelView v;
    v.packed_ = packed_member;
    return v;
  }
  std::optional<std::string_view> get(std::string_view name) const;

 private:
  LabelView() = default;
  const core::LabelSet* labels_ = nullptr;
  std::string_view packed_;
};

// All matchers hold on the view (an empty list matches everything).
bool matches_all(const core::Matchers& matchers, const LabelView& labels);

// Counts one more event, saturating rather than wrapping.
inline void count_event(MemberState& m) {
  if (m.event_count != std::numeric_limits<uint32_t>::max()) ++m.event_count;
}

// Records that an alert at journal position `pos` was applied to the member.
// It only grows: an alert that is not journaled (0: timers, synthetic ones)
// or comes out of journal order (released from the settle queue after a
// later one) leaves the position of the latest applied alert in place.
inline void note_journal_pos(MemberState& m, uint64_t pos) {
  m.journal_pos = std::max(m.journal_pos, pos);
}

// Length-prefixed (varint) encoding: no separator byte can collide with data.
PackedData pack_member_data(const core::LabelSet& labels, const core::LabelSet& annotations,
                            std::string_view source);
// Fills labels, annotations and source of `out`; false if `packed` is malformed.
bool unpack_member_data(std::string_view packed, core::Member& out);

// A new member from the alert that brought it in.
MemberState member_from_alert(const core::Alert& alert, core::TimePoint at);
// A member restored from the store.
MemberState member_from_snapshot(const core::Member& member);
// The snapshot emitted in updates.
core::Member member_snapshot(const MemberState& state);
// The same snapshot built from the alert that just arrived for this member
// (same label set): moves its label sets instead of unpacking.
core::Member snapshot_from_alert(const MemberState& state, core::Alert&& alert);

}  // namespace alertd::correlator
