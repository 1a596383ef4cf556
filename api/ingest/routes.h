#pragma once
// The ingest routes of each source, one file each (docs/sources.md), added
// by add_ingest_routes() (api_context.h).

#include <optional>

#include "api/api_context.h"
#include "api/router.h"

namespace alertd::api {

/// 415 for a body declared as something that is not JSON or text (counted
/// as unsupported_media_type for `source`); nullopt when it may be decoded.
std::optional<Response> refuse_media_type(ApiContext& ctx, const Request& request,
                                          std::string_view source);

/// Alertmanager and Grafana webhooks, the Splunk alert webhook
/// (webhook_routes.cc).
void add_webhook_routes(Router& router, ApiContext& ctx);

/// PagerDuty Events API v2 in (pagerduty_routes.cc).
void add_pagerduty_routes(Router& router, ApiContext& ctx);

/// Splunk HEC: event, raw, health and ack (hec_routes.cc).
void add_hec_routes(Router& router, ApiContext& ctx);

/// CloudTrail/EventBridge and SNS/CloudWatch (aws_routes.cc).
void add_aws_routes(Router& router, ApiContext& ctx);

}  // namespace alertd::api
