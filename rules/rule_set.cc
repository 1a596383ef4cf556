#include "rules/rule_set.h"

#include <re2/re2.h>
#include <re2/set.h>
#include <xxhash.h>

#include <algorithm>
#include <utility>

#include "absl/strings/string_view.h"

namespace alertd::rules {

namespace {

// Debian's abseil has its own string_view type, not an alias of std's.
absl::string_view av(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// 0xff never occurs in valid UTF-8, so the fields cannot run into each other.
void append_field(std::string& buffer, std::string_view field) {
  buffer.append(field);
  buffer.push_back('\xff');
}

uint64_t finish_key(const std::string& buffer) {
  uint64_t key = XXH3_64bits(buffer.data(), buffer.size());
  return key == 0 ? 1 : key;  // 0 means "route by fingerprint"
}

std::string describe(const RuleSpec& spec) {
  std::string out = "rule \"" + spec.name + "\"";
  if (!spec.origin.empty()) out += " at " + spec.origin;
  return out;
}

// Empty when the rule is well-formed, else why not.
std::string check_spec(const RuleSpec& spec) {
  if (spec.name.empty()) return "a rule needs a name";
  int conditions = int(spec.threshold.has_value()) + int(spec.distinct.has_value()) +
                   int(spec.absent_for.has_value());
  if (conditions > 1) return "threshold, distinct and absent_for are mutually exclusive";
  if (spec.drop && conditions > 0) {
    return "drop cannot be combined with threshold, distinct or absent_for";
  }
  auto bad_count = [](uint32_t c) { return c < 1 || c > kMaxRuleCount; };
  if (spec.threshold) {
    if (bad_count(spec.threshold->count)) return "threshold.count must be in [1, 100000]";
    if (spec.threshold->within.count() <= 0) return "threshold.within must be longer than 0";
  }
  if (spec.distinct) {
    if (spec.distinct->label.empty()) return "distinct.label must not be empty";
    if (bad_count(spec.distinct->count)) return "distinct.count must be in [1, 100000]";
    if (spec.distinct->within.count() <= 0) return "distinct.within must be longer than 0";
  }
  if (spec.absent_for && spec.absent_for->count() <= 0) {
    return "absent_for must be longer than 0";
  }
  for (const auto& [name, value] : spec.set) {
    if (name.empty()) return "set: a label name must not be empty";
  }
  for (const auto& name : spec.group_by) {
    if (name.empty()) return "group_by: a label name must not be empty";
  }
  return {};
}

// The exact matcher to index a rule under: the one whose (name, value) the
// fewest rules share, so that no bucket (alertname="Watchdog" in every
// rule, say) collects everything. -1 when the rule has none.
int pick_exact(const RuleSpec& spec,
               const absl::flat_hash_map<std::string, uint32_t>& pair_counts) {
  int best = -1;
  uint32_t best_count = 0;
  for (size_t i = 0; i < spec.match.size(); ++i) {
    const auto& m = spec.match[i];
    if (!m.is_exact()) continue;
    uint32_t count = pair_counts.at(m.name() + '\xff' + m.value());
    if (best < 0 || count < best_count) {
      best = static_cast<int>(i);
      best_count = count;
    }
  }
  return best;
}

constexpr int kInExactIndex = -2;

// The regex matcher to index a rule under when it has no exact one: the
// first `=~`. -1 when none.
int pick_regex(const RuleSpec& spec) {
  for (size_t i = 0; i < spec.match.size(); ++i) {
    if (spec.match[i].op() == core::MatchOp::regex) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

struct RuleSet::RegexIndex {
  std::string label;
  std::unique_ptr<re2::RE2::Set> set;  // anchored at both ends, as core::Matcher
  std::vector<uint32_t> rule_of;       // set pattern index -> rule
  std::vector<uint32_t> match_empty;   // rules whose regex accepts "" (absent label)
};

RuleSet::RuleSet() = default;
RuleSet::~RuleSet() = default;

uint64_t route_key(std::string_view rule, std::string_view tenant, const core::LabelSet& group) {
  thread_local std::string buffer;
  buffer.clear();
  append_field(buffer, rule);
  append_field(buffer, tenant);
  for (const auto& l : group) {
    if (l.value.empty()) continue;  // same as absent, as in group_of()
    append_field(buffer, l.name);
    append_field(buffer, l.value);
  }
  return finish_key(buffer);
}

core::LabelSet group_of(const RuleSpec& rule, const core::LabelSet& labels) {
  core::LabelSet group;
  for (const auto& name : rule.group_by) {
    auto value = labels.get(name);
    if (value && !value->empty()) group.set(name, *value);
  }
  return group;
}

core::Result<std::shared_ptr<const RuleSet>> RuleSet::compile(std::vector<RuleSpec> specs) {
  std::shared_ptr<RuleSet> set(new RuleSet());
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    if (auto why = check_spec(spec); !why.empty()) {
      return core::Error{"invalid_rules", describe(spec) + ": " + why};
    }
    auto [it, inserted] = set->by_name_.try_emplace(spec.name, static_cast<uint32_t>(i));
    if (!inserted) {
      return core::Error{"invalid_rules", describe(spec) + ": duplicate name (first defined " +
                                              describe(specs[it->second]) + ")"};
    }
  }
  set->specs_ = std::move(specs);
  for (const auto& spec : set->specs_) {
    for (const auto& m : spec.match)
      set->matches_source_ = set->matches_source_ || m.name() == "source";
  }
  set->build_index();
  return std::shared_ptr<const RuleSet>(std::move(set));
}

void RuleSet::build_index() {
  absl::flat_hash_map<std::string, uint32_t> pair_counts;
  for (const auto& spec : specs_) {
    for (const auto& m : spec.match) {
      if (m.is_exact()) ++pair_counts[m.name() + '\xff' + m.value()];
    }
  }
  compiled_.resize(specs_.size());
  // Per rule: the regex matcher to index it under; -1 none, kInExactIndex.
  std::vector<int> regex_of(specs_.size(), -1);
  for (size_t i = 0; i < specs_.size(); ++i) {
    const auto& spec = specs_[i];
    auto& c = compiled_[i];
    c.counting = spec.is_counting();
    c.group_by = spec.group_by;
    std::sort(c.group_by.begin(), c.group_by.end());
    c.group_by.erase(std::unique(c.group_by.begin(), c.group_by.end()), c.group_by.end());
    int exact = pick_exact(spec, pair_counts);
    for (size_t m = 0; m < spec.match.size(); ++m) {
      if (static_cast<int>(m) != exact) c.rest.push_back(spec.match[m]);
    }
    if (exact >= 0) {
      const auto& m = spec.match[static_cast<size_t>(exact)];
      index_[m.name()][m.value()].push_back(static_cast<uint32_t>(i));
      regex_of[i] = kInExactIndex;
    } else {
      // The regex stays in `rest` too: verifying it again costs only for
      // candidates, and a Set that fails at run time needs it.
      regex_of[i] = pick_regex(spec);
    }
  }
  build_regex_index(regex_of);
}

void RuleSet::build_regex_index(const std::vector<int>& regex_of) {
  absl::flat_hash_map<std::string, size_t> by_label;  // label -> position in regex_index_
  for (size_t i = 0; i < specs_.size(); ++i) {
    auto id = static_cast<uint32_t>(i);
    if (regex_of[i] == kInExactIndex) continue;
    if (regex_of[i] < 0) {
      unindexed_.push_back(id);
      continue;
    }
    const auto& m = specs_[i].match[static_cast<size_t>(regex_of[i])];
    auto [it, inserted] = by_label.try_emplace(m.name(), regex_index_.size());
    if (inserted) {
      auto ri = std::make_unique<RegexIndex>();
      ri->label = m.name();
      re2::RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(int64_t{64} << 20);
      ri->set = std::make_unique<re2::RE2::Set>(options, re2::RE2::ANCHOR_BOTH);
      regex_index_.push_back(std::move(ri));
    }
    auto& ri = *regex_index_[it->second];
    // Matcher::make already compiled this regex, so Add() cannot fail to parse.
    if (ri.set->Add(m.value(), nullptr) < 0) {
      unindexed_.push_back(id);
      continue;
    }
    ri.rule_of.push_back(id);
    if (m.matches_value(std::nullopt)) ri.match_empty.push_back(id);
  }
  for (auto& ri : regex_index_) {
    if (ri->set->Compile()) continue;
    // Too big for RE2's budget: check these rules one by one instead.
    unindexed_.insert(unindexed_.end(), ri->rule_of.begin(), ri->rule_of.end());
    ri->rule_of.clear();
    ri->match_empty.clear();
    ri->set.reset();
  }
  std::erase_if(regex_index_, [](const auto& ri) { return ri->set == nullptr; });
}

void RuleSet::collect_candidates(const core::LabelSet& labels, std::vector<uint32_t>& out) const {
  out.assign(unindexed_.begin(), unindexed_.end());
  if (!index_.empty()) {
    for (const auto& l : labels) {
      auto by_name = index_.find(av(l.name));
      if (by_name == index_.end()) continue;
      auto by_value = by_name->second.find(av(l.value));
      if (by_value == by_name->second.end()) continue;
      out.insert(out.end(), by_value->second.begin(), by_value->second.end());
    }
  }
  thread_local std::vector<int> hits;
  for (const auto& ri : regex_index_) {
    auto value = labels.get(ri->label);
    if (!value) {
      out.insert(out.end(), ri->match_empty.begin(), ri->match_empty.end());
      continue;
    }
    hits.clear();
    re2::RE2::Set::ErrorInfo error{re2::RE2::Set::kNoError};
    if (!ri->set->Match(re2::StringPiece(value->data(), value->size()), &hits, &error) &&
        error.kind != re2::RE2::Set::kNoError) {
      // The DFA ran out of memory on this input: verify them all.
      out.insert(out.end(), ri->rule_of.begin(), ri->rule_of.end());
      continue;
    }
    for (int h : hits) out.push_back(ri->rule_of[static_cast<size_t>(h)]);
  }
  // A rule sits in one bucket or set only and label names are unique, so
  // there are no duplicates; sorting restores rule order.
  std::sort(out.begin(), out.end());
}

size_t RuleSet::candidates(const core::LabelSet& labels) const {
  std::vector<uint32_t> out;
  collect_candidates(labels, out);
  return out.size();
}

bool RuleSet::apply(core::Alert& alert) const {
  thread_local std::vector<uint32_t> candidates;
  thread_local std::vector<uint32_t> matched;
  // `source="splunk"` matches the sender an alert came from (Alert::source,
  // not a label), unless the alert has a `source` label of its own. It is
  // lent for matching only: identity and the stored labels stay as sent.
  const bool lend_source = matches_source_ && !alert.labels.contains("source");
  if (lend_source) alert.labels.set("source", alert.source);
  collect_candidates(alert.labels, candidates);
  matched.clear();
  for (uint32_t id : candidates) {
    if (core::matches_all(compiled_[id].rest, alert.labels)) matched.push_back(id);
  }
  if (lend_source) alert.labels.erase("source");
  alert.route_key = 0;
  if (matched.empty()) {
    alert.rule.clear();
    return true;
  }
  int gate = -1;
  for (uint32_t id : matched) {
    if (specs_[id].drop) {
      alert.rule = specs_[id].name;
      return false;
    }
    if (gate < 0 && compiled_[id].counting) gate = static_cast<int>(id);
  }
  // Actions only after all matching: a `set` never changes which rules match.
  for (uint32_t id : matched) {
    for (const auto& [name, value] : specs_[id].set) alert.labels.set(name, value);
  }
  if (gate < 0) {
    alert.rule = specs_[matched.front()].name;
    return true;
  }
  auto index = static_cast<size_t>(gate);
  alert.rule = specs_[index].name;
  alert.route_key = group_key(index, alert);
  return true;
}

uint64_t RuleSet::group_key(size_t index, const core::Alert& alert) const {
  thread_local std::string buffer;
  buffer.clear();
  append_field(buffer, specs_[index].name);
  append_field(buffer, alert.tenant);
  for (const auto& name : compiled_[index].group_by) {
    auto value = alert.labels.get(name);
    if (!value || value->empty()) continue;
    append_field(buffer, name);
    append_field(buffer, *value);
  }
  return finish_key(buffer);
}

const RuleSpec* RuleSet::find(std::string_view name) const {
  auto i = index_of(name);
  return i ? &specs_[*i] : nullptr;
}

std::optional<size_t> RuleSet::index_of(std::string_view name) const {
  auto it = by_name_.find(av(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

}  // namespace alertd::rules
