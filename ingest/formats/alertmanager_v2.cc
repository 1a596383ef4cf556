// Alertmanager API v2 ingestion (`POST /api/v2/alerts`): how Prometheus sends
// alerts. See reference/wire-formats.md §4: a JSON array of postableAlert;
// firing vs resolved is decided by endsAt <= now, and Prometheus re-sends the
// same alert every resend delay, so decoding must be cheap and idempotent.

#include <fmt/format.h>

#include <algorithm>

#include "ingest/formats/common.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {

namespace {

using detail::Item;

// Fields of one postableAlert are at depth 3: root array, alert object, field.
constexpr size_t kFieldDepth = 3;

struct AmTimes {
  core::TimePoint starts = core::kNoTime;
  core::TimePoint ends = core::kNoTime;
};

// Mirrors Alertmanager's API: no endsAt -> a lease of resolve_timeout; endsAt
// at or before now -> resolved. A missing startsAt is now (or endsAt when that
// is earlier, so that starts_at <= ends_at always holds).
bool apply_times(const AmTimes& t, const DecodeContext& ctx, const Item& item, core::Alert& alert,
                 DecodeError& err) {
  if (t.ends == core::kNoTime) {
    alert.status = core::AlertStatus::firing;
    alert.ends_at = ctx.now + ctx.resolve_timeout;
    alert.starts_at = t.starts != core::kNoTime ? t.starts : ctx.now;
    return true;
  }
  if (t.starts != core::kNoTime && t.ends < t.starts) {
    return detail::fail(err, reason::kInvalidTimestamp, item,
                        fmt::format("endsAt {} is before startsAt {}", core::format_rfc3339(t.ends),
                                    core::format_rfc3339(t.starts)));
  }
  alert.status = t.ends <= ctx.now ? core::AlertStatus::resolved : core::AlertStatus::firing;
  alert.ends_at = t.ends;
  alert.starts_at = t.starts != core::kNoTime ? t.starts : std::min(t.ends, ctx.now);
  return true;
}

bool decode_alert(od::object& object, const Item& item, Decoder::State& state, const Limits& limits,
                  const DecodeContext& ctx, core::Alert& alert, DecodeError& err) {
  bool has_labels = false;
  bool has_annotations = false;
  AmTimes times;
  for (auto entry : object) {
    // Used in place: copying simdjson's result out costs a store-forwarding stall.
    if (auto code = entry.error()) return detail::json_fail(err, code, item, "");
    od::field& field = entry.value_unsafe();
    std::string_view key;
    if (!detail::read_key(field, item, key, err)) return false;
    od::value& value = field.value();
    bool ok = true;
    if (key == "labels") {
      has_labels = true;
      ok = detail::read_string_map(value, detail::MapKind::labels, limits, item, state.labels, err);
    } else if (key == "annotations") {
      has_annotations = true;
      ok = detail::read_string_map(value, detail::MapKind::annotations, limits, item,
                                   state.annotations, err);
    } else if (key == "startsAt") {
      ok = detail::read_time(value, item, key, false, times.starts, err);
    } else if (key == "endsAt") {
      ok = detail::read_time(value, item, key, false, times.ends, err);
    } else if (key == "generatorURL") {
      std::string_view url;
      ok = detail::read_string(value, item, key, url, err);
      if (ok && url.size() > limits.max_annotation_value_bytes) {
        return detail::fail(err, reason::kAnnotationTooLong, item,
                            fmt::format("generatorURL is {} bytes, limit {}", url.size(),
                                        limits.max_annotation_value_bytes));
      }
      alert.generator_url.assign(url);
    } else {
      ok = detail::skip_unknown(value, kFieldDepth, limits, item, key, err);
    }
    if (!ok) return false;
  }
  if (!has_labels) return detail::fail(err, reason::kMissingLabels, item, "labels are required");
  detail::store_map(state.labels, alert.labels);
  if (has_annotations) detail::store_map(state.annotations, alert.annotations);
  if (!apply_times(times, ctx, item, alert, err)) return false;
  alert.source = "prometheus";
  detail::finish_alert(alert, ctx);
  return true;
}

}  // namespace

DecodeResult Decoder::alertmanager_v2(std::string& body, const DecodeContext& ctx,
                                      std::vector<core::Alert>& out) {
  DecodeResult result;
  DecodeError err;
  auto failed = [&]() {
    result.error = std::move(err);
    return result;
  };
  const Item body_item{"body", 0};
  od::document doc;
  od::json_type type = od::json_type::null;
  od::array array;
  if (!detail::open_body(state_->parser, body, limits_, body_item, doc, type, err)) {
    return failed();
  }
  if (type != od::json_type::array) {
    detail::fail(err, reason::kWrongType, body_item,
                 fmt::format("must be a JSON array of alerts, got {}", detail::type_name(type)));
    return failed();
  }
  if (auto code = doc.get_array().get(array)) {
    detail::json_fail(err, code, body_item, "");
    return failed();
  }
  auto decode_one = [&](od::object& object, const Item& item, core::Alert& alert,
                        DecodeError& error) {
    return decode_alert(object, item, *state_, limits_, ctx, alert, error);
  };
  if (!detail::decode_items(array, "alert", limits_, out, result, err, decode_one)) {
    return failed();
  }
  if (!detail::check_trailing(doc, Item{"body", result.accepted}, err)) return failed();
  return result;
}

}  // namespace alertd::ingest
