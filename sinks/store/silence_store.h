#pragma once
// SilenceStore: silences, recorded and never deleted (expiring one ends it
// early). One of the three interfaces of a store (sinks/store/store.h).
//
// Threads: the writes (create_silence, expire_silence) come from any thread,
// beside the store writer thread's apply(): implementations serialize them with it.
// The reads may run on any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/silence.h"
#include "core/time.h"

namespace alertd::sinks {

/// Which silences GET /api/v1/silences lists: one tenant's, newest first, a page at a time.
struct SilenceFilter {
  std::string tenant = "default";
  std::optional<core::SilenceState> state;  // only those in this state at `now`
  core::TimePoint now;                      // what `state` is judged at
  size_t limit = 100;                       // 1..1000
  std::optional<int64_t> before_seq;        // cursor: silences with seq < this
};

struct SilencePage {
  std::vector<core::Silence> silences;  // newest (highest seq) first
  std::optional<int64_t> next_cursor;   // more exist: pass as before_seq for the next page
};

class SilenceStore {
 public:
  virtual ~SilenceStore() = default;

  // Both writes append their audit entry (subject the silence id, see
  // store_input.h) in the transaction of the silence row: both or neither.

  /// Stores a new silence and returns it as stored: id "SIL-<n>" assigned
  /// (any id passed in is ignored), times cut to what the store keeps
  /// (milliseconds), updated_at = created_at when unset. The caller sets
  /// created_at. Appends a `silence` audit entry by created_by. Refused
  /// (store_invalid_input, nothing written): no matchers, an empty tenant,
  /// unset times, ends_at <= starts_at, text that is not valid UTF-8.
  virtual core::Result<core::Silence> create_silence(core::Silence silence) = 0;
  /// One page of a tenant's silences, ended ones included unless
  /// filter.state says otherwise, newest first: at most filter.limit
  /// (clamped to 1..1000); next_cursor is set when more exist.
  virtual core::Result<SilencePage> list_silences(const SilenceFilter& filter) = 0;
  /// How many silences, of any tenant, have ends_at after `now` (active or
  /// pending): what limits.max_silences caps. An index count over the few
  /// unended rows, never a read of the silences themselves.
  virtual core::Result<int64_t> count_unended_silences(core::TimePoint now) = 0;
  /// nullopt when no silence has that id (a malformed id included).
  virtual core::Result<std::optional<core::Silence>> get_silence(std::string_view id) = 0;
  /// Ends a silence early: ends_at = min(ends_at, now), starts_at =
  /// min(starts_at, now) (so a pending one reads as expired, not pending),
  /// updated_at = now, and appends a `silence_expire` audit entry by
  /// `actor`. An already ended silence is returned unchanged, with no entry.
  /// nullopt when no silence has that id.
  virtual core::Result<std::optional<core::Silence>> expire_silence(std::string_view id,
                                                                    core::TimePoint now,
                                                                    std::string_view actor) = 0;
  /// Every silence, of any tenant, with ends_at after `now`, oldest first.
  virtual core::Result<std::vector<core::Silence>> load_silences(core::TimePoint now) = 0;
  /// The same at the wall clock: what the live daemon reads at start-up.
  core::Result<std::vector<core::Silence>> load_silences() {
    return load_silences(core::SystemClock().now());
  }
};

/// Silence ids are "SIL-" + the store's sequence number.
std::string silence_id(int64_t seq);
/// The sequence of "SIL-<n>" (n >= 1); nullopt for anything else.
std::optional<int64_t> parse_silence_id(std::string_view id);

}  // namespace alertd::sinks
