#include "api/silences/create.h"

#include <spdlog/spdlog.h>

#include <string>

#include "sinks/store/store.h"

namespace alertd::api {

namespace {

/// limits.max_silences as in force: a reload may change it.
size_t max_silences(const ApiContext& ctx) {
  auto* engine = ctx.pipeline.load(std::memory_order_acquire);
  return engine != nullptr ? engine->settings()->limits.max_silences
                           : ctx.config.limits.max_silences;
}

}  // namespace

std::variant<core::Silence, Refusal> create_silence(ApiContext& ctx, sinks::Store& store,
                                                    core::Silence silence, core::TimePoint now) {
  auto unended = store.count_unended_silences(now);
  if (!unended) return Refusal{503, "store_unavailable", unended.error().message};
  const size_t limit = max_silences(ctx);
  if (static_cast<uint64_t>(*unended) >= limit) {
    return Refusal{429, "silence_limit",
                   std::to_string(*unended) + " silences are active or pending, limit " +
                       std::to_string(limit) +
                       " (limits.max_silences): expire some, or wait for them to end"};
  }
  auto created = store.create_silence(std::move(silence));
  if (!created) {
    if (created.error().reason == "store_invalid_input") {
      return Refusal{400, "invalid_silence", created.error().message};
    }
    return Refusal{503, "store_unavailable", created.error().message};
  }
  if (ctx.silences_changed) ctx.silences_changed();
  // {:?} quotes and escapes: without auth the tenant is the client's text.
  spdlog::info("silence {} created by {} for tenant {:?}", created->id, created->created_by,
               created->tenant);
  return std::move(*created);
}

}  // namespace alertd::api
