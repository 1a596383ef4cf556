// The live pipeline in process, on the in-memory FakeStore: its threads, its
// queues and its store writer are the real ones; only the database is not.
// A store that stalls or fails is what the fake adds.

#include "daemon/pipeline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "config/settings.h"
#include "core/fingerprint.h"
#include "tests/support/fake_store.h"

namespace alertd::daemon {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 20s;  // an upper bound for progress, never a measured time

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = config::parse_config(config::embedded_default_config(), "<test>");
    ASSERT_TRUE(parsed) << parsed.error().message;
    config_ = std::move(*parsed);
    config_.pipeline.shards = 2;
  }

  void make_pipeline() {
    auto settings = config::make_settings(config_, 1);
    ASSERT_TRUE(settings) << settings.error().message;
    pipeline_ = std::make_unique<Pipeline>(config_, *settings, metrics_, store_, clock_);
  }
  void start() { pipeline_->start(StartPoint{}); }

  core::Alert alert(std::string service, std::string name) {
    core::Alert a;
    a.labels = core::LabelSet({{"alertname", std::move(name)}, {"service", std::move(service)}});
    a.fingerprint = core::fingerprint(a.labels);
    a.source = "prometheus";
    a.received_at = clock_.now();
    a.starts_at = a.received_at;
    return a;
  }
  // Without a journal the answer comes at once, on this thread.
  api::Engine::Offer offer(std::vector<core::Alert> alerts) {
    std::optional<api::Engine::Offer> answer;
    pipeline_->offer(alerts, [&](api::Engine::Offer o) { answer = o; });
    EXPECT_TRUE(answer.has_value());
    return answer.value_or(api::Engine::Offer::stopping);
  }

  // Waits until the store holds an incident with `alerts` members in all.
  bool wait_for_members(uint64_t alerts) {
    auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      uint64_t total = 0;
      for (const auto& inc : store_.incidents()) total += inc.alert_count;
      if (total >= alerts) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  // A command whose answer comes back through its reply.
  std::future<core::LifecycleResult> submit(core::LifecycleAction action, std::string incident) {
    auto answer = std::make_shared<std::promise<core::LifecycleResult>>();
    core::LifecycleCommand cmd;
    cmd.action = action;
    cmd.incident_id = std::move(incident);
    cmd.actor = "ann";
    cmd.role = core::Role::responder;
    cmd.reply = std::make_shared<core::CommandReply>();
    cmd.reply->deliver = [answer](core::LifecycleResult r) { answer->set_value(std::move(r)); };
    auto future = answer->get_future();
    EXPECT_TRUE(pipeline_->submit_command(std::move(cmd)));
    return future;
  }

  config::DaemonConfig config_;
  telemetry::Registry registry_;
  telemetry::Metrics metrics_{registry_, {}, {"test", "test"}};
  core::SystemClock clock_;
  testing::FakeStore store_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(PipelineTest, StopDrainsEveryAcceptedAlertIntoTheStore) {
  make_pipeline();
  start();
  std::vector<core::Alert> batch;
  for (int i = 0; i < 500; ++i)
    batch.push_back(alert("svc" + std::to_string(i % 7), "A" + std::to_string(i)));
  ASSERT_EQ(offer(std::move(batch)), api::Engine::Offer::accepted);
  pipeline_->stop_and_drain();  // no wait before it: the drain alone must commit all
  uint64_t members = 0;
  for (const auto& inc : store_.incidents()) members += inc.alert_count;
  EXPECT_EQ(members, 500u);
  EXPECT_EQ(store_.incidents().size(), 7u);
  std::vector<core::Alert> late{alert("svc0", "late")};
  EXPECT_EQ(offer(std::move(late)), api::Engine::Offer::stopping);
}

// An update the store refuses for good (here: text that is not UTF-8, which
// no HTTP decoder lets through) goes to the quarantine; every other incident
// of the same batches commits, and the writer is not retrying for ever.
TEST_F(PipelineTest, UpdateRefusedForGoodIsQuarantinedAndTheRestCommits) {
  make_pipeline();
  start();
  std::vector<core::Alert> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(alert("svc" + std::to_string(i), "Good"));
  batch.push_back(alert("bad\xff\xfe", "Poison"));
  ASSERT_EQ(offer(std::move(batch)), api::Engine::Offer::accepted);
  ASSERT_TRUE(wait_for_members(5));
  pipeline_->stop_and_drain();
  EXPECT_EQ(store_.incidents().size(), 5u);
  auto page = store_.list_quarantine(std::nullopt, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->records.size(), 1u);
  const auto& record = page->records[0];
  EXPECT_EQ(record.reason, "store_invalid_input");
  EXPECT_NE(record.update_json.find("Poison"), std::string::npos) << record.update_json;
  EXPECT_EQ(metrics_.store_quarantined.with({"store_invalid_input"}).value(), 1.0);
  EXPECT_EQ(metrics_.store_updates_dropped.value(), 0.0);
}

TEST_F(PipelineTest, FullShardQueueRefusesTheWholeOffer) {
  config_.pipeline.shards = 1;
  config_.pipeline.queue_capacity = 8;
  make_pipeline();  // not started: nothing drains the shard queue yet
  std::vector<core::Alert> first;
  for (int i = 0; i < 8; ++i) first.push_back(alert("web", "A" + std::to_string(i)));
  ASSERT_EQ(offer(std::move(first)), api::Engine::Offer::accepted);
  const std::vector<core::Alert> more{alert("web", "B0"), alert("web", "B1")};
  EXPECT_EQ(offer(more), api::Engine::Offer::queue_full);  // the API's 429
  start();
  ASSERT_TRUE(wait_for_members(8));
  EXPECT_EQ(offer(more), api::Engine::Offer::accepted);  // room again
  ASSERT_TRUE(wait_for_members(10));
}

TEST_F(PipelineTest, ShardQueuesAreBoundedInBytesToo) {
  config_.pipeline.shards = 1;
  config_.pipeline.queue_bytes = 64 << 10;  // room for a few big alerts, not for many
  make_pipeline();                          // not started: nothing drains the shard queue yet
  auto big = [&](int i) {
    auto a = alert("web", "Big" + std::to_string(i));
    a.annotations.set("summary", std::string(20 << 10, 'x'));
    return a;
  };
  ASSERT_EQ(offer({big(0), big(1)}), api::Engine::Offer::accepted);
  EXPECT_EQ(offer({big(2), big(3)}), api::Engine::Offer::queue_full);  // 80 KiB > 64 KiB
  EXPECT_EQ(offer({alert("web", "small")}), api::Engine::Offer::accepted);
  start();
  ASSERT_TRUE(wait_for_members(3));
  EXPECT_EQ(offer({big(2), big(3)}), api::Engine::Offer::accepted);  // drained: room again
  ASSERT_TRUE(wait_for_members(5));
}

TEST_F(PipelineTest, CommandAnswersAfterAStallWhileIngestKeepsAccepting) {
  make_pipeline();
  start();
  ASSERT_EQ(offer({alert("db", "DiskFull")}), api::Engine::Offer::accepted);
  ASSERT_TRUE(wait_for_members(1));
  store_.stall();
  auto answer = submit(core::LifecycleAction::acknowledge, "INC-1");
  ASSERT_TRUE(store_.wait_for_stalled_calls(1, kWait));  // the writer is inside the store
  // Nothing waits on the store on the way in: offers are queued at once.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(offer({alert("web", "W" + std::to_string(i))}), api::Engine::Offer::accepted);
  }
  EXPECT_EQ(answer.wait_for(0s), std::future_status::timeout);  // not before the commit
  store_.resume();
  ASSERT_EQ(answer.wait_for(kWait), std::future_status::ready);
  auto result = answer.get();
  EXPECT_EQ(result.verdict, core::Verdict::done) << result.detail;
  ASSERT_TRUE(result.incident);
  EXPECT_NE(result.incident->acknowledged_at, core::kNoTime);
  EXPECT_TRUE(wait_for_members(21));
}

TEST_F(PipelineTest, RefusalsAnswerWithoutTheStore) {
  make_pipeline();
  start();
  ASSERT_EQ(offer({alert("db", "DiskFull")}), api::Engine::Offer::accepted);
  ASSERT_TRUE(wait_for_members(1));
  store_.stall();
  auto answer = submit(core::LifecycleAction::close, "INC-1");  // open -> close is illegal
  ASSERT_EQ(answer.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(answer.get().verdict, core::Verdict::conflict);
  store_.resume();
}

TEST_F(PipelineTest, StoreOutageIsReportedAndRecoveredWithNothingLost) {
  make_pipeline();
  start();
  EXPECT_FALSE(pipeline_->store_trouble());
  store_.fail_writes(true);
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(offer({alert("api", "E" + std::to_string(i))}), api::Engine::Offer::accepted);
  }
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!pipeline_->store_trouble() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(pipeline_->store_trouble());  // what /-/ready answers 503 with
  EXPECT_TRUE(store_.incidents().empty());
  store_.fail_writes(false);
  ASSERT_TRUE(wait_for_members(30));  // the writer retried until it committed
  deadline = std::chrono::steady_clock::now() + kWait;
  while (pipeline_->store_trouble() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_FALSE(pipeline_->store_trouble());
  EXPECT_GT(metrics_.store_write_errors.value(), 0u);
}

TEST_F(PipelineTest, WriterJobsRunOnTheWriterThread) {
  make_pipeline();
  start();
  std::promise<std::thread::id> ran_on;
  ASSERT_TRUE(pipeline_->submit_to_writer([&] { ran_on.set_value(std::this_thread::get_id()); }));
  auto future = ran_on.get_future();
  ASSERT_EQ(future.wait_for(kWait), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());
}

}  // namespace
}  // namespace alertd::daemon
