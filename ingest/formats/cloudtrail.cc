// CloudTrail records (reference/wire-formats.md §3), as log files, single
// records, EventBridge events, or inside SNS: a record with errorCode is a
// firing CloudTrailError alert; one without is dropped (and counted) unless
// `sources.cloudtrail.keep` matches it. Also the dispatcher that tells the
// AWS message kinds apart (aws_message), as SNS and raw delivery need it.

#include <fmt/format.h>

#include "core/time.h"
#include "ingest/formats/aws.h"
#include "ingest/formats/common.h"
#include "ingest/formats/gzip.h"

namespace alertd::ingest {

namespace detail {

std::string_view member_text(dom::element e, std::string_view key) {
  std::string_view value;
  if (e[key].get_string().get(value)) return {};
  return value;
}

std::optional<core::TimePoint> aws_time(std::string_view text) {
  // "+0000" / "-0530" at the end: put the colon RFC 3339 wants.
  const size_t n = text.size();
  if (n > 5 && (text[n - 5] == '+' || text[n - 5] == '-') &&
      text.substr(n - 4).find_first_not_of("0123456789") == std::string_view::npos) {
    std::string fixed(text.substr(0, n - 2));
    fixed.push_back(':');
    fixed.append(text.substr(n - 2));
    return core::parse_rfc3339(fixed);
  }
  return core::parse_rfc3339(text);
}

}  // namespace detail

namespace {

namespace dom = simdjson::dom;
using detail::AlertBuilder;
using detail::Item;
using detail::member_text;

// Who made the call: the identity's ARN (for an assumed role the session
// ARN), else what each identity type has instead.
std::string principal_of(dom::element identity) {
  if (auto arn = member_text(identity, "arn"); !arn.empty()) return std::string(arn);
  const auto type = member_text(identity, "type");
  const auto account = member_text(identity, "accountId");
  if (type == "Root" && !account.empty()) return fmt::format("arn:aws:iam::{}:root", account);
  if (auto by = member_text(identity, "invokedBy"); !by.empty()) return std::string(by);
  if (dom::element issuer; !identity["sessionContext"]["sessionIssuer"].get(issuer)) {
    if (auto arn = member_text(issuer, "arn"); !arn.empty()) return std::string(arn);
  }
  for (std::string_view key : {"principalId", "userName"}) {
    if (auto v = member_text(identity, key); !v.empty()) return std::string(v);
  }
  return std::string(type);
}

bool record_labels(dom::element record, AlertBuilder& b, DecodeError& err) {
  for (std::string_view key : {"eventSource", "eventName", "awsRegion", "errorCode"}) {
    if (!b.label(key, member_text(record, key), err)) return false;
  }
  dom::element identity;
  const bool has_identity = !record["userIdentity"].get(identity) && identity.is_object();
  if (has_identity && !b.label("principal", principal_of(identity), err)) return false;
  auto account = member_text(record, "recipientAccountId");
  if (account.empty() && has_identity) account = member_text(identity, "accountId");
  return b.label("account", account, err);
}

bool record_annotations(dom::element record, AlertBuilder& b, DecodeError& err) {
  for (std::string_view key :
       {"errorMessage", "sourceIPAddress", "userAgent", "eventID", "eventType"}) {
    if (!b.annotation(key, member_text(record, key), err)) return false;
  }
  return true;
}

bool kept(const AwsContext& aws, const core::LabelSet& labels) {
  if (aws.cloudtrail_keep == nullptr) return false;
  for (const auto& matchers : *aws.cloudtrail_keep) {
    if (core::matches_all(matchers, labels)) return true;
  }
  return false;
}

// One record (an object with eventSource and eventName) into `out`.
bool decode_record(dom::element record, const DecodeContext& ctx, const AwsContext& aws,
                   const Limits& limits, const Item& item, AwsDropped& dropped,
                   std::vector<core::Alert>& out, DecodeError& err) {
  if (!record.is_object() || member_text(record, "eventSource").empty() ||
      member_text(record, "eventName").empty()) {
    return detail::fail(err, reason::kWrongType, item,
                        "not a CloudTrail record: eventSource and eventName strings are required");
  }
  const bool error = !member_text(record, "errorCode").empty();
  AlertBuilder b(limits, item);
  if (!b.label("alertname", error ? "CloudTrailError" : "CloudTrailEvent", err) ||
      !record_labels(record, b, err) || !record_annotations(record, b, err)) {
    return false;
  }
  core::TimePoint starts = ctx.now;
  if (auto text = member_text(record, "eventTime"); !text.empty()) {
    auto parsed = core::parse_rfc3339(text);
    if (!parsed) {
      return detail::fail(err, reason::kInvalidTimestamp, item,
                          fmt::format("eventTime {} is not an RFC 3339 time", detail::quote(text)));
    }
    starts = *parsed;
  }
  core::Alert& alert = out.emplace_back();
  if (!b.finish(alert, ctx, err)) {
    out.pop_back();
    return false;
  }
  if (!error && !kept(aws, alert.labels)) {
    out.pop_back();
    ++dropped.records_ignored;
    return true;
  }
  alert.source = "cloudtrail";
  alert.status = core::AlertStatus::firing;
  alert.starts_at = starts;
  return true;
}

bool decode_records(dom::array records, const DecodeContext& ctx, const AwsContext& aws,
                    const Limits& limits, AwsDropped& dropped, std::vector<core::Alert>& out,
                    DecodeError& err) {
  size_t index = 0;
  for (dom::element record : records) {
    const Item item{"record", index};
    if (index == limits.max_alerts_per_request) return detail::too_many_alerts(limits, item, err);
    if (!decode_record(record, ctx, aws, limits, item, dropped, out, err)) return false;
    ++index;
  }
  return true;
}

bool is_pointer(dom::element root) {
  return !member_text(root, "s3Bucket").empty() && !root["s3ObjectKey"].error();
}

// Any AWS document we know, by its keys.
bool decode_aws_root(dom::element root, const DecodeContext& ctx, const AwsContext& aws,
                     const Limits& limits, AwsDropped& dropped, std::vector<core::Alert>& out,
                     DecodeError& err) {
  const Item item{"message", 0};
  if (!root.is_object()) {
    return detail::fail(err, reason::kWrongType, item, "expected a JSON object");
  }
  if (dom::array records; !root["Records"].get_array().get(records)) {
    return decode_records(records, ctx, aws, limits, dropped, out, err);
  }
  if (dom::element event_detail; !root["detail"].get(event_detail)) {
    return decode_record(event_detail, ctx, aws, limits, Item{"detail", 0}, dropped, out, err);
  }
  if (!member_text(root, "AlarmName").empty()) {
    return detail::decode_alarm(root, ctx, aws, limits, item, dropped, out, err);
  }
  if (is_pointer(root)) {
    ++dropped.log_pointers;
    return true;
  }
  return decode_record(root, ctx, aws, limits, item, dropped, out, err);
}

DecodeResult finish_result(bool ok, size_t before, std::vector<core::Alert>& out,
                           DecodeError& err) {
  DecodeResult result;
  if (!ok) {
    out.resize(before);  // all or nothing
    result.error = std::move(err);
    return result;
  }
  result.accepted = out.size() - before;
  return result;
}

}  // namespace

DecodeResult Decoder::cloudtrail(std::string& body, const DecodeContext& ctx, const AwsContext& aws,
                                 AwsDropped& dropped, std::vector<core::Alert>& out) {
  if (looks_gzipped(body)) {
    thread_local std::string inflated;
    DecodeError err;
    if (!gunzip(body, limits_.max_body_bytes, inflated, err)) {
      DecodeResult failed;
      failed.error = std::move(err);
      return failed;
    }
    body.swap(inflated);
  }
  return aws_message(body, ctx, aws, dropped, out);
}

DecodeResult Decoder::aws_message(std::string& message, const DecodeContext& ctx,
                                  const AwsContext& aws, AwsDropped& dropped,
                                  std::vector<core::Alert>& out) {
  DecodeError err;
  const size_t before = out.size();
  const Item body_item{"body", 0};
  dom::element root;
  if (!detail::prepare_body(message, limits_, err) ||
      !detail::parse_dom(state_->dom, detail::padded_body(message), limits_, body_item, root,
                         err)) {
    return finish_result(false, before, out, err);
  }
  const bool ok = decode_aws_root(root, ctx, aws, limits_, dropped, out, err);
  return finish_result(ok, before, out, err);
}

}  // namespace alertd::ingest
