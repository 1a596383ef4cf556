// The notification outbox on every backend (see store_conformance.h):
// enqueue numbers messages and replaces the told state, pending messages
// survive a restart with every field, each delivery attempt updates its
// message and is a `notify` entry on the incident's hash-chained trail, and
// retention takes a purged incident's messages and told state with it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_conformance.h"

namespace alertd::sinks::testing {

namespace {

constexpr int64_t kBase = 1'767'225'600'000;

OutboxMessage make_message(const std::string& incident_id, const std::string& receiver,
                           int64_t changed_ms = kBase) {
  OutboxMessage m;
  m.incident_id = incident_id;
  m.tenant = "default";
  m.receiver = receiver;
  m.kind = "email";
  m.audience = "IT_staff";
  m.stage = "initial";
  m.change = "opened,priority";
  m.body = "{\"text\":\"" + incident_id + " opened \\u00e9\"}";
  m.subject = "[P2] " + incident_id + " opened";
  m.text = "Incident " + incident_id + " opened.\nLine two.";
  m.html = "<p>Incident <b>" + incident_id + "</b> opened &amp; é</p>";
  m.extra_to = "oncall@example.com";
  m.changed_at = at_ms(changed_ms);
  m.created_at = at_ms(changed_ms + 5);
  m.next_at = at_ms(changed_ms + 10);
  return m;
}

NotifyTold make_told(const std::string& incident_id, core::Priority priority) {
  NotifyTold t;
  t.incident_id = incident_id;
  t.status = core::IncidentStatus::in_progress;
  t.priority = priority;
  t.assignee = "alice";
  t.acknowledged = true;
  t.escalation_level = 2;
  t.initial_sent = true;
  t.last_sent = at_ms(kBase + 20);
  return t;
}

DeliveryAttempt make_attempt(int64_t seq, DeliveryStatus status, int attempt = 1) {
  DeliveryAttempt a;
  a.seq = seq;
  a.at = at_ms(kBase + 1000 * attempt);
  a.attempt = attempt;
  a.status = status;
  a.reason = status == DeliveryStatus::delivered ? "delivered" : "http_5xx";
  a.code = status == DeliveryStatus::delivered ? 250 : 503;
  a.next_at =
      status == DeliveryStatus::pending ? at_ms(kBase + 1000 * attempt + 30'000) : core::kNoTime;
  return a;
}

void expect_same_message(const OutboxMessage& got, const OutboxMessage& want) {
  EXPECT_EQ(got.seq, want.seq);
  EXPECT_EQ(got.incident_id, want.incident_id);
  EXPECT_EQ(got.tenant, want.tenant);
  EXPECT_EQ(got.receiver, want.receiver);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.audience, want.audience);
  EXPECT_EQ(got.stage, want.stage);
  EXPECT_EQ(got.change, want.change);
  EXPECT_EQ(got.body, want.body);
  EXPECT_EQ(got.subject, want.subject);
  EXPECT_EQ(got.text, want.text);
  EXPECT_EQ(got.html, want.html);
  EXPECT_EQ(got.extra_to, want.extra_to);
  EXPECT_EQ(got.changed_at, want.changed_at);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.attempts, want.attempts);
  EXPECT_EQ(got.last_reason, want.last_reason);
  EXPECT_EQ(got.next_at, want.next_at);
}

void expect_same_told(const NotifyTold& got, const NotifyTold& want) {
  EXPECT_EQ(got.incident_id, want.incident_id);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.priority, want.priority);
  EXPECT_EQ(got.assignee, want.assignee);
  EXPECT_EQ(got.acknowledged, want.acknowledged);
  EXPECT_EQ(got.escalation_level, want.escalation_level);
  EXPECT_EQ(got.initial_sent, want.initial_sent);
  EXPECT_EQ(got.last_sent, want.last_sent);
}

std::vector<int64_t> enqueue_ok(Store& store, const std::vector<OutboxMessage>& messages,
                                const std::vector<NotifyTold>& told = {}) {
  auto seqs = store.enqueue_notifications(messages, told);
  EXPECT_TRUE(seqs.ok()) << (seqs.ok() ? "" : seqs.error().message);
  return seqs.ok() ? *seqs : std::vector<int64_t>();
}

std::vector<OutboxMessage> pending(Store& store, int64_t after_seq = 0, size_t limit = 100) {
  auto got = store.load_pending_notifications(after_seq, limit);
  EXPECT_TRUE(got.ok()) << (got.ok() ? "" : got.error().message);
  return got.ok() ? *got : std::vector<OutboxMessage>();
}

std::vector<int64_t> seqs_of(const std::vector<OutboxMessage>& messages) {
  std::vector<int64_t> out;
  for (const auto& m : messages) out.push_back(m.seq);
  return out;
}

std::vector<NotifyTold> told_ok(Store& store) {
  auto got = store.load_notify_told();
  EXPECT_TRUE(got.ok()) << (got.ok() ? "" : got.error().message);
  return got.ok() ? *got : std::vector<NotifyTold>();
}

void record_ok(Store& store, const DeliveryAttempt& attempt) {
  auto recorded = store.record_deliveries({&attempt, 1});
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_EQ(*recorded, 1u);
}

TEST_P(StoreNotifyTest, EnqueueAssignsIncreasingSeqsAndReplacesTheToldState) {
  const auto first =
      enqueue_ok(*store_, {make_message("INC-1", "ops"), make_message("INC-1", "it")},
                 {make_told("INC-1", core::Priority::P2)});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_GT(first[0], 0);
  EXPECT_GT(first[1], first[0]);
  const auto second = enqueue_ok(*store_, {make_message("INC-2", "ops")});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GT(second[0], first[1]);
  EXPECT_EQ(seqs_of(pending(*store_)), (std::vector<int64_t>{first[0], first[1], second[0]}));

  const auto told = told_ok(*store_);
  ASSERT_EQ(told.size(), 1u);
  expect_same_told(told[0], make_told("INC-1", core::Priority::P2));
  // Told state alone (a suppressed incident's change) writes no message.
  EXPECT_TRUE(enqueue_ok(*store_, {}, {make_told("INC-2", core::Priority::P4)}).empty());
  EXPECT_EQ(told_ok(*store_).size(), 2u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notify_outbox"), 3);
}

TEST_P(StoreNotifyTest, PendingMessagesSurviveAReopenWithEveryField) {
  std::vector<OutboxMessage> messages = {make_message("INC-1", "ops"),
                                         make_message("INC-2", "mail", kBase + 777)};
  messages[1].kind = "webhook";
  messages[1].subject = messages[1].text = messages[1].html = messages[1].extra_to = "";
  messages[1].next_at = core::kNoTime;
  const auto seqs = enqueue_ok(*store_, messages, {make_told("INC-1", core::Priority::P1)});
  ASSERT_EQ(seqs.size(), 2u);
  reopen();

  const auto got = pending(*store_);
  ASSERT_EQ(got.size(), 2u);
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    messages[i].seq = seqs[i];
    expect_same_message(got[i], messages[i]);
  }
  const auto told = told_ok(*store_);
  ASSERT_EQ(told.size(), 1u);
  expect_same_told(told[0], make_told("INC-1", core::Priority::P1));
}

TEST_P(StoreNotifyTest, APendingAttemptKeepsTheMessagePendingWithItsRetry) {
  const auto seqs = enqueue_ok(*store_, {make_message("INC-1", "ops")});
  ASSERT_EQ(seqs.size(), 1u);
  record_ok(*store_, make_attempt(seqs[0], DeliveryStatus::pending, 1));
  record_ok(*store_, make_attempt(seqs[0], DeliveryStatus::pending, 2));
  reopen();

  const auto got = pending(*store_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, DeliveryStatus::pending);
  EXPECT_EQ(got[0].attempts, 2);
  EXPECT_EQ(got[0].last_reason, "http_5xx");
  EXPECT_EQ(got[0].next_at, at_ms(kBase + 2000 + 30'000));
  EXPECT_EQ(got[0].body, make_message("INC-1", "ops").body);  // what was rendered stays
}

TEST_P(StoreNotifyTest, DeliveredAndFailedMessagesAreNoLongerPending) {
  const auto seqs = enqueue_ok(*store_, {make_message("INC-1", "a"), make_message("INC-1", "b"),
                                         make_message("INC-1", "c")});
  ASSERT_EQ(seqs.size(), 3u);
  record_ok(*store_, make_attempt(seqs[0], DeliveryStatus::delivered));
  record_ok(*store_, make_attempt(seqs[2], DeliveryStatus::failed, 5));
  EXPECT_EQ(seqs_of(pending(*store_)), (std::vector<int64_t>{seqs[1]}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM notify_outbox"), 3);  // kept: their record
}

TEST_P(StoreNotifyTest, EachAttemptIsANotifyEntryOnTheIncidentsTimeline) {
  apply_ok({make_update(make_incident(1), {}, {make_audit("INC-1", "open", kBase)})});
  const auto seqs = enqueue_ok(*store_, {make_message("INC-1", "ops-mail")});
  ASSERT_EQ(seqs.size(), 1u);
  record_ok(*store_, make_attempt(seqs[0], DeliveryStatus::pending, 1));
  record_ok(*store_, make_attempt(seqs[0], DeliveryStatus::delivered, 2));

  auto t = store_->timeline("INC-1");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 3u);
  const core::AuditEntry& last = (*t)[2];
  EXPECT_EQ(last.action, "notify");
  EXPECT_EQ(last.actor, "alertd");
  EXPECT_EQ(last.at, at_ms(kBase + 2000));
  for (const std::string& field : std::vector<std::string>{
           "\"receiver\":\"ops-mail\"", "\"kind\":\"email\"", "\"audience\":\"IT_staff\"",
           "\"template\":\"initial\"", "\"change\":\"opened,priority\"", "\"attempt\":2",
           "\"result\":\"delivered\"", "\"reason\":\"delivered\"", "\"code\":250",
           "\"message_seq\":" + std::to_string(seqs[0])}) {
    EXPECT_NE(last.detail.find(field), std::string::npos) << field << " in " << last.detail;
  }
  EXPECT_NE((*t)[1].detail.find("\"result\":\"retrying\""), std::string::npos) << (*t)[1].detail;
  auto v = store_->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, 3);
}

TEST_P(StoreNotifyTest, AttemptsAreRecordedTogetherAndAnUnknownSeqIsSkipped) {
  const auto seqs =
      enqueue_ok(*store_, {make_message("INC-1", "ops"), make_message("INC-2", "ops")});
  ASSERT_EQ(seqs.size(), 2u);
  const DeliveryAttempt batch[] = {make_attempt(seqs[0], DeliveryStatus::pending),
                                   make_attempt(seqs[0] + 100, DeliveryStatus::delivered),
                                   make_attempt(seqs[1], DeliveryStatus::delivered)};
  auto recorded = store_->record_deliveries(batch);
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_EQ(*recorded, 2u);  // the one on no message is skipped
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log"), 2);
  auto still = pending(*store_);
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].seq, seqs[0]);
  auto empty = store_->record_deliveries({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, 0u);
}

TEST_P(StoreNotifyTest, PendingMessagesArePagedAfterASeq) {
  std::vector<OutboxMessage> messages;
  for (int i = 0; i < 5; ++i) messages.push_back(make_message("INC-1", "r" + std::to_string(i)));
  const auto seqs = enqueue_ok(*store_, messages);
  ASSERT_EQ(seqs.size(), 5u);
  record_ok(*store_, make_attempt(seqs[1], DeliveryStatus::delivered));

  EXPECT_EQ(seqs_of(pending(*store_, 0, 2)), (std::vector<int64_t>{seqs[0], seqs[2]}));
  EXPECT_EQ(seqs_of(pending(*store_, seqs[2], 2)), (std::vector<int64_t>{seqs[3], seqs[4]}));
  EXPECT_TRUE(pending(*store_, seqs[4], 2).empty());
  // A limit of 0 reads as 1, and one past kMaxOutboxLoad as kMaxOutboxLoad.
  EXPECT_EQ(seqs_of(pending(*store_, 0, 0)), (std::vector<int64_t>{seqs[0]}));
  EXPECT_EQ(pending(*store_, 0, kMaxOutboxLoad + 1).size(), 4u);
}

TEST_P(StoreNotifyTest, ToldIsReplacedOnReEnqueueAndRemovedByForget) {
  enqueue_ok(*store_, {make_message("INC-1", "ops")},
             {make_told("INC-1", core::Priority::P3), make_told("INC-2", core::Priority::P3)});
  NotifyTold resolved = make_told("INC-1", core::Priority::P1);
  resolved.status = core::IncidentStatus::resolved;
  resolved.assignee = "bob";
  resolved.escalation_level = 3;
  resolved.last_sent = at_ms(kBase + 99);
  enqueue_ok(*store_, {make_message("INC-1", "ops")}, {resolved});

  auto told = told_ok(*store_);
  ASSERT_EQ(told.size(), 2u);
  expect_same_told(told[0], resolved);  // by incident id
  EXPECT_EQ(told[1].incident_id, "INC-2");

  const std::vector<std::string> forget = {"INC-1", "INC-404"};
  ASSERT_TRUE(store_->forget_notify_told(forget).ok());
  told = told_ok(*store_);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].incident_id, "INC-2");
  EXPECT_EQ(pending(*store_).size(), 2u);  // the messages stay
}

TEST_P(StoreNotifyTest, PurgingAClosedIncidentRemovesItsMessagesAndToldState) {
  core::Incident closed = make_incident(1);
  closed.status = core::IncidentStatus::closed;
  closed.closed_at = at_ms(kBase + 100);
  apply_ok({make_update(closed), make_update(make_incident(2))});
  const auto seqs = enqueue_ok(
      *store_,
      {make_message("INC-1", "ops"), make_message("INC-1", "it"), make_message("INC-2", "ops")},
      {make_told("INC-1", core::Priority::P3), make_told("INC-2", core::Priority::P3)});
  ASSERT_EQ(seqs.size(), 3u);
  record_ok(*store_, make_attempt(seqs[1], DeliveryStatus::delivered));

  auto purged = store_->purge_closed(at_ms(kBase + 500), 10, at_ms(kBase + 1000), nullptr);
  ASSERT_TRUE(purged.ok()) << purged.error().message;
  EXPECT_EQ(*purged, 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notify_outbox"), 1);
  EXPECT_EQ(seqs_of(pending(*store_)), (std::vector<int64_t>{seqs[2]}));
  const auto told = told_ok(*store_);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].incident_id, "INC-2");
  auto v = store_->verify_audit();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
}

TEST_P(StoreNotifyTest, TextNoBackendCanHoldIsRefusedWithNothingWritten) {
  std::vector<OutboxMessage> messages = {make_message("INC-1", "ops"), make_message("INC-1", "it")};
  messages[1].body = std::string("bad \xff byte");
  auto seqs = store_->enqueue_notifications(messages, {});
  ASSERT_FALSE(seqs.ok());
  EXPECT_EQ(seqs.error().reason, "store_invalid_input");
  messages[1].body = std::string("nul \0 byte", 10);
  seqs = store_->enqueue_notifications(messages, {});
  ASSERT_FALSE(seqs.ok());
  EXPECT_EQ(seqs.error().reason, "store_invalid_input");
  EXPECT_EQ(count("SELECT COUNT(*) FROM notify_outbox"), 0);
}

}  // namespace

}  // namespace alertd::sinks::testing
