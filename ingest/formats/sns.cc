// The SNS HTTP(S) delivery envelope (reference/wire-formats.md §3): its
// fields as strings, for the route to verify the signature and dispatch on
// Type. The Message it carries is decoded by aws_message() (cloudtrail.cc).

#include <fmt/format.h>

#include "ingest/formats/aws.h"
#include "ingest/formats/common.h"

namespace alertd::ingest {

namespace {

namespace dom = simdjson::dom;

// HTTP delivery spells the URLs ...URL, Lambda's event ...Url: either.
std::string_view url_member(dom::element root, std::string_view http, std::string_view lambda) {
  auto v = detail::member_text(root, http);
  return v.empty() ? detail::member_text(root, lambda) : v;
}

bool read_envelope(dom::element root, SnsEnvelope& env, DecodeError& err) {
  const detail::Item item{"envelope", 0};
  using detail::member_text;
  env.type = member_text(root, "Type");
  env.message_id = member_text(root, "MessageId");
  env.topic_arn = member_text(root, "TopicArn");
  env.timestamp = member_text(root, "Timestamp");
  env.signature_version = member_text(root, "SignatureVersion");
  env.signature = member_text(root, "Signature");
  env.signing_cert_url = url_member(root, "SigningCertURL", "SigningCertUrl");
  env.subscribe_url = url_member(root, "SubscribeURL", "SubscribeUrl");
  env.unsubscribe_url = url_member(root, "UnsubscribeURL", "UnsubscribeUrl");
  env.token = member_text(root, "Token");
  std::string_view text;
  if (root["Message"].get_string().get(text)) {
    return detail::fail(err, reason::kWrongType, item, "Message is required and must be a string");
  }
  env.message = text;
  env.subject.reset();
  if (!root["Subject"].get_string().get(text)) env.subject = std::string(text);
  if (env.message_id.empty() || env.timestamp.empty() || env.topic_arn.empty()) {
    return detail::fail(err, reason::kWrongType, item,
                        "MessageId, Timestamp and TopicArn are required strings");
  }
  if (env.type != "Notification" && env.type != "SubscriptionConfirmation" &&
      env.type != "UnsubscribeConfirmation") {
    return detail::fail(err, reason::kWrongType, item,
                        fmt::format("Type {} is not an SNS message type", detail::quote(env.type)));
  }
  return true;
}

}  // namespace

bool Decoder::sns_envelope(std::string& body, bool& is_envelope, SnsEnvelope& envelope,
                           DecodeError& err) {
  is_envelope = false;
  dom::element root;
  if (!detail::prepare_body(body, limits_, err) ||
      !detail::parse_dom(state_->dom, detail::padded_body(body), limits_, {"body", 0}, root, err)) {
    return false;
  }
  // An envelope has Type and TopicArn; anything else is a raw delivery.
  if (!root.is_object() || root["Type"].error() || root["TopicArn"].error()) return true;
  is_envelope = true;
  return read_envelope(root, envelope, err);
}

}  // namespace alertd::ingest
