#pragma once
// The checkpoint: the shard stages' state (dedup, counting) as it was once
// every journal record up to `lsn` had been processed and everything the
// stages emitted for them was committed to the store. After a crash the
// shards restart from it and the journal replays the records after `lsn`;
// the correlator restarts from the store (which is its checkpoint), with a
// replay guard against what the store already holds.
//
// One file, `<journal dir>/checkpoint`, replaced atomically (write, fsync,
// rename, fsync the directory), with a CRC32C over its content.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace alertd::daemon {

struct Checkpoint {
  uint64_t lsn = 0;  // every journal record up to it is covered
  core::TimePoint written_at = core::kNoTime;
  std::vector<std::string> shards;  // per shard, in shard order: its stages' bytes
};

core::Status write_checkpoint(const std::filesystem::path& dir, const Checkpoint& checkpoint);

/// nullopt when there is none yet; an error when the file is damaged.
core::Result<std::optional<Checkpoint>> read_checkpoint(const std::filesystem::path& dir);

}  // namespace alertd::daemon
