// CloudWatch alarm state changes, as an alarm's SNS notification carries
// them (reference/wire-formats.md §3): ALARM fires, OK resolves,
// INSUFFICIENT_DATA as `sources.sns.insufficient_data` says. The region is
// the code in AlarmArn (the message's Region is a display name).

#include <fmt/format.h>

#include "ingest/formats/aws.h"
#include "ingest/formats/common.h"

namespace alertd::ingest::detail {

namespace {

// Field `n` (0-based) of an ARN: arn:partition:service:region:account:...
std::string_view arn_field(std::string_view arn, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return {};
    arn.remove_prefix(colon + 1);
  }
  return arn.substr(0, arn.find(':'));
}

// `Dimensions` ([{"name":..,"value":..}]) as labels; CloudWatch spells the
// keys in lower case, the API in upper: both are read.
bool dimension_labels(dom::element dimensions, AlertBuilder& b, DecodeError& err) {
  dom::array list;
  if (dimensions.get_array().get(list)) return true;
  for (dom::element d : list) {
    auto name = member_text(d, "name");
    if (name.empty()) name = member_text(d, "Name");
    auto value = member_text(d, "value");
    if (value.empty()) value = member_text(d, "Value");
    if (!name.empty() && !b.label(name, value, err)) return false;
  }
  return true;
}

// A metric-math alarm names its metrics in Metrics[]: the first with a
// MetricStat gives namespace, metric and dimensions; expressions are text.
bool metric_math(dom::array metrics, AlertBuilder& b, DecodeError& err) {
  for (dom::element m : metrics) {
    dom::element metric;
    if (!m["MetricStat"]["Metric"].get(metric) && !b.has_label("metric")) {
      if (!b.label("namespace", member_text(metric, "Namespace"), err) ||
          !b.label("metric", member_text(metric, "MetricName"), err)) {
        return false;
      }
      if (dom::element dims; !metric["Dimensions"].get(dims) && !dimension_labels(dims, b, err)) {
        return false;
      }
    }
    if (auto expr = member_text(m, "Expression"); !expr.empty()) {
      if (!b.annotation(fmt::format("expression.{}", member_text(m, "Id")), expr, err)) {
        return false;
      }
    }
  }
  return true;
}

bool trigger_labels(dom::element alarm, AlertBuilder& b, DecodeError& err) {
  dom::element trigger;
  if (alarm["Trigger"].get(trigger) || !trigger.is_object()) return true;
  if (dom::array metrics; !trigger["Metrics"].get_array().get(metrics)) {
    return metric_math(metrics, b, err);
  }
  if (!b.label("namespace", member_text(trigger, "Namespace"), err) ||
      !b.label("metric", member_text(trigger, "MetricName"), err)) {
    return false;
  }
  dom::element dims;
  return trigger["Dimensions"].get(dims) || dimension_labels(dims, b, err);
}

bool alarm_labels(dom::element alarm, AlertBuilder& b, DecodeError& err) {
  const auto arn = member_text(alarm, "AlarmArn");
  auto account = member_text(alarm, "AWSAccountId");
  if (account.empty()) account = arn_field(arn, 4);
  return b.label("alertname", member_text(alarm, "AlarmName"), err) &&
         b.label("region", arn_field(arn, 3), err) && b.label("account", account, err) &&
         trigger_labels(alarm, b, err);
}

bool alarm_annotations(dom::element alarm, AlertBuilder& b, DecodeError& err) {
  for (std::string_view key : {"NewStateReason", "AlarmDescription", "AlarmArn", "OldStateValue"}) {
    if (!b.annotation(key, member_text(alarm, key), err)) return false;
  }
  return b.annotation("summary", member_text(alarm, "NewStateReason"), err);
}

}  // namespace

bool decode_alarm(dom::element alarm, const DecodeContext& ctx, const AwsContext& aws,
                  const Limits& limits, const Item& item, AwsDropped& dropped,
                  std::vector<core::Alert>& out, DecodeError& err) {
  const auto state = member_text(alarm, "NewStateValue");
  core::AlertStatus status = core::AlertStatus::firing;
  if (state == "OK") {
    status = core::AlertStatus::resolved;
  } else if (state == "INSUFFICIENT_DATA") {
    using Mode = AwsContext::InsufficientData;
    if (aws.insufficient_data == Mode::ignore) {
      ++dropped.insufficient_data;
      return true;
    }
    if (aws.insufficient_data == Mode::resolved) status = core::AlertStatus::resolved;
  } else if (state != "ALARM") {
    return fail(
        err, reason::kWrongType, item,
        fmt::format("NewStateValue {} is not ALARM, OK or INSUFFICIENT_DATA", quote(state)));
  }
  core::TimePoint when = ctx.now;
  if (auto text = member_text(alarm, "StateChangeTime"); !text.empty()) {
    auto parsed = aws_time(text);
    if (!parsed) {
      return fail(err, reason::kInvalidTimestamp, item,
                  fmt::format("StateChangeTime {} is not a time", quote(text)));
    }
    when = *parsed;
  }
  AlertBuilder b(limits, item);
  if (!alarm_labels(alarm, b, err) || !alarm_annotations(alarm, b, err)) return false;
  core::Alert& alert = out.emplace_back();
  if (!b.finish(alert, ctx, err)) {
    out.pop_back();
    return false;
  }
  alert.source = "cloudwatch";
  alert.status = status;
  (status == core::AlertStatus::firing ? alert.starts_at : alert.ends_at) = when;
  return true;
}

}  // namespace alertd::ingest::detail
