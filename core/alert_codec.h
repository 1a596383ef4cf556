#pragma once
// The binary form of a normalized Alert, as the journal and the checkpoints
// keep it. It carries every field a later stage reads, so a replayed alert
// meets the shards exactly as the live one did; received_mono_ns is not kept
// (it measures latency within one process).

#include <string>
#include <vector>

#include "core/alert.h"
#include "core/byte_codec.h"

namespace alertd::core {

void encode_alert(ByteWriter& out, const Alert& alert);
/// False (and `reader.ok()` false) when the bytes are not an encoded alert.
bool decode_alert(ByteReader& in, Alert& alert);

void encode_labels(ByteWriter& out, const LabelSet& labels);
bool decode_labels(ByteReader& in, LabelSet& labels);

}  // namespace alertd::core
