// Webhooks of other alerting tools (docs/sources.md): Alertmanager's webhook
// receiver, Grafana's webhook contact point and Splunk's webhook alert
// action. Each body is one document, taken all or nothing. Alertmanager
// retries 5xx only and Splunk never retries, so a bad body answers 4xx and
// pushback answers 429/503.

#include <boost/beast/http.hpp>

#include "api/ingest/routes.h"
#include "api/ingest/submit.h"

namespace alertd::api {

namespace {

namespace bhttp = boost::beast::http;

DocumentEndpoint webhook_endpoint(ingest::WebhookFlavor flavor) {
  const bool grafana = flavor == ingest::WebhookFlavor::grafana;
  return {grafana ? "grafana" : "alertmanager", grafana ? "grafana" : "alertmanager", "alert",
          [flavor](ingest::Decoder& decoder, Request& request, const ingest::DecodeContext& dc,
                   std::vector<core::Alert>& out) {
            return decoder.webhook(request.body(), dc, flavor, out);
          }};
}

}  // namespace

void add_webhook_routes(Router& router, ApiContext& ctx) {
  static const DocumentEndpoint alertmanager =
      webhook_endpoint(ingest::WebhookFlavor::alertmanager);
  static const DocumentEndpoint grafana = webhook_endpoint(ingest::WebhookFlavor::grafana);
  static const DocumentEndpoint splunk{
      "splunk", "splunk", "alert",
      [](ingest::Decoder& decoder, Request& request, const ingest::DecodeContext& dc,
         std::vector<core::Alert>& out) { return decoder.splunk_alert(request.body(), dc, out); }};
  auto route = [&ctx](const DocumentEndpoint& endpoint) {
    return [&ctx, &endpoint](RouteContext& rc, Responder responder) {
      ingest_document(ctx, rc.request, endpoint, std::move(responder));
    };
  };
  router.add_async(bhttp::verb::post, "/api/v1/ingest/alertmanager", route(alertmanager));
  // Grafana's webhook method is configurable: POST (default) or PUT.
  router.add_async(bhttp::verb::post, "/api/v1/ingest/grafana", route(grafana));
  router.add_async(bhttp::verb::put, "/api/v1/ingest/grafana", route(grafana));
  router.add_async(bhttp::verb::post, "/api/v1/ingest/splunk", route(splunk));
}

}  // namespace alertd::api
