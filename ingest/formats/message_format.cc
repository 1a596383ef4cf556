#include "ingest/formats/message_format.h"

#include <algorithm>
#include <iterator>

#include "ingest/formats/pagerduty_keys.h"

namespace alertd::ingest {

namespace {

// Generic messages: one object or an array is JSON; anything else (several
// lines) is NDJSON, as kcat and log shippers write batches.
bool looks_like_ndjson(std::string_view body) {
  auto start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  auto end = body.find_last_not_of(" \t\r\n");
  auto newline = body.find('\n', start);
  return body[start] == '{' && newline != std::string_view::npos && newline < end;
}

DecodeResult decode_sns(Decoder& decoder, std::string& body, const DecodeContext& ctx,
                        const AwsContext& aws, AwsDropped& dropped, std::vector<core::Alert>& out) {
  bool is_envelope = false;
  SnsEnvelope envelope;
  DecodeError err;
  if (!decoder.sns_envelope(body, is_envelope, envelope, err)) return DecodeResult{0, 0, err};
  // Kafka carries what a subscriber already received: no signature to check.
  if (!is_envelope) return decoder.aws_message(body, ctx, aws, dropped, out);
  if (envelope.type != "Notification") return DecodeResult{};
  return decoder.aws_message(envelope.message, ctx, aws, dropped, out);
}

DecodeResult decode_pagerduty(Decoder& decoder, std::string& body, const DecodeContext& ctx,
                              std::vector<core::Alert>& out) {
  PagerDutyEvent event;
  const size_t before = out.size();
  auto result = decoder.pagerduty(body, ctx, event, out);
  if (result.error || out.size() == before) return result;
  if (!address_pagerduty_alert(event, out.back())) {
    out.pop_back();
    result.accepted = 0;
  }
  return result;
}

DecodeResult decode_one(Decoder& decoder, MessageFormat format, std::string& body,
                        const DecodeContext& ctx, const MessageContext& mctx, AwsDropped& dropped,
                        std::vector<core::Alert>& out) {
  using F = MessageFormat;
  switch (format) {
    case F::generic:
      return looks_like_ndjson(body) ? decoder.generic_ndjson(body, ctx, out)
                                     : decoder.generic_json(body, ctx, out);
    case F::alertmanager: return decoder.alertmanager_v2(body, ctx, out);
    case F::alertmanager_webhook:
      return decoder.webhook(body, ctx, WebhookFlavor::alertmanager, out);
    case F::grafana: return decoder.webhook(body, ctx, WebhookFlavor::grafana, out);
    case F::cloudtrail:
    case F::eventbridge: return decoder.cloudtrail(body, ctx, mctx.aws, dropped, out);
    case F::sns: return decode_sns(decoder, body, ctx, mctx.aws, dropped, out);
    case F::splunk_hec: return decoder.hec_events(body, ctx, mctx.hec, out);
    case F::pagerduty: return decode_pagerduty(decoder, body, ctx, out);
  }
  return DecodeResult{};
}

}  // namespace

std::optional<MessageFormat> parse_message_format(std::string_view name) {
  auto it = std::find(std::begin(kMessageFormatNames), std::end(kMessageFormatNames), name);
  if (it == std::end(kMessageFormatNames)) return std::nullopt;
  return static_cast<MessageFormat>(it - std::begin(kMessageFormatNames));
}

std::string_view to_string(MessageFormat format) {
  return kMessageFormatNames[static_cast<size_t>(format)];
}

DecodeResult decode_message(Decoder& decoder, MessageFormat format, std::string& body,
                            const DecodeContext& ctx, const MessageContext& mctx,
                            AwsDropped& dropped, std::vector<core::Alert>& out) {
  const size_t before = out.size();
  auto result = decode_one(decoder, format, body, ctx, mctx, dropped, out);
  if (result.error) out.resize(before);
  return result;
}

}  // namespace alertd::ingest
