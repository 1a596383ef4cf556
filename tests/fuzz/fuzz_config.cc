// Fuzz target: the config reader, as `alertd check-config`, start-up and
// POST /-/reload run it: YAML text -> validated DaemonConfig -> the compiled
// rule set (make_settings), which is what the daemon would run; then one
// alert decoded with the config's ingest limits and resolve_timeout.
//
// Paths in the config resolve against a folder that does not exist, so rule
// and topology files are mostly "does not exist". Inputs that name /proc,
// /sys or /dev, or glob over absolute paths, are skipped: reading the host's
// file system is not what is under test, and /proc/kcore is a "regular file".

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/settings.h"
#include "tests/fuzz/fuzz_check.h"

using namespace alertd;

namespace {

bool reads_host_files(std::string_view text) {
  for (std::string_view p : {"/proc", "/sys", "/dev"}) {
    if (text.find(p) != std::string_view::npos) return true;
  }
  const bool has_path = text.find('/') != std::string_view::npos;
  return has_path && text.find_first_of("*?") != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (reads_host_files(text)) return 0;
  auto parsed = config::parse_config(text, "fuzz.yaml", "/nonexistent-alertd-fuzz");
  if (!parsed) {
    fuzz::check(parsed.error().reason == "invalid_config", "config errors are invalid_config");
    fuzz::check(!parsed.error().message.empty(), "a config error says what is wrong");
    return 0;
  }
  const auto& cfg = *parsed;
  fuzz::check(cfg.limits.max_body_bytes == cfg.http.max_body_bytes, "one body limit");
  fuzz::check(cfg.pipeline.shards > 0, "shards resolved");
  // What check-config accepts must compile: the daemon builds this at start-up.
  auto settings = config::make_settings(cfg, 1);
  (void)settings;
  // And the ingest settings must work on an alert: Prometheus's re-send
  // without endsAt gets a lease of resolve_timeout from now.
  ingest::Decoder decoder(cfg.limits);
  ingest::DecodeContext ctx = fuzz::fixed_context();
  ctx.resolve_timeout = cfg.resolve_timeout;
  std::string body = R"([{"labels":{"alertname":"Fuzz"}}])";
  std::vector<core::Alert> out;
  decoder.alertmanager_v2(body, ctx, out);
  return 0;
}
