// Fuzz target: the label matcher parser (core/matcher.h), which reads rule
// and inhibit matchers from config files and silence matchers from the API
// (POST /api/v1/silences, `matchers` and `matcher_list`).
//
// Input: byte 0 picks the label value to match against (the rest, or a
// prefix of it); the rest is parsed as one matcher and as a matcher list.
// Whatever parses must print back (to_string) to text that parses to the
// same matcher, and evaluating it must not fail.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/labels.h"
#include "core/matcher.h"
#include "tests/fuzz/fuzz_check.h"

using namespace alertd;

namespace {

void check_matcher(const core::Matcher& m, std::string_view value) {
  fuzz::check(!m.name().empty(), "a matcher has a name");
  auto again = core::Matcher::parse(m.to_string());
  fuzz::check(again.ok(), "to_string() parses");
  fuzz::check(*again == m, "parse(to_string()) round-trips");
  const bool hit = m.matches_value(value);
  fuzz::check(again->matches_value(value) == hit, "the round trip matches alike");
  // A missing label has the value "".
  fuzz::check(m.matches_value(std::nullopt) == m.matches_value(std::string_view{}),
              "absent matches as empty");
  core::LabelSet labels{{m.name(), std::string(value)}};
  fuzz::check(m.matches(labels) == hit, "matches() agrees with matches_value()");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string_view value = text.substr(0, std::min<size_t>(data[0], text.size()));

  if (auto one = core::Matcher::parse(text)) {
    check_matcher(*one, value);
  } else {
    fuzz::check(one.error().reason == "invalid_matcher", "errors are invalid_matcher");
  }

  if (auto list = core::parse_matcher_list(text)) {
    std::string joined = "{";
    for (const auto& m : *list) {
      check_matcher(m, value);
      joined += (joined.size() > 1 ? ", " : "") + m.to_string();
    }
    joined += "}";
    auto again = core::parse_matcher_list(joined);
    fuzz::check(again.ok() && *again == *list, "a printed list parses back");
    core::LabelSet empty;
    (void)core::matches_all(*list, empty);
  } else {
    fuzz::check(list.error().reason == "invalid_matcher", "list errors are invalid_matcher");
  }
  return 0;
}
