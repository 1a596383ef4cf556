#pragma once
// Reading the journal directory (internal): the checks and repairs of
// open(), and replay. Both go one segment file at a time.

#include <cstdint>

#include "core/result.h"
#include "ingest/journal/journal.h"
#include "ingest/journal/state.h"

namespace alertd::ingest::journal {

/// Scans every segment of `state.options.dir` (README.md: what is cut, what
/// fails, what repair skips) and fills `state`'s segment list and LSNs.
core::Status recover(State& state, OpenReport& report);

/// Journal::replay: the durable records with lsn > `after`, in order.
core::Result<uint64_t> replay_segments(const State& state, uint64_t after, const RecordFn& fn);

}  // namespace alertd::ingest::journal
