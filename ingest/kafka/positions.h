#pragma once
// Where this instance's journal has reached in each partition: the offset
// after the last message whose alerts were journaled. Kafka's committed
// offset trails it (commits are periodic), so after a crash the group
// re-delivers messages this instance already journaled (and replays from
// its journal); the consumer skips those by partition and offset, so a
// re-delivery does not count twice in a threshold.
//
// One small text file, `<journal dir>/kafka-positions`, replaced by write
// and rename: it survives kill -9 at once, and a power loss after its last
// fsync (at each offset commit and at shutdown). A message journaled after
// the file was last written is re-delivered and processed again: at least
// once, never lost.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>

#include "core/result.h"

namespace alertd::ingest::kafka {

class Positions {
 public:
  using Key = std::pair<std::string, int32_t>;  // topic, partition

  /// Reads the file; an absent file is empty, a damaged one an error.
  static core::Result<Positions> load(std::filesystem::path file);

  /// The offset after the last journaled message of a partition; -1 when unknown.
  int64_t next(const std::string& topic, int32_t partition) const;
  /// Raises a partition's position (a lower one is ignored).
  void advance(const std::string& topic, int32_t partition, int64_t next_offset);

  /// Writes the file when a position moved since the last write; `sync`
  /// fsyncs it and its directory. No file configured: does nothing.
  core::Status save(bool sync);

 private:
  std::filesystem::path file_;
  std::map<Key, int64_t> next_;
  bool dirty_ = false;
};

}  // namespace alertd::ingest::kafka
