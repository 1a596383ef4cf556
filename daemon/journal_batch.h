#pragma once
// What one journal record holds: the alerts of one accepted batch, after the
// stateless rule stage, as the shards will see them. Replay decodes them and
// routes them exactly as the live path did.

#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"

namespace alertd::daemon {

/// The payload of one journal record.
std::string encode_batch(const std::vector<core::Alert>& alerts);
/// False when the payload is not an encoded batch (then `alerts` is empty).
bool decode_batch(std::string_view payload, std::vector<core::Alert>& alerts);

/// What an alert costs in memory while it waits in a queue, roughly: its
/// strings and the struct. Bounds the queues in bytes (pipeline.queue_bytes).
size_t alert_bytes(const core::Alert& alert);

}  // namespace alertd::daemon
