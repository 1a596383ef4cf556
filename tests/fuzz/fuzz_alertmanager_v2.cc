// Fuzz target: the Alertmanager API v2 decoder (POST /api/v2/alerts), with
// the default limits and with tight ones, each decoder reused across inputs
// as the io threads reuse theirs.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ingest/formats/decoder.h"
#include "tests/fuzz/fuzz_check.h"

using namespace alertd;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ingest::Decoder defaults;
  static ingest::Decoder tight(fuzz::tight_limits());
  const auto ctx = fuzz::fixed_context();
  for (ingest::Decoder* decoder : {&defaults, &tight}) {
    std::string body(reinterpret_cast<const char*>(data), size);
    std::vector<core::Alert> out;
    auto result = decoder->alertmanager_v2(body, ctx, out);
    fuzz::check_decoded(result, out, decoder->limits(), ctx);
    for (const auto& alert : out) fuzz::check(alert.source == "prometheus", "source prometheus");
  }
  return 0;
}
