#include "correlator/priority.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace alertd::correlator {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

struct SeverityWord {
  std::string_view word;
  uint8_t rank;
};
// sev1..sev4 too: a rule may already have normalized the label.
constexpr std::array<SeverityWord, 14> kSeverityWords{{{"critical", 1},
                                                       {"sev1", 1},
                                                       {"high", 2},
                                                       {"error", 2},
                                                       {"page", 2},
                                                       {"sev2", 2},
                                                       {"warning", 3},
                                                       {"medium", 3},
                                                       {"warn", 3},
                                                       {"sev3", 3},
                                                       {"low", 4},
                                                       {"info", 4},
                                                       {"none", 4},
                                                       {"sev4", 4}}};
constexpr uint8_t kDefaultRank = 3;

}  // namespace

uint8_t severity_rank(std::optional<std::string_view> severity_label) {
  if (!severity_label) return kDefaultRank;
  for (const auto& w : kSeverityWords) {
    if (iequals(*severity_label, w.word)) return w.rank;
  }
  return kDefaultRank;
}

std::string_view severity_name(uint8_t rank) {
  static constexpr std::string_view kNames[] = {"sev1", "sev2", "sev3", "sev4"};
  return kNames[std::clamp<uint8_t>(rank, 1, 4) - 1];
}

std::string_view to_string(Impact impact) {
  switch (impact) {
    case Impact::high: return "high";
    case Impact::medium: return "medium";
    case Impact::low: return "low";
  }
  return "low";
}

Impact derive_impact(const PriorityMatrix& m, size_t services, size_t hosts) {
  auto reaches = [&](const ImpactThreshold& t) {
    return (t.services > 0 && services >= t.services) || (t.hosts > 0 && hosts >= t.hosts);
  };
  if (reaches(m.high)) return Impact::high;
  if (reaches(m.medium)) return Impact::medium;
  return Impact::low;
}

core::Priority derive_priority(const PriorityInputs& in, const PriorityMatrix& matrix) {
  size_t row = std::clamp<uint8_t>(in.worst_severity, 1, 4) - 1;
  auto column = static_cast<size_t>(derive_impact(matrix, in.services, in.hosts));
  return matrix.matrix[row][column];
}

}  // namespace alertd::correlator
