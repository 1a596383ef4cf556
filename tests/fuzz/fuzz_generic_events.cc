// Fuzz target: the generic event decoders (POST /api/v1/events): the JSON
// object-or-array form and the NDJSON form, on the same bytes, with the
// default limits and with tight ones.

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
    const auto& limits = decoder->limits();
    {
      std::string body(reinterpret_cast<const char*>(data), size);
      std::vector<core::Alert> out;
      auto result = decoder->generic_json(body, ctx, out);
      fuzz::check_decoded(result, out, limits, ctx);
      for (const auto& alert : out) {
        fuzz::check(alert.source.size() <= limits.max_source_bytes, "source within its limit");
      }
    }
    {
      std::string body(reinterpret_cast<const char*>(data), size);
      std::vector<core::Alert> out;
      auto result = decoder->generic_ndjson(body, ctx, out);
      fuzz::check_decoded(result, out, limits, ctx);
      // NDJSON keeps the prefix: the bad event's index is how many came
      // before it (body-level problems: 0, with nothing accepted).
      if (result.error) {
        fuzz::check(result.error->index == result.accepted, "NDJSON error index == accepted");
      }
    }
  }
  return 0;
}
