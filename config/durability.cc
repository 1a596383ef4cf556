// `durability:`: the write-ahead journal (ingest/journal) and the drain.

#include <yaml-cpp/yaml.h>

#include <charconv>

#include "config/sections.h"

namespace alertd::config {

namespace {
constexpr std::pair<std::string_view, size_t> kByteUnits[] = {
    {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}};
}  // namespace

size_t get_bytes(const YAML::Node& n, std::string_view what, size_t min, size_t max) {
  std::string text = get_string(n, what);
  size_t unit = 1;
  std::string_view digits = text;
  for (auto [suffix, scale] : kByteUnits) {
    if (digits.ends_with(suffix)) {
      digits.remove_suffix(suffix.size());
      unit = scale;
      break;
    }
  }
  size_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
      value > max / unit || value * unit < min || value * unit > max) {
    throw ConfigError(n, std::string(what) + ": expected a size from " + std::to_string(min) +
                             " to " + std::to_string(max) +
                             " bytes, as a number or with KiB, MiB or GiB, got \"" + text + "\"");
  }
  return value * unit;
}

void read_durability(const YAML::Node& n, Diagnostics& diag, DurabilityConfig& out) {
  diag.guard([&] {
    check_keys(n,
               {"mode", "dir", "fsync_interval", "segment_bytes", "max_bytes",
                "checkpoint_interval", "shutdown_timeout"},
               "durability");
    if (n["mode"]) {
      auto mode = get_string(n["mode"], "durability.mode");
      if (mode != "journal" && mode != "none") {
        throw ConfigError(n["mode"],
                          "durability.mode: expected journal or none, got \"" + mode + "\"");
      }
      out.journal = mode == "journal";
    }
    if (n["dir"]) out.dir = get_string(n["dir"], "durability.dir");
    if (n["fsync_interval"]) {
      out.fsync_interval = get_duration(n["fsync_interval"], "durability.fsync_interval");
      if (out.fsync_interval > std::chrono::seconds(1)) {
        throw ConfigError(n["fsync_interval"],
                          "durability.fsync_interval: at most 1s (every 2xx waits for it)");
      }
    }
    if (n["segment_bytes"]) {
      out.segment_bytes =
          get_bytes(n["segment_bytes"], "durability.segment_bytes", 1 << 20, 1ull << 32);
    }
    if (n["max_bytes"]) {
      out.max_bytes = get_bytes(n["max_bytes"], "durability.max_bytes", 1 << 20, 1ull << 50);
    }
    if (n["checkpoint_interval"]) {
      out.checkpoint_interval =
          get_duration(n["checkpoint_interval"], "durability.checkpoint_interval", false);
    }
    if (n["shutdown_timeout"]) {
      out.shutdown_timeout = get_duration(n["shutdown_timeout"], "durability.shutdown_timeout");
    }
    if (out.max_bytes < 2 * out.segment_bytes) {
      throw ConfigError(n, "durability.max_bytes must hold at least two segments (2 x " +
                               std::to_string(out.segment_bytes) + " bytes)");
    }
  });
}

}  // namespace alertd::config
