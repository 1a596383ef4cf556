#include "daemon/commands/replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/fingerprint.h"
#include "core/json_writer.h"
#include "correlator/priority.h"

namespace alertd::daemon {
namespace {

using namespace std::chrono_literals;
using core::LabelSet;
using core::TimePoint;
using ::testing::HasSubstr;

const TimePoint kT0 = core::from_unix_millis(1'767'225'600'000);  // 2026-01-01T00:00:00Z
constexpr size_t kChunkBytes = 4 << 20;  // replay.cc reads the input in chunks of this size

// ---- input ----------------------------------------------------------------

struct Event {
  LabelSet labels;
  std::string status = "firing";
  TimePoint at = kT0;
  LabelSet annotations;
};

std::string event_line(const Event& e) {
  std::string out;
  core::JsonWriter w(out);
  w.begin_object().key("labels").labels(e.labels);
  if (!e.annotations.empty()) w.key("annotations").labels(e.annotations);
  w.field("status", e.status).field("timestamp", core::format_rfc3339(e.at)).end_object();
  return out;
}

std::string ndjson(const std::vector<Event>& events) {
  std::string out;
  for (const auto& e : events) out += event_line(e) + "\n";
  return out;
}

LabelSet alert(std::string service, std::string instance, std::string name = "HighCPU") {
  LabelSet l{{"alertname", std::move(name)}, {"instance", std::move(instance)}};
  if (!service.empty()) l.set("service", service);
  return l;
}

std::string fp(const LabelSet& labels) {
  return core::fingerprint_hex(core::fingerprint(labels));
}
std::string at(TimePoint t) {
  return core::format_rfc3339(t);
}

// ---- output ---------------------------------------------------------------

struct OutAlert {
  std::string fingerprint;
  std::map<std::string, std::string> labels;
  std::string status;
  std::string first_seen;
  std::string last_seen;
  uint64_t event_count = 0;
};

struct OutIncident {
  std::string id, status, priority, title, service, group_key, opened_at, resolved_at;
  uint64_t alert_count = 0;
  std::vector<OutAlert> alerts;
};

std::string time_or_null(simdjson::dom::element e) {
  return e.is_null() ? "null" : std::string(std::string_view(e));
}

// Parses replay output: exactly one JSON object per line. Throws (a test
// failure) when a documented field is missing or of the wrong type.
std::vector<OutIncident> parse_output(const std::string& text) {
  std::vector<OutIncident> out;
  simdjson::dom::parser parser;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    simdjson::dom::object o = parser.parse(line).get_object();
    OutIncident inc;
    inc.id = std::string(std::string_view(o["id"]));
    inc.status = std::string(std::string_view(o["status"]));
    inc.priority = std::string(std::string_view(o["priority"]));
    inc.title = std::string(std::string_view(o["title"]));
    inc.service = std::string(std::string_view(o["service"]));
    inc.group_key = std::string(std::string_view(o["group_key"]));
    inc.opened_at = time_or_null(o["opened_at"]);
    inc.resolved_at = time_or_null(o["resolved_at"]);
    inc.alert_count = uint64_t(o["alert_count"]);
    for (simdjson::dom::element a : simdjson::dom::array(o["alerts"])) {
      OutAlert oa;
      oa.fingerprint = std::string(std::string_view(a["fingerprint"]));
      for (auto [k, v] : simdjson::dom::object(a["labels"])) {
        oa.labels[std::string(k)] = std::string(std::string_view(v));
      }
      oa.status = std::string(std::string_view(a["status"]));
      oa.first_seen = time_or_null(a["first_seen"]);
      oa.last_seen = time_or_null(a["last_seen"]);
      oa.event_count = uint64_t(a["event_count"]);
      inc.alerts.push_back(std::move(oa));
    }
    out.push_back(std::move(inc));
  }
  if (!text.empty()) {
    EXPECT_EQ(text.back(), '\n');
  }
  return out;
}

std::map<std::string, std::string> as_map(const LabelSet& labels) {
  std::map<std::string, std::string> m;
  for (const auto& l : labels) m[l.name] = l.value;
  return m;
}

// The default matrix for an incident of one service on `hosts` hosts.
std::string expected_priority(std::optional<std::string_view> severity, size_t hosts = 1) {
  return std::string(core::to_string(correlator::derive_priority(
      correlator::PriorityInputs{correlator::severity_rank(severity), 1, hosts})));
}

// ---- fixture --------------------------------------------------------------

struct RunResult {
  int code = -1;
  std::string out, err;
  ReplayStats stats;
};

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           (std::string("alertd_replay_") + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto parsed = config::parse_config(config::embedded_default_config(), "<embedded>");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    config_ = *parsed;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    auto path = (dir_ / name).string();
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  RunResult run(const std::string& path) {
    RunResult r;
    std::ostringstream out, err;
    r.code = run_replay(config_, path, out, err, &r.stats);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  std::filesystem::path dir_;
  config::DaemonConfig config_;
};

// ---- tests ----------------------------------------------------------------

TEST_F(ReplayTest, ResendsCollapseIntoOneAlert) {
  auto a = alert("api", "a");
  auto path = write("resend.ndjson", ndjson({{a, "firing", kT0},
                                             {a, "firing", kT0 + 1min},
                                             {a, "firing", kT0 + 1min},
                                             {a, "firing", kT0 + 2min}}));
  auto r = run(path);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.stats.events, 4u);
  EXPECT_EQ(r.stats.incidents, 1u);
  auto incidents = parse_output(r.out);
  ASSERT_EQ(incidents.size(), 1u);
  const auto& inc = incidents[0];
  EXPECT_EQ(inc.id, "INC-1");
  EXPECT_EQ(inc.status, "open");
  EXPECT_EQ(inc.opened_at, at(kT0));
  EXPECT_EQ(inc.resolved_at, "null");
  EXPECT_EQ(inc.alert_count, 1u);
  ASSERT_EQ(inc.alerts.size(), 1u);
  EXPECT_EQ(inc.alerts[0].fingerprint, fp(a));
  EXPECT_EQ(inc.alerts[0].labels, as_map(a));
  EXPECT_EQ(inc.alerts[0].status, "firing");
  EXPECT_EQ(inc.alerts[0].first_seen, at(kT0));
  EXPECT_EQ(inc.alerts[0].last_seen, at(kT0 + 2min));
}

TEST_F(ReplayTest, GroupsByServiceWithinTheWindowOfEventTime) {
  auto a = alert("api", "a"), b = alert("api", "b"), c = alert("api", "c"), d = alert("api", "d");
  b.set("severity", "critical");
  auto x = alert("db", "x");
  auto hb = alert("", "h", "Heartbeat");  // no service: grouped by alertname
  std::vector<Event> events{
      {a, "firing", kT0, LabelSet{{"summary", "CPU high on a"}}},
      {x, "firing", kT0 + 1min},
      {hb, "firing", kT0 + 2min},
      {b, "firing", kT0 + 5min},
      {c, "firing", kT0 + 15min},  // exactly the window after b: joins
      {d, "firing", kT0 + 26min},  // 11 minutes after c: a new incident
  };
  auto r = run(write("group.ndjson", ndjson(events)));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.stats.events, 6u);
  auto incidents = parse_output(r.out);
  ASSERT_EQ(incidents.size(), 4u);
  EXPECT_EQ(r.stats.incidents, 4u);

  const auto& api = incidents[0];
  EXPECT_EQ(api.id, "INC-1");
  EXPECT_EQ(api.service, "api");
  EXPECT_EQ(api.group_key, (LabelSet{{"service", "api"}}.to_string()));
  EXPECT_EQ(api.title, "CPU high on a (api)");                // the first alert's summary
  EXPECT_EQ(api.priority, expected_priority("critical", 3));  // instances a, b, c
  EXPECT_EQ(api.opened_at, at(kT0));
  EXPECT_EQ(api.alert_count, 3u);
  ASSERT_EQ(api.alerts.size(), 3u);
  EXPECT_EQ(api.alerts[0].fingerprint, fp(a));
  EXPECT_EQ(api.alerts[1].fingerprint, fp(b));
  EXPECT_EQ(api.alerts[2].fingerprint, fp(c));
  EXPECT_EQ(api.alerts[2].first_seen, at(kT0 + 15min));

  EXPECT_EQ(incidents[1].id, "INC-2");
  EXPECT_EQ(incidents[1].service, "db");
  EXPECT_EQ(incidents[1].priority, expected_priority(std::nullopt));  // no severity label
  EXPECT_EQ(incidents[1].alert_count, 1u);
  EXPECT_EQ(incidents[1].alerts.at(0).fingerprint, fp(x));

  EXPECT_EQ(incidents[2].id, "INC-3");
  EXPECT_EQ(incidents[2].service, "");
  EXPECT_EQ(incidents[2].group_key, (LabelSet{{"alertname", "Heartbeat"}}.to_string()));
  EXPECT_EQ(incidents[2].alerts.at(0).fingerprint, fp(hb));

  const auto& later = incidents[3];
  EXPECT_EQ(later.id, "INC-4");
  EXPECT_EQ(later.service, "api");
  EXPECT_EQ(later.group_key, api.group_key);
  EXPECT_EQ(later.opened_at, at(kT0 + 26min));
  EXPECT_EQ(later.alert_count, 1u);
  EXPECT_EQ(later.alerts.at(0).fingerprint, fp(d));
  for (const auto& inc : incidents) {
    EXPECT_EQ(inc.status, "open");
    EXPECT_EQ(inc.resolved_at, "null");
    EXPECT_EQ(inc.alert_count, inc.alerts.size());
  }
}

TEST_F(ReplayTest, ResolvedEventsResolve) {
  auto a = alert("api", "a"), b = alert("api", "b"), x = alert("db", "x"), y = alert("db", "y");
  auto never = alert("cache", "z");
  std::vector<Event> events{
      {a, "firing", kT0},
      {b, "firing", kT0 + 1min},
      {x, "firing", kT0 + 1min},
      {y, "firing", kT0 + 2min},
      {a, "resolved", kT0 + 3min},
      {b, "resolved", kT0 + 4min},  // last firing member: the incident resolves
      {x, "resolved", kT0 + 5min},  // y still fires: stays open
      // After the resolve and past the flap window (15m by default; within it
      // the incident would reopen): a new incident.
      {a, "firing", kT0 + 20min},
      {never, "resolved", kT0 + 21min},  // a resolve of an unknown alert opens nothing
  };
  auto r = run(write("resolve.ndjson", ndjson(events)));
  ASSERT_EQ(r.code, 0) << r.err;
  auto incidents = parse_output(r.out);
  ASSERT_EQ(incidents.size(), 3u);

  const auto& api = incidents[0];
  EXPECT_EQ(api.id, "INC-1");
  EXPECT_EQ(api.status, "resolved");
  EXPECT_EQ(api.resolved_at, at(kT0 + 4min));
  ASSERT_EQ(api.alerts.size(), 2u);
  EXPECT_EQ(api.alerts[0].status, "resolved");
  EXPECT_EQ(api.alerts[0].last_seen, at(kT0 + 3min));
  EXPECT_EQ(api.alerts[1].status, "resolved");

  const auto& db = incidents[1];
  EXPECT_EQ(db.id, "INC-2");
  EXPECT_EQ(db.status, "open");
  EXPECT_EQ(db.resolved_at, "null");
  ASSERT_EQ(db.alerts.size(), 2u);
  EXPECT_EQ(db.alerts[0].fingerprint, fp(x));
  EXPECT_EQ(db.alerts[0].status, "resolved");
  EXPECT_EQ(db.alerts[1].fingerprint, fp(y));
  EXPECT_EQ(db.alerts[1].status, "firing");

  const auto& again = incidents[2];
  EXPECT_EQ(again.id, "INC-3");
  EXPECT_EQ(again.status, "open");
  EXPECT_EQ(again.opened_at, at(kT0 + 20min));
  ASSERT_EQ(again.alerts.size(), 1u);
  EXPECT_EQ(again.alerts[0].fingerprint, fp(a));
  EXPECT_EQ(again.alerts[0].first_seen, at(kT0 + 20min));
}

TEST_F(ReplayTest, OutputHasTheDocumentedFields) {
  auto a = alert("api", "a");
  auto r = run(write("fields.ndjson", ndjson({{a, "firing", kT0}})));
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  simdjson::dom::parser parser;
  simdjson::dom::object o = parser.parse(r.out).get_object();
  for (const char* key : {"id", "status", "priority", "title", "service", "group_key", "opened_at",
                          "resolved_at", "alert_count", "alerts"}) {
    EXPECT_EQ(o[key].error(), simdjson::SUCCESS) << key;
  }
  simdjson::dom::array alerts = o["alerts"].get_array();
  ASSERT_EQ(alerts.size(), 1u);
  for (const char* key : {"fingerprint", "labels", "first_seen", "last_seen", "event_count"}) {
    EXPECT_EQ(alerts.at(0)[key].error(), simdjson::SUCCESS) << key;
  }
  EXPECT_TRUE(alerts.at(0)["labels"].is_object());
  EXPECT_TRUE(o["alert_count"].is_uint64() || o["alert_count"].is_int64());
}

// A threshold rule's members are first seen at their first counted event,
// not when the rule tripped, and show how many events counted.
TEST_F(ReplayTest, ThresholdMembersAreFirstSeenAtTheirFirstCountedEvent) {
  rules::RuleSpec burst;
  burst.name = "bursts";
  auto match = core::parse_matchers(std::vector<std::string>{R"(alertname="Burst")"});
  ASSERT_TRUE(match.ok());
  burst.match = *match;
  burst.threshold = rules::Threshold{4, 5min};
  config_.rules.push_back(burst);
  auto a = alert("api", "a", "Burst"), b = alert("api", "b", "Burst");
  std::vector<Event> events{
      {a, "firing", kT0},
      {a, "firing", kT0 + 1min},
      {b, "firing", kT0 + 2min},
      {a, "firing", kT0 + 3min},  // the fourth: trips the rule
  };
  auto r = run(write("threshold.ndjson", ndjson(events)));
  ASSERT_EQ(r.code, 0) << r.err;
  auto incidents = parse_output(r.out);
  ASSERT_EQ(incidents.size(), 1u);
  ASSERT_EQ(incidents[0].alerts.size(), 2u);
  const auto& first = incidents[0].alerts[0];  // b was held, a tripped the rule
  const auto& second = incidents[0].alerts[1];
  EXPECT_EQ(first.fingerprint, fp(b));
  EXPECT_EQ(first.first_seen, at(kT0 + 2min));
  EXPECT_EQ(first.event_count, 1u);
  EXPECT_EQ(second.fingerprint, fp(a));
  EXPECT_EQ(second.first_seen, at(kT0)) << "the first counted event, not the trip";
  EXPECT_EQ(second.last_seen, at(kT0 + 3min));
  EXPECT_EQ(second.event_count, 3u);
}

// A pseudo-random but fixed stream: many services, re-sends, resolves and
// re-fires with jittered timestamps.
std::string mixed_input(size_t n) {
  std::vector<Event> events;
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  TimePoint t = kT0;
  for (size_t i = 0; i < n; ++i) {
    t += std::chrono::seconds(next() % 40);
    auto svc = "svc-" + std::to_string(next() % 7);
    auto l = alert(svc, "i-" + std::to_string(next() % 5));
    if (next() % 9 == 0) l.set("severity", next() % 2 ? "critical" : "info");
    // Out-of-order timestamps happen in real streams too.
    TimePoint when = t - std::chrono::seconds(next() % 3 == 0 ? next() % 60 : 0);
    events.push_back({l, next() % 4 == 0 ? "resolved" : "firing", when});
  }
  return ndjson(events);
}

TEST_F(ReplayTest, Deterministic) {
  auto path = write("mixed.ndjson", mixed_input(3000));
  auto first = run(path);
  auto second = run(path);
  ASSERT_EQ(first.code, 0) << first.err;
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(first.out, second.out);
  auto incidents = parse_output(first.out);
  EXPECT_GT(incidents.size(), 7u);  // resolves and the window split services
  EXPECT_EQ(first.stats.incidents, incidents.size());
  for (size_t i = 0; i < incidents.size(); ++i) {
    EXPECT_EQ(incidents[i].id, core::incident_id(static_cast<int64_t>(i + 1)));  // id order
  }
  // A copy of the file in another place gives the same bytes too.
  auto copy = write("copy.ndjson", mixed_input(3000));
  EXPECT_EQ(run(copy).out, first.out);
}

TEST_F(ReplayTest, BadLineExits2NamingTheEvent) {
  auto a = alert("api", "a");
  std::string text = event_line({a, "firing", kT0}) + "\n\n" +  // a blank line is not an event
                     event_line({a, "firing", kT0 + 1s}) + "\n" +
                     R"({"labels": {"alertname": "X"}, "status": "burning"})" + "\n" +
                     event_line({a, "firing", kT0 + 2s}) + "\n";
  auto path = write("bad.ndjson", text);
  auto r = run(path);
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("event 3: "));
  EXPECT_THAT(r.err, HasSubstr(path));
  EXPECT_EQ(r.out, "");

  auto broken = run(write("broken.ndjson", event_line({a, "firing", kT0}) + "\n{\"labels\":\n"));
  EXPECT_EQ(broken.code, 2);
  EXPECT_THAT(broken.err, HasSubstr("event 2: "));
  EXPECT_EQ(broken.out, "");
}

TEST_F(ReplayTest, MissingFileExits1) {
  auto path = (dir_ / "does-not-exist.ndjson").string();
  auto r = run(path);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr(path));
  EXPECT_EQ(r.out, "");
}

TEST_F(ReplayTest, EmptyFilePrintsNothing) {
  auto r = run(write("empty.ndjson", ""));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.stats.events, 0u);
}

TEST_F(ReplayTest, LastLineWithoutNewlineAndCrlf) {
  auto a = alert("api", "a"), b = alert("api", "b");
  std::string text = event_line({a, "firing", kT0}) + "\r\n" + event_line({b, "firing", kT0 + 1s});
  auto r = run(write("no-newline.ndjson", text));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.stats.events, 2u);
  auto incidents = parse_output(r.out);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].alert_count, 2u);
  ASSERT_EQ(incidents[0].alerts.size(), 2u);
  EXPECT_EQ(incidents[0].alerts[1].fingerprint, fp(b));
}

// 60 services in consecutive blocks of 1000 events; each block has 250
// distinct alerts, each sent 4 times, one event per second.
constexpr size_t kServices = 60, kBlock = 1000, kDistinct = 250;

std::string large_input() {
  std::string text;
  text.reserve(8 << 20);
  for (size_t i = 0; i < kServices * kBlock; ++i) {
    size_t service = i / kBlock, k = i % kBlock % kDistinct;
    auto l = alert("svc-" + std::to_string(service), "i-" + std::to_string(k), "Load");
    text += event_line({l, "firing", kT0 + std::chrono::seconds(i)});
    text += '\n';
  }
  return text;
}

TEST_F(ReplayTest, LargerThanOneChunk) {
  auto text = large_input();
  ASSERT_GT(text.size(), kChunkBytes + kChunkBytes / 2);
  auto r = run(write("large.ndjson", text));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.stats.events, kServices * kBlock);
  auto incidents = parse_output(r.out);
  ASSERT_EQ(incidents.size(), kServices);
  uint64_t alert_sum = 0;
  for (size_t s = 0; s < incidents.size(); ++s) {
    SCOPED_TRACE(s);
    const auto& inc = incidents[s];
    EXPECT_EQ(inc.id, core::incident_id(static_cast<int64_t>(s + 1)));
    EXPECT_EQ(inc.service, "svc-" + std::to_string(s));
    EXPECT_EQ(inc.alert_count, kDistinct);
    alert_sum += inc.alert_count;
    ASSERT_EQ(inc.alerts.size(), kDistinct);
    for (size_t k = 0; k < kDistinct; ++k) {
      // Seen first in the block's first quarter, last in its last quarter.
      auto first = kT0 + std::chrono::seconds(s * kBlock + k);
      auto last = kT0 + std::chrono::seconds(s * kBlock + (kBlock - kDistinct) + k);
      ASSERT_EQ(inc.alerts[k].labels.at("instance"), "i-" + std::to_string(k));
      ASSERT_EQ(inc.alerts[k].first_seen, at(first));
      ASSERT_EQ(inc.alerts[k].last_seen, at(last));
    }
  }
  EXPECT_EQ(alert_sum, kServices * kDistinct);
}

TEST_F(ReplayTest, BadLineAfterTheFirstChunkIsNumberedFromTheFileStart) {
  auto text = large_input();
  // Replace event 50001 (1-based), which lies well past the first chunk.
  size_t start = 0;
  for (int line = 0; line < 50000; ++line) start = text.find('\n', start) + 1;
  ASSERT_GT(start, kChunkBytes);
  size_t end = text.find('\n', start);
  text.replace(start, end - start, R"({"labels": "not a map"})");
  auto r = run(write("large-bad.ndjson", text));
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("event 50001: "));
  EXPECT_EQ(r.out, "");
}

// A file of exactly one chunk whose last line has no newline: the read that
// finds the end of the file returns nothing, and the last line is still due.
TEST_F(ReplayTest, ExactlyOneChunkWithoutTrailingNewline) {
  std::string text;
  size_t lines = 0;
  for (; text.size() + 2000 < kChunkBytes; ++lines) {
    auto l = alert("svc-" + std::to_string(lines % 50), "i-" + std::to_string(lines));
    text += event_line({l, "firing", kT0 + std::chrono::seconds(lines)}) + "\n";
  }
  Event last{alert("last", "only"), "firing", kT0 + std::chrono::seconds(lines)};
  // A pad annotation fills the chunk exactly; its JSON framing takes room too.
  const size_t bare = event_line(last).size();
  last.annotations = LabelSet{{"pad", ""}};
  const size_t framing = event_line(last).size() - bare;
  last.annotations =
      LabelSet{{"pad", std::string(kChunkBytes - text.size() - bare - framing, 'p')}};
  text += event_line(last);
  ASSERT_EQ(text.size(), kChunkBytes);
  ASSERT_NE(text.back(), '\n');
  ++lines;

  auto r = run(write("exact.ndjson", text));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.stats.events, lines);
  auto incidents = parse_output(r.out);
  ASSERT_FALSE(incidents.empty());
  EXPECT_EQ(incidents.back().service, "last");
  uint64_t alert_sum = 0;
  for (const auto& inc : incidents) alert_sum += inc.alert_count;
  EXPECT_EQ(alert_sum, lines);
}

}  // namespace
}  // namespace alertd::daemon
