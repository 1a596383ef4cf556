#pragma once
// Formats named in configuration (kafka.topics[].format): one message body in
// a named format -> alerts, through the same decoders the HTTP routes use.
// A message is one document, all or nothing, like an HTTP request body.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {

enum class MessageFormat {
  generic,               // one generic event, an array of them, or NDJSON lines
  alertmanager,          // POST /api/v2/alerts: an array of postableAlert
  alertmanager_webhook,  // Alertmanager's webhook payload (version "4")
  grafana,               // Grafana's webhook payload
  cloudtrail,            // a CloudTrail log file or record
  eventbridge,           // an EventBridge event (CloudTrail record in `detail`)
  sns,                   // an SNS envelope, or the message SNS carries (raw delivery)
  splunk_hec,            // HEC event objects, one after another
  pagerduty,             // one Events API v2 event
};

/// The names configuration uses, in enum order.
inline constexpr std::string_view kMessageFormatNames[] = {
    "generic",     "alertmanager", "alertmanager-webhook", "grafana",  "cloudtrail",
    "eventbridge", "sns",          "splunk-hec",           "pagerduty"};

std::optional<MessageFormat> parse_message_format(std::string_view name);
std::string_view to_string(MessageFormat format);

/// What some formats need beyond the decode context: views into the settings.
struct MessageContext {
  AwsContext aws;  // cloudtrail, eventbridge, sns
  HecContext hec;  // splunk-hec
};

/// Decodes one message body. All or nothing: on an error `out` is left as
/// it was. PagerDuty acknowledge and resolve events are given their
/// trigger's labels (pagerduty_keys.h); one whose key is not known appends
/// nothing and is not an error. `dropped` counts what the AWS formats leave
/// out on purpose.
DecodeResult decode_message(Decoder& decoder, MessageFormat format, std::string& body,
                            const DecodeContext& ctx, const MessageContext& mctx,
                            AwsDropped& dropped, std::vector<core::Alert>& out);

}  // namespace alertd::ingest
