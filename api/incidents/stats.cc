#include "api/incidents/stats.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace alertd::api {

namespace {

DurationSummary summarize(std::vector<double>& seconds) {
  DurationSummary s;
  s.count = seconds.size();
  if (seconds.empty()) return s;
  std::sort(seconds.begin(), seconds.end());
  double sum = 0;
  for (double v : seconds) sum += v;
  s.mean = sum / static_cast<double>(seconds.size());
  auto rank = [&](double q) {
    auto n = static_cast<size_t>(std::ceil(q * static_cast<double>(seconds.size())));
    return seconds[std::clamp<size_t>(n, 1, seconds.size()) - 1];
  };
  s.p50 = rank(0.5);
  s.p90 = rank(0.9);
  return s;
}

void write_summary(core::JsonWriter& w, std::string_view name, const DurationSummary& s) {
  w.key(name).begin_object().field("count", static_cast<uint64_t>(s.count));
  if (s.count == 0) {
    w.key("mean").null().key("p50").null().key("p90").null();
  } else {
    w.field("mean", s.mean).field("p50", s.p50).field("p90", s.p90);
  }
  w.end_object();
}

void write_percent(core::JsonWriter& w, std::string_view name, size_t part, size_t whole) {
  w.key(name);
  if (whole == 0) {
    w.null();
  } else {
    w.value(std::round(1000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 10.0);
  }
}

}  // namespace

IncidentStats compute_stats(const std::vector<core::Incident>& incidents) {
  IncidentStats s;
  std::vector<double> tta, ttr;
  for (const auto& inc : incidents) {
    ++s.incidents;
    ++s.by_status[static_cast<size_t>(inc.status)];
    ++s.by_priority[static_cast<size_t>(inc.priority) - 1];
    if (inc.acknowledged_at != core::kNoTime) {
      tta.push_back(core::to_seconds(inc.acknowledged_at - inc.opened_at));
    }
    if (inc.resolved_at != core::kNoTime) {
      ttr.push_back(core::to_seconds(inc.resolved_at - inc.opened_at));
    }
    if (inc.acknowledged_at != core::kNoTime || inc.ack_breached) {
      ++s.ack_decided;
      if (!inc.ack_breached) ++s.ack_met;
    }
    if (inc.resolved_at != core::kNoTime || inc.resolve_breached) {
      ++s.resolve_decided;
      if (!inc.resolve_breached) ++s.resolve_met;
    }
    if (inc.escalation_level > 1) ++s.escalated;
  }
  s.time_to_acknowledge = summarize(tta);
  s.time_to_resolve = summarize(ttr);
  return s;
}

void write_stats(core::JsonWriter& w, const IncidentStats& s, std::string_view window,
                 core::TimePoint since, bool truncated) {
  w.begin_object().field("window", window);
  w.key("since").time(since);
  w.field("incidents", static_cast<uint64_t>(s.incidents)).field("truncated", truncated);
  w.key("by_status").begin_object();
  for (size_t i = 0; i < s.by_status.size(); ++i) {
    w.field(core::to_string(static_cast<core::IncidentStatus>(i)),
            static_cast<uint64_t>(s.by_status[i]));
  }
  w.end_object().key("by_priority").begin_object();
  for (size_t i = 0; i < s.by_priority.size(); ++i) {
    w.field(core::to_string(static_cast<core::Priority>(i + 1)),
            static_cast<uint64_t>(s.by_priority[i]));
  }
  w.end_object();
  write_summary(w, "mtta_seconds", s.time_to_acknowledge);
  write_summary(w, "mttr_seconds", s.time_to_resolve);
  w.key("sla").begin_object();
  write_percent(w, "acknowledge_compliance_percent", s.ack_met, s.ack_decided);
  write_percent(w, "resolve_compliance_percent", s.resolve_met, s.resolve_decided);
  w.field("acknowledge_decided", static_cast<uint64_t>(s.ack_decided))
      .field("resolve_decided", static_cast<uint64_t>(s.resolve_decided));
  w.end_object();
  write_percent(w, "escalation_rate_percent", s.escalated, s.incidents);
  w.end_object();
}

}  // namespace alertd::api
