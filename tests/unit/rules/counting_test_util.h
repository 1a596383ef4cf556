#pragma once
// Shared fixture of the counting-stage tests: rules are applied with
// RuleSet::apply first, as the pipeline does, and time is a ManualClock.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/fingerprint.h"
#include "core/time.h"
#include "rules/counting_stage.h"
#include "rules/rule_set.h"

namespace alertd::rules::testing {

inline const core::TimePoint kT0 = core::from_unix_millis(1'767'225'600'000);  // 2026-01-01

inline core::Matchers matchers(std::initializer_list<std::string> texts) {
  std::vector<std::string> v(texts);
  auto m = core::parse_matchers(v);
  EXPECT_TRUE(m.ok());
  return m.ok() ? *m : core::Matchers{};
}

inline RuleSpec rule(std::string name, std::initializer_list<std::string> match) {
  RuleSpec r;
  r.name = std::move(name);
  r.match = matchers(match);
  return r;
}

// "errors": a threshold of `count` Err alerts within `within`, per host.
inline RuleSpec threshold_rule(uint32_t count, core::Duration within) {
  auto r = rule("errors", {"alertname=\"Err\""});
  r.threshold = Threshold{count, within};
  r.group_by = {"host"};
  return r;
}

// "spread": `count` distinct instances of DiskLatencyHigh within `within`.
inline RuleSpec distinct_rule(uint32_t count, core::Duration within) {
  auto r = rule("spread", {"alertname=\"DiskLatencyHigh\""});
  r.distinct = Distinct{"instance", count, within};
  return r;
}

inline std::shared_ptr<const RuleSet> compile(std::vector<RuleSpec> specs) {
  auto set = RuleSet::compile(std::move(specs));
  EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().message);
  return set.ok() ? *set : nullptr;
}

/// An alert; `seq` goes into an annotation so tests can tell re-sends apart.
inline core::Alert alert(core::LabelSet labels, int seq = 0,
                         core::AlertStatus status = core::AlertStatus::firing,
                         std::string tenant = "default") {
  core::Alert a;
  a.labels = std::move(labels);
  a.annotations.set("seq", std::to_string(seq));
  a.status = status;
  a.tenant = std::move(tenant);
  a.fingerprint = core::fingerprint(a.labels);
  return a;
}

inline std::string seq_of(const core::Alert& a) {
  return std::string(a.annotations.get("seq").value_or("?"));
}

class CountingFixture : public ::testing::Test {
 protected:
  void use_rules(std::vector<RuleSpec> specs, CountingLimits limits = {}) {
    rules_ = compile(std::move(specs));
    stage_ = std::make_unique<CountingStage>(0, 1, limits);
    stage_->set_rules(rules_, clock_.now(), events_);
  }
  void reload(std::vector<RuleSpec> specs) {
    rules_ = compile(std::move(specs));
    stage_->set_rules(rules_, clock_.now(), events_);
  }
  /// Applies the rules and processes at the clock's time; returns the seqs passed on.
  std::vector<std::string> send(core::Alert a) {
    std::vector<core::Alert> pass;
    if (rules_->apply(a)) stage_->process(std::move(a), clock_.now(), pass, events_);
    std::vector<std::string> seqs;
    for (const auto& p : pass) seqs.push_back(seq_of(p));
    passed_.insert(passed_.end(), std::make_move_iterator(pass.begin()),
                   std::make_move_iterator(pass.end()));
    return seqs;
  }
  void tick() { stage_->tick(clock_.now(), events_); }
  std::vector<core::AlertEvent> take_events() { return std::exchange(events_, {}); }

  core::ManualClock clock_{kT0};
  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<CountingStage> stage_;
  std::vector<core::AlertEvent> events_;
  std::vector<core::Alert> passed_;
};

}  // namespace alertd::rules::testing
