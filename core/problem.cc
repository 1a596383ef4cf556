#include "core/problem.h"

#include "core/incident.h"

namespace alertd::core {

namespace {
constexpr std::string_view kStatusNames[] = {"open", "known_error", "resolved", "closed"};
constexpr std::string_view kActionNames[] = {"known_error", "resolve", "close"};
}  // namespace

std::string_view to_string(ProblemStatus s) {
  return kStatusNames[static_cast<size_t>(s)];
}

std::optional<ProblemStatus> parse_problem_status(std::string_view s) {
  for (size_t i = 0; i < std::size(kStatusNames); ++i) {
    if (kStatusNames[i] == s) return static_cast<ProblemStatus>(i);
  }
  return std::nullopt;
}

std::string_view to_string(ProblemAction a) {
  return kActionNames[static_cast<size_t>(a)];
}

std::string problem_id(int64_t seq) {
  return "PRB-" + std::to_string(seq);
}

std::optional<int64_t> parse_problem_id(std::string_view id) {
  return parse_seq_id(id, "PRB-");
}

}  // namespace alertd::core
