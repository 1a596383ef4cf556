// CloudTrail, EventBridge, CloudWatch and SNS envelope decoding, from the
// wire-formats examples and the variations real senders produce.

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "ingest/formats/decoder.h"
#include "tests/unit/ingest/test_util.h"

namespace alertd::ingest {
namespace {

using test_util::at;
using test_util::context_at;

const std::string kRecord =
    R"({"eventVersion":"1.09","eventTime":"2026-01-01T00:05:12Z",
 "eventSource":"iam.amazonaws.com","eventName":"DeleteRolePolicy","awsRegion":"us-east-1",
 "sourceIPAddress":"203.0.113.40","userAgent":"aws-cli/2.15.0",
 "userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:ci","arn":"arn:aws:sts::111122223333:assumed-role/ci-deploy/ci",
   "accountId":"111122223333","accessKeyId":"ASIAEXAMPLE",
   "sessionContext":{"attributes":{"creationDate":"2026-01-01T00:00:00Z","mfaAuthenticated":"false"},
     "sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/ci-deploy","accountId":"111122223333","userName":"ci-deploy"}}},
 "errorCode":"AccessDenied","errorMessage":"User is not authorized to perform: iam:DeleteRolePolicy",
 "requestParameters":{"roleName":"prod-app","policyName":"inline-s3"},"responseElements":null,
 "requestID":"3f1c9a2e-0b7d-4c55-9e11-2a6b7c8d9e0f","eventID":"c2d4e6f8-1a3b-4c5d-8e9f-0a1b2c3d4e5f",
 "readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"})";

std::string label(const core::Alert& a, std::string_view name) {
  return std::string(a.labels.get(name).value_or("<none>"));
}
std::string annotation(const core::Alert& a, std::string_view name) {
  return std::string(a.annotations.get(name).value_or("<none>"));
}

class AwsTest : public ::testing::Test {
 protected:
  DecodeResult cloudtrail(std::string body) {
    out.clear();
    dropped = {};
    return decoder.cloudtrail(body, ctx, aws, dropped, out);
  }
  DecodeResult message(std::string body) {
    out.clear();
    dropped = {};
    return decoder.aws_message(body, ctx, aws, dropped, out);
  }
  Decoder decoder;
  DecodeContext ctx = context_at("2026-01-01T01:00:00Z");
  AwsContext aws;
  AwsDropped dropped;
  std::vector<core::Alert> out;
};

TEST_F(AwsTest, LogFileErrorRecordBecomesCloudTrailError) {
  auto r = cloudtrail(R"({"Records":[)" + kRecord + "]}");
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(out.size(), 1u);
  const auto& a = out[0];
  EXPECT_EQ(label(a, "alertname"), "CloudTrailError");
  EXPECT_EQ(label(a, "eventSource"), "iam.amazonaws.com");
  EXPECT_EQ(label(a, "eventName"), "DeleteRolePolicy");
  EXPECT_EQ(label(a, "awsRegion"), "us-east-1");
  EXPECT_EQ(label(a, "errorCode"), "AccessDenied");
  EXPECT_EQ(label(a, "principal"), "arn:aws:sts::111122223333:assumed-role/ci-deploy/ci");
  EXPECT_EQ(label(a, "account"), "111122223333");
  EXPECT_EQ(annotation(a, "errorMessage"),
            "User is not authorized to perform: iam:DeleteRolePolicy");
  EXPECT_EQ(annotation(a, "sourceIPAddress"), "203.0.113.40");
  EXPECT_EQ(annotation(a, "userAgent"), "aws-cli/2.15.0");
  EXPECT_EQ(annotation(a, "eventID"), "c2d4e6f8-1a3b-4c5d-8e9f-0a1b2c3d4e5f");
  EXPECT_EQ(a.source, "cloudtrail");
  EXPECT_EQ(a.status, core::AlertStatus::firing);
  EXPECT_EQ(a.starts_at, at("2026-01-01T00:05:12Z"));
  EXPECT_EQ(a.tenant, "team-a");
}

TEST_F(AwsTest, GzipLogFileByMagicBytes) {
  auto r = cloudtrail(test_util::gzipped(R"({"Records":[)" + kRecord + "," + kRecord + "]}"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(r.accepted, 2u);
}

TEST_F(AwsTest, GzipBombIsBodyTooLargeAfterInflation) {
  Limits limits;
  limits.max_body_bytes = 64 << 10;
  decoder = Decoder(limits);
  std::string big = R"({"Records":[)" + std::string(1 << 20, ' ') + "]}";
  auto r = cloudtrail(test_util::gzipped(big));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->reason, reason::kBodyTooLarge);
  EXPECT_TRUE(out.empty());
}

TEST_F(AwsTest, TruncatedGzipIsRefused) {
  auto packed = test_util::gzipped(R"({"Records":[)" + kRecord + "]}");
  packed.resize(packed.size() / 2);
  auto r = cloudtrail(packed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->reason, reason::kInvalidGzip);
}

TEST_F(AwsTest, TruncatedJsonIsInvalidJson) {
  auto r = cloudtrail(R"({"Records":[)" + kRecord.substr(0, 200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->reason, reason::kInvalidJson);
}

TEST_F(AwsTest, SingleRecordWithoutWrapper) {
  auto r = cloudtrail(kRecord);
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(label(out[0], "errorCode"), "AccessDenied");
}

TEST_F(AwsTest, EventBridgeDetailIsTheRecord) {
  auto r = cloudtrail(
      R"({"version":"0","id":"6f1e2d3c","detail-type":"AWS API Call via CloudTrail","source":"aws.iam",
      "account":"111122223333","time":"2026-01-01T00:05:12Z","region":"us-east-1","resources":[],
      "detail":{"eventVersion":"1.09","eventSource":"iam.amazonaws.com","eventName":"DeleteRolePolicy",
      "eventTime":"2026-01-01T00:05:12Z","awsRegion":"us-east-1","errorCode":"AccessDenied",
      "userIdentity":{"type":"IAMUser","userName":"alice","accountId":"111122223333"},
      "eventID":"e-1","eventType":"AwsApiCall"}})");
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(out.size(), 1u);
  // No arn: the user name names the principal; no recipientAccountId: the identity's account.
  EXPECT_EQ(label(out[0], "principal"), "alice");
  EXPECT_EQ(label(out[0], "account"), "111122223333");
}

TEST_F(AwsTest, RootWithoutArnAndAwsServiceIdentity) {
  auto r = cloudtrail(
      R"({"Records":[{"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy","errorCode":"X",
      "userIdentity":{"type":"Root","accountId":"222233334444"}},
      {"eventSource":"kms.amazonaws.com","eventName":"Decrypt","errorCode":"Y","responseElements":null,
      "userIdentity":{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}}]})");
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(label(out[0], "principal"), "arn:aws:iam::222233334444:root");
  EXPECT_EQ(label(out[0], "account"), "222233334444");
  EXPECT_EQ(label(out[1], "principal"), "lambda.amazonaws.com");
  EXPECT_EQ(label(out[1], "account"), "<none>");
  EXPECT_EQ(out[1].starts_at, ctx.now);  // no eventTime
}

TEST_F(AwsTest, UnicodeValuesSurvive) {
  auto r = cloudtrail(
      R"({"eventSource":"iam.amazonaws.com","eventName":"GetUser","errorCode":"NoSuchEntity",
      "errorMessage":"Benutzer \u00fcber \u2603 nicht gefunden","userIdentity":{"arn":"arn:aws:iam::1:user/j\u00f6rg"}})");
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(label(out[0], "principal"), "arn:aws:iam::1:user/j\xc3\xb6rg");
  EXPECT_EQ(annotation(out[0], "errorMessage"),
            "Benutzer \xc3\xbc"
            "ber \xe2\x98\x83 nicht gefunden");
}

TEST_F(AwsTest, RecordsWithoutErrorAreCountedAndDropped) {
  auto r = cloudtrail(R"({"Records":[{"eventSource":"s3.amazonaws.com","eventName":"GetObject"},)" +
                      kRecord + "]}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(dropped.records_ignored, 1u);
}

TEST_F(AwsTest, KeepMatchersKeepRecordsWithoutError) {
  std::vector<std::vector<core::Matcher>> keep;
  keep.push_back(
      core::parse_matchers(std::vector<std::string>{"eventName=\"ConsoleLogin\""}).value());
  aws.cloudtrail_keep = &keep;
  auto r = cloudtrail(
      R"({"Records":[{"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin"},
      {"eventSource":"s3.amazonaws.com","eventName":"GetObject"}]})");
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(label(out[0], "alertname"), "CloudTrailEvent");
  EXPECT_EQ(dropped.records_ignored, 1u);
}

TEST_F(AwsTest, WrongTypesAreRefusedAllOrNothing) {
  for (std::string body : {R"({"Records":[)" + kRecord + R"(,{"eventSource":7,"eventName":"x"}]})",
                           std::string(R"({"Records":[)") + kRecord + ",42]}",
                           std::string(R"("just a string")"), std::string(R"({"foo":1})")}) {
    auto r = cloudtrail(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error->reason, reason::kWrongType) << body;
    EXPECT_TRUE(out.empty());
  }
}

TEST_F(AwsTest, BadEventTimeIsInvalidTimestamp) {
  auto r =
      cloudtrail(R"({"eventSource":"a","eventName":"b","errorCode":"c","eventTime":"yesterday"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->reason, reason::kInvalidTimestamp);
}

const std::string kAlarm =
    R"J({"AlarmName":"api-5xx","AlarmDescription":null,"AWSAccountId":"111122223333","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 datapoint [42.0] was greater than the threshold (10.0).","StateChangeTime":"2026-01-01T00:05:12.345+0000","Region":"US East (N. Virginia)","AlarmArn":"arn:aws:cloudwatch:us-east-1:111122223333:alarm:api-5xx","OldStateValue":"OK","Trigger":{"MetricName":"HTTPCode_Target_5XX_Count","Namespace":"AWS/ApplicationELB","StatisticType":"Statistic","Statistic":"SUM","Unit":null,"Dimensions":[{"name":"LoadBalancer","value":"app/api/0f1e2d3c"}],"Period":60,"EvaluationPeriods":1,"ComparisonOperator":"GreaterThanThreshold","Threshold":10.0,"TreatMissingData":"missing","EvaluateLowSampleCountPercentile":""}})J";

std::string with_state(std::string alarm, std::string_view state) {
  alarm.replace(alarm.find("\"ALARM\""), 7, "\"" + std::string(state) + "\"");
  return alarm;
}

TEST_F(AwsTest, CloudWatchAlarmFires) {
  auto r = message(kAlarm);
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(out.size(), 1u);
  const auto& a = out[0];
  EXPECT_EQ(label(a, "alertname"), "api-5xx");
  EXPECT_EQ(label(a, "region"), "us-east-1");  // not the display name
  EXPECT_EQ(label(a, "account"), "111122223333");
  EXPECT_EQ(label(a, "namespace"), "AWS/ApplicationELB");
  EXPECT_EQ(label(a, "metric"), "HTTPCode_Target_5XX_Count");
  EXPECT_EQ(label(a, "LoadBalancer"), "app/api/0f1e2d3c");
  EXPECT_EQ(a.source, "cloudwatch");
  EXPECT_EQ(a.status, core::AlertStatus::firing);
  EXPECT_EQ(a.starts_at, at("2026-01-01T00:05:12.345Z"));  // colon-less offset
  EXPECT_EQ(annotation(a, "AlarmDescription"), "<none>");  // null
  EXPECT_NE(annotation(a, "NewStateReason"), "<none>");
}

TEST_F(AwsTest, CloudWatchOkResolvesSameFingerprint) {
  ASSERT_TRUE(message(kAlarm).ok());
  const auto firing = out[0].fingerprint;
  auto r = message(with_state(kAlarm, "OK"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(out[0].status, core::AlertStatus::resolved);
  EXPECT_EQ(out[0].ends_at, at("2026-01-01T00:05:12.345Z"));
  EXPECT_EQ(out[0].fingerprint, firing);
}

TEST_F(AwsTest, InsufficientDataFollowsThePolicy) {
  ASSERT_TRUE(message(with_state(kAlarm, "INSUFFICIENT_DATA")).ok());
  EXPECT_EQ(out.at(0).status, core::AlertStatus::firing);
  aws.insufficient_data = AwsContext::InsufficientData::resolved;
  ASSERT_TRUE(message(with_state(kAlarm, "INSUFFICIENT_DATA")).ok());
  EXPECT_EQ(out.at(0).status, core::AlertStatus::resolved);
  aws.insufficient_data = AwsContext::InsufficientData::ignore;
  ASSERT_TRUE(message(with_state(kAlarm, "INSUFFICIENT_DATA")).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(dropped.insufficient_data, 1u);
}

TEST_F(AwsTest, UnknownStateAndBadTimeAreRefused) {
  EXPECT_EQ(message(with_state(kAlarm, "PANIC")).error.value().reason, reason::kWrongType);
  std::string bad = kAlarm;
  bad.replace(bad.find("2026-01-01T00:05:12.345+0000"), 28, "not a time");
  EXPECT_EQ(message(bad).error.value().reason, reason::kInvalidTimestamp);
}

TEST_F(AwsTest, MetricMathAlarm) {
  auto r = message(
      R"J({"AlarmName":"error-rate","AWSAccountId":"1","NewStateValue":"ALARM",
      "AlarmArn":"arn:aws:cloudwatch:eu-west-1:1:alarm:error-rate","Region":"EU (Ireland)",
      "Trigger":{"Metrics":[{"Id":"e1","Expression":"m1/m2*100","ReturnData":true},
      {"Id":"m1","MetricStat":{"Metric":{"Namespace":"AWS/Lambda","MetricName":"Errors",
      "Dimensions":[{"name":"FunctionName","value":"api"}]},"Period":60,"Stat":"Sum"},"ReturnData":false}]}})J");
  ASSERT_TRUE(r.ok()) << r.error->message;
  const auto& a = out.at(0);
  EXPECT_EQ(label(a, "region"), "eu-west-1");
  EXPECT_EQ(label(a, "namespace"), "AWS/Lambda");
  EXPECT_EQ(label(a, "metric"), "Errors");
  EXPECT_EQ(label(a, "FunctionName"), "api");
  EXPECT_EQ(annotation(a, "expression.e1"), "m1/m2*100");
}

TEST_F(AwsTest, LogDeliveredPointerIsCountedAndIgnored) {
  auto r = message(R"({"s3Bucket":"trail","s3ObjectKey":["AWSLogs/1/x.json.gz"]})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(dropped.log_pointers, 1u);
}

TEST_F(AwsTest, SnsEnvelopeIsReadWithBothUrlSpellings) {
  std::string body =
      R"({"Type":"Notification","MessageId":"m-1","TopicArn":"arn:aws:sns:us-east-1:1:t",
      "Subject":"ALARM: \"api-5xx\"","Message":"{\"a\":\"b\\n\"}","Timestamp":"2026-01-01T00:05:12.400Z",
      "SignatureVersion":"2","Signature":"c2ln","SigningCertUrl":"https://sns.us-east-1.amazonaws.com/x.pem"})";
  bool is_envelope = false;
  SnsEnvelope env;
  DecodeError err;
  ASSERT_TRUE(decoder.sns_envelope(body, is_envelope, env, err)) << err.message;
  ASSERT_TRUE(is_envelope);
  EXPECT_EQ(env.type, "Notification");
  EXPECT_EQ(env.message, "{\"a\":\"b\\n\"}");
  EXPECT_EQ(env.subject.value_or(""), "ALARM: \"api-5xx\"");
  EXPECT_EQ(env.signing_cert_url, "https://sns.us-east-1.amazonaws.com/x.pem");
}

TEST_F(AwsTest, SnsRawDeliveryIsNotAnEnvelope) {
  std::string body = kAlarm;
  bool is_envelope = true;
  SnsEnvelope env;
  DecodeError err;
  ASSERT_TRUE(decoder.sns_envelope(body, is_envelope, env, err));
  EXPECT_FALSE(is_envelope);
}

TEST_F(AwsTest, SnsEnvelopeWithoutMessageOrWithBadTypeIsRefused) {
  for (
      std::string body :
      {std::string(R"({"Type":"Notification","MessageId":"m","TopicArn":"t","Timestamp":"x"})"),
       std::string(
           R"({"Type":"Notification","MessageId":"m","TopicArn":"t","Timestamp":"x","Message":{}})"),
       std::string(
           R"({"Type":"Bogus","MessageId":"m","TopicArn":"t","Timestamp":"x","Message":""})")}) {
    bool is_envelope = false;
    SnsEnvelope env;
    DecodeError err;
    EXPECT_FALSE(decoder.sns_envelope(body, is_envelope, env, err)) << body;
    EXPECT_EQ(err.reason, reason::kWrongType);
  }
}

}  // namespace
}  // namespace alertd::ingest
