#include "telemetry/registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace alertd::telemetry {
namespace {

TEST(Registry, EmptyRegistryRendersNothing) {
  Registry r;
  EXPECT_EQ(r.render(), "");
}

TEST(Registry, UnlabeledCounterShowsZeroBeforeFirstEvent) {
  Registry r;
  r.counter("alertd_drops_total", "Alerts dropped.");
  EXPECT_EQ(r.render(),
            "# HELP alertd_drops_total Alerts dropped.\n"
            "# TYPE alertd_drops_total counter\n"
            "alertd_drops_total 0\n");
}

TEST(Registry, LabeledFamilyWithoutChildrenIsOmitted) {
  Registry r;
  r.counter("alertd_rejected_total", "Rejected.", {"reason"});
  EXPECT_EQ(r.render(), "");
  r.counter("alertd_rejected_total", "Rejected.", {"reason"}).with({"invalid_json"}).inc(2);
  EXPECT_EQ(r.render(),
            "# HELP alertd_rejected_total Rejected.\n"
            "# TYPE alertd_rejected_total counter\n"
            "alertd_rejected_total{reason=\"invalid_json\"} 2\n");
}

TEST(Registry, LabelValuesAndHelpAreEscaped) {
  Registry r;
  auto& f = r.counter("x_total", "Line one\nback\\slash \"quoted\"", {"path"});
  f.with({"a\\b\"c\nd"}).inc();
  EXPECT_EQ(r.render(),
            "# HELP x_total Line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE x_total counter\n"
            "x_total{path=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(Registry, InvalidUtf8LabelValuesShareOneSeries) {
  Registry r;
  auto& f = r.counter("x_total", "X.", {"v"});
  Counter& a = f.with({"\xff"});
  Counter& b = f.with({"\xfe"});
  EXPECT_EQ(&a, &b);
  a.inc();
  b.inc();
  EXPECT_EQ(r.render(),
            "# HELP x_total X.\n# TYPE x_total counter\nx_total{v=\"\xef\xbf\xbd\"} 2\n");
}

TEST(Registry, HistogramBucketsAreCumulativeAndInfEqualsCount) {
  Registry r;
  auto& h = r.histogram("lat_seconds", "Latency.", {0.25, 0.5, 1});
  // Values exact in binary, so the sum is exact: 8.5. 0.25 sits on a bound (le is inclusive).
  for (double v : {0.125, 0.25, 0.375, 0.75, 2.0, 5.0}) h.with({}).observe(v);
  EXPECT_EQ(r.render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{le=\"0.25\"} 2\n"
            "lat_seconds_bucket{le=\"0.5\"} 3\n"
            "lat_seconds_bucket{le=\"1\"} 4\n"
            "lat_seconds_bucket{le=\"+Inf\"} 6\n"
            "lat_seconds_sum 8.5\n"
            "lat_seconds_count 6\n");
}

TEST(Registry, HistogramLabelsComeBeforeLe) {
  Registry r;
  auto& h = r.histogram("d_seconds", "D.", {1e6}, {"sink"});
  h.with({"slack"}).observe(3);
  EXPECT_EQ(r.render(),
            "# HELP d_seconds D.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{sink=\"slack\",le=\"1e+06\"} 1\n"
            "d_seconds_bucket{sink=\"slack\",le=\"+Inf\"} 1\n"
            "d_seconds_sum{sink=\"slack\"} 3\n"
            "d_seconds_count{sink=\"slack\"} 1\n");
}

TEST(Registry, FamiliesContiguousInRegistrationOrder) {
  Registry r;
  auto& a = r.counter("a_total", "A.", {"k"});
  auto& g = r.gauge("b", "B.");
  a.with({"y"}).inc();  // children created interleaved with other families' updates
  g.with({}).set(2.5);
  a.with({"x"}).inc(3);
  EXPECT_EQ(r.render(),
            "# HELP a_total A.\n# TYPE a_total counter\n"
            "a_total{k=\"x\"} 3\na_total{k=\"y\"} 1\n"
            "# HELP b B.\n# TYPE b gauge\nb 2.5\n");
}

TEST(Registry, ChildrenSortedByLabelsWithNamesSorted) {
  Registry r;
  // Registration order zone, app: with() takes values in that order, but the
  // exposition sorts label names, and children by those sorted labels.
  auto& f = r.gauge("up_state", "U.", {"zone", "app"});
  f.with({"z1", "web"}).set(1);
  f.with({"z2", "api"}).set(2);
  f.with({"z1", "api"}).set(3);
  EXPECT_EQ(r.render(),
            "# HELP up_state U.\n# TYPE up_state gauge\n"
            "up_state{app=\"api\",zone=\"z1\"} 3\n"
            "up_state{app=\"api\",zone=\"z2\"} 2\n"
            "up_state{app=\"web\",zone=\"z1\"} 1\n");
}

TEST(Registry, GaugeValuesRenderLikeGo) {
  Registry r;
  auto& g = r.gauge("g", "G.", {"k"});
  g.with({"a"}).set(-1);
  g.with({"b"}).set(NAN);
  g.with({"c"}).set(INFINITY);
  g.with({"d"}).set(1);
  g.with({"d"}).add(0.5);
  EXPECT_EQ(r.render(),
            "# HELP g G.\n# TYPE g gauge\n"
            "g{k=\"a\"} -1\ng{k=\"b\"} NaN\ng{k=\"c\"} +Inf\ng{k=\"d\"} 1.5\n");
}

TEST(Registry, WithIsStableAcrossSpellingsAndGrowth) {
  Registry r;
  auto& f = r.counter("c_total", "C.", {"a", "b"});
  Counter& first = f.with({"1", "2"});
  EXPECT_EQ(&first, &f.with(std::vector<std::string>{"1", "2"}));
  for (int i = 0; i < 1000; ++i) f.with({std::to_string(i), "x"}).inc();
  EXPECT_EQ(&first, &f.with({"1", "2"}));
  EXPECT_EQ(f.size(), 1001u);
  // ("a b", "") and ("a", "b c") must not be confused with ("a", "b"...).
  EXPECT_NE(&f.with({"a b", ""}), &f.with({"a", "b"}));
}

TEST(Registry, WrongNumberOfValuesThrows) {
  Registry r;
  auto& f = r.counter("c_total", "C.", {"a"});
  EXPECT_THROW(f.with({}), std::invalid_argument);
  EXPECT_THROW(f.with({"1", "2"}), std::invalid_argument);
}

TEST(Registry, ReRegistrationReturnsExistingFamily) {
  Registry r;
  auto& a = r.counter("c_total", "First help.", {"k"});
  auto& b = r.counter("c_total", "Other help.", {"k"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(b.help(), "First help.");
  auto& h1 = r.histogram("h_seconds", "H.", {1, 2});
  EXPECT_EQ(&h1, &r.histogram("h_seconds", "H.", {1, 2, INFINITY}));  // +Inf is implicit
}

TEST(Registry, ConflictingRegistrationThrows) {
  Registry r;
  r.counter("c_total", "C.", {"k"});
  EXPECT_THROW(r.gauge("c_total", "C."), std::invalid_argument);
  EXPECT_THROW(r.counter("c_total", "C.", {"other"}), std::invalid_argument);
  r.histogram("h", "H.", {1});
  EXPECT_THROW(r.histogram("h", "H.", {2}), std::invalid_argument);
  EXPECT_THROW(r.counter("h_count", "Clash with the histogram's series."), std::invalid_argument);
  r.gauge("x_sum", "X.");
  EXPECT_THROW(r.histogram("x", "X.", {1}), std::invalid_argument);
  // A failed registration leaves nothing behind.
  EXPECT_EQ(r.render().find("# HELP x "), std::string::npos);
}

TEST(Registry, InvalidDefinitionsThrow) {
  Registry r;
  EXPECT_THROW(r.counter("9bad", "B."), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "B."), std::invalid_argument);
  EXPECT_THROW(r.counter("ok_total", ""), std::invalid_argument);
  EXPECT_THROW(r.counter("ok_total", "B.", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.counter("ok_total", "B.", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(r.counter("ok_total", "B.", {"a-b"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "H.", {1}, {"le"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "H.", {2, 1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "H.", {1, 1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "H.", {NAN}), std::invalid_argument);
  EXPECT_EQ(r.render(), "");
}

TEST(Registry, OnCollectRunsBeforeEachRender) {
  Registry r;
  auto& depth = r.gauge("queue_depth", "Depth.").with({});
  int calls = 0;
  r.on_collect([&] { depth.set(++calls * 10); });
  EXPECT_NE(r.render().find("queue_depth 10\n"), std::string::npos);
  EXPECT_NE(r.render().find("queue_depth 20\n"), std::string::npos);
  EXPECT_EQ(calls, 2);
}

TEST(Registry, OnCollectMayRegisterMetrics) {
  Registry r;
  r.on_collect([&r] { r.gauge("late", "Registered by a hook.").with({}).set(7); });
  EXPECT_EQ(r.render(), "# HELP late Registered by a hook.\n# TYPE late gauge\nlate 7\n");
}

TEST(Concurrency, CounterTotalIsExact) {
  Registry r;
  auto& f = r.counter("hits_total", "Hits.", {"shard"});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&f, t] {
      Counter& shared = f.with({"all"});  // every thread races to create it
      Counter& own = f.with({std::to_string(t)});
      for (int i = 0; i < kPerThread; ++i) {
        shared.inc();
        own.inc(2);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(f.with({"all"}).value(), uint64_t{kThreads} * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(f.with({std::to_string(t)}).value(), 2u * kPerThread);
  }
  EXPECT_EQ(f.size(), size_t{kThreads} + 1);
}

TEST(Concurrency, GaugeAddAndHistogramObserveAreExact) {
  Registry r;
  Gauge& g = r.gauge("g", "G.").with({});
  Histogram& h = r.histogram("h", "H.", {1, 10}).with({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50000; ++i) {
        g.add(1);
        h.observe(i % 3 == 0 ? 0.5 : 5);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(g.value(), 200000.0);
  EXPECT_EQ(h.count(), 200000u);
  auto counts = h.bucket_counts();
  EXPECT_EQ(counts[0], 4u * 16667);
  EXPECT_EQ(counts[1], 200000u - 4u * 16667);
}

// Reads `name value` for an exact series line from an exposition.
uint64_t series_value(const std::string& text, const std::string& series) {
  auto pos = text.find("\n" + series + " ");
  if (pos == std::string::npos) return UINT64_MAX;
  return std::stoull(text.substr(pos + series.size() + 2));
}

TEST(Concurrency, RenderWhileUpdatingKeepsInfEqualToCount) {
  Registry r;
  auto& fam = r.histogram("h_seconds", "H.", {0.5}, {"k"});
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> observed{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        fam.with({std::to_string((t + i) % 8)}).observe(i % 2);
        observed.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  // Render until the writers have demonstrably run alongside the renders.
  for (int i = 0; i < 200 || observed.load() < 100000; ++i) {
    auto text = r.render();
    for (int k = 0; k < 8; ++k) {
      std::string labels = "{k=\"" + std::to_string(k) + "\"";
      auto inf = series_value(text, "h_seconds_bucket" + labels + ",le=\"+Inf\"}");
      auto count = series_value(text, "h_seconds_count" + labels + "}");
      EXPECT_EQ(inf, count) << "k=" << k;
    }
  }
  stop = true;
  for (auto& th : writers) th.join();
}

TEST(Promtool, RenderedRegistryPassesCheckMetrics) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  Registry r;
  r.counter("alertd_alerts_received_total", "Alerts received, by source.", {"source"})
      .with({"prometheus"})
      .inc(1027);
  r.counter("alertd_alerts_rejected_total", "Alerts rejected.", {"reason", "source"})
      .with({"bad \"json\"\\\n", "splunk"})
      .inc();
  r.counter("alertd_restarts_total", "Restarts.\nSecond line with \\ backslash.");
  r.gauge("alertd_queue_depth", "Queued alerts per shard.", {"shard"}).with({"0"}).set(12);
  r.gauge("alertd_open_incidents", "Open incidents.").with({}).set(NAN);
  auto& lat = r.histogram("alertd_delivery_duration_seconds", "Sink delivery latency.",
                          exponential_buckets(0.001, 4, 6), {"sink"});
  for (double v : {0.0005, 0.02, 0.3, 7.0}) lat.with({"pagerduty"}).observe(v);
  lat.with({"slack"});
  r.histogram("alertd_batch_size_alerts", "Alerts per batch.", linear_buckets(100, 100, 3))
      .with({})
      .observe(250);

  auto dir = std::filesystem::temp_directory_path();
  auto file = dir / ("alertd_telemetry_" + std::to_string(::getpid()) + ".prom");
  auto log = dir / ("alertd_telemetry_" + std::to_string(::getpid()) + ".log");
  auto check = [&](const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
    std::string cmd =
        "/usr/bin/promtool check metrics < " + file.string() + " > " + log.string() + " 2>&1";
    int status = std::system(cmd.c_str());
    std::ifstream in(log);
    std::stringstream out;
    out << in.rdbuf();
    return std::pair{status, out.str()};
  };

  auto text = r.render();
  auto [status, output] = check(text);
  EXPECT_EQ(status, 0) << output << "\n--- exposition ---\n" << text;

  // The check can fail: a repeated HELP line must be refused.
  auto [bad_status, bad_output] = check(text + "# HELP alertd_restarts_total Again.\n");
  EXPECT_NE(bad_status, 0) << bad_output;

  std::filesystem::remove(file);
  std::filesystem::remove(log);
}

}  // namespace
}  // namespace alertd::telemetry
