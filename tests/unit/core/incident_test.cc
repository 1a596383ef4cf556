#include "core/incident.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/alert.h"

namespace alertd::core {
namespace {

TEST(IncidentId, FormatAndParse) {
  EXPECT_EQ(incident_id(42), "INC-42");
  EXPECT_EQ(parse_incident_id("INC-42"), 42);
  for (int64_t seq : {int64_t{1}, int64_t{999999}, std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(parse_incident_id(incident_id(seq)), seq);
  }
}

TEST(IncidentId, RejectsMalformed) {
  for (const char* s : {"", "INC-", "INC-0", "INC--1", "INC-+1", "INC-1x", "INC- 1", "inc-1",
                        "INC1", "42", "INC-99999999999999999999"}) {
    EXPECT_FALSE(parse_incident_id(s)) << s;
  }
}

TEST(IncidentStatusNames, RoundTrip) {
  const IncidentStatus all[] = {IncidentStatus::open,      IncidentStatus::in_progress,
                                IncidentStatus::escalated, IncidentStatus::pending_vendor,
                                IncidentStatus::resolved,  IncidentStatus::closed};
  const char* names[] = {"open",           "in_progress", "escalated",
                         "pending_vendor", "resolved",    "closed"};
  for (size_t i = 0; i < std::size(all); ++i) {
    EXPECT_EQ(to_string(all[i]), names[i]);
    EXPECT_EQ(parse_incident_status(names[i]), all[i]);
  }
  EXPECT_FALSE(parse_incident_status("Open"));
  EXPECT_FALSE(parse_incident_status("acknowledged"));
  EXPECT_FALSE(parse_incident_status(""));
}

TEST(IncidentStatusNames, ActiveMeansNotResolvedOrClosed) {
  EXPECT_TRUE(is_active(IncidentStatus::open));
  EXPECT_TRUE(is_active(IncidentStatus::in_progress));
  EXPECT_TRUE(is_active(IncidentStatus::escalated));
  EXPECT_TRUE(is_active(IncidentStatus::pending_vendor));
  EXPECT_FALSE(is_active(IncidentStatus::resolved));
  EXPECT_FALSE(is_active(IncidentStatus::closed));
}

TEST(PriorityNames, RoundTrip) {
  for (auto p : {Priority::P1, Priority::P2, Priority::P3, Priority::P4}) {
    EXPECT_EQ(parse_priority(to_string(p)), p);
  }
  EXPECT_EQ(to_string(Priority::P1), "P1");
  EXPECT_EQ(parse_priority("p2"), Priority::P2);  // case-insensitive prefix
  for (const char* s : {"", "P", "P0", "P5", "P12", "1", "X1"}) {
    EXPECT_FALSE(parse_priority(s)) << s;
  }
}

TEST(AlertChangeNames, Distinct) {
  EXPECT_EQ(to_string(AlertChange::firing), "firing");
  EXPECT_EQ(to_string(AlertChange::resolved), "resolved");
  EXPECT_EQ(to_string(AlertChange::touch), "touch");
}

TEST(AlertStatusNames, RoundTrip) {
  for (auto s : {AlertStatus::firing, AlertStatus::resolved}) {
    EXPECT_EQ(parse_alert_status(to_string(s)), s);
  }
  EXPECT_FALSE(parse_alert_status("Firing"));
}

TEST(MetricSource, UnknownSourcesCountAsGeneric) {
  EXPECT_EQ(metric_source("splunk"), "splunk");
  EXPECT_EQ(metric_source("cloudwatch"), "cloudwatch");
  EXPECT_EQ(metric_source("my-custom-tool"), "generic");
  EXPECT_EQ(metric_source(""), "generic");
}

TEST(AlertEventTime, PicksTheRelevantTimestamp) {
  Alert a;
  a.received_at = from_unix_millis(3000);
  EXPECT_EQ(a.event_time(), from_unix_millis(3000));  // nothing announced
  a.starts_at = from_unix_millis(1000);
  a.ends_at = from_unix_millis(2000);
  EXPECT_EQ(a.event_time(), from_unix_millis(1000));  // firing: starts_at
  a.status = AlertStatus::resolved;
  EXPECT_EQ(a.event_time(), from_unix_millis(2000));  // resolved: ends_at
  a.ends_at = kNoTime;
  EXPECT_EQ(a.event_time(), from_unix_millis(3000));
}

}  // namespace
}  // namespace alertd::core
