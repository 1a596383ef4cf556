// The daemon's audit settings: the head gauge after every commit, and the
// head logged at open and each time it crosses a multiple of 10,000 entries.
#include "daemon/audit_check.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>

namespace alertd::daemon {
namespace {

TEST(AuditCheck, HeadGaugeFollowsCommitsAndTheHeadIsLoggedEvery10000Entries) {
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  telemetry::Registry registry;
  telemetry::Metrics metrics(registry, {}, {"test", "test"});
  auto settings = audit_settings({.key = "", .anchor_file = "/tmp/a"}, &metrics);
  for (int64_t seq : {9'990, 9'995, 9'999, 10'004, 15'000, 19'999, 20'001}) {
    settings.on_head({seq, "h" + std::to_string(seq)});
  }
  spdlog::set_default_logger(previous);
  EXPECT_EQ(metrics.audit_head_seq.value(), 20'001);
  const std::string text = log.str();
  // At open (the first head), then the first head past 10,000 and past 20,000.
  EXPECT_NE(text.find("audit chain head: seq 9990 hash h9990"), std::string::npos) << text;
  EXPECT_NE(text.find("audit chain head: seq 10004 hash h10004"), std::string::npos) << text;
  EXPECT_NE(text.find("audit chain head: seq 20001 hash h20001"), std::string::npos) << text;
  EXPECT_EQ(text.find("seq 9995"), std::string::npos) << text;
  EXPECT_EQ(text.find("seq 15000"), std::string::npos) << text;
  EXPECT_EQ(text.find("seq 19999"), std::string::npos) << text;
}

}  // namespace
}  // namespace alertd::daemon
