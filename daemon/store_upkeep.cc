#include "daemon/store_upkeep.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "correlator/problems/recurrence.h"
#include "sinks/archive/incident_archive.h"

namespace alertd::daemon {

namespace {

// Checks waiting after failures are bounded; beyond it the oldest are given
// up (their group keys catch up at their next incident).
constexpr size_t kMaxPendingChecks = 100000;
constexpr core::Duration kFirstBackoff = std::chrono::seconds(1);
constexpr core::Duration kMaxBackoff = std::chrono::seconds(30);
constexpr core::Duration kPurgeRetry = std::chrono::minutes(1);

bool opened_incident(const core::IncidentUpdate& u) {
  return std::any_of(u.audit.begin(), u.audit.end(),
                     [](const core::AuditEntry& e) { return e.action == "create"; });
}

}  // namespace

void StoreUpkeep::committed(std::span<const core::IncidentUpdate> writes,
                            const core::ProblemPolicy& policy, core::TimePoint now) {
  if (!policy.enabled()) return;
  const size_t before = pending_.size();
  for (const auto& w : writes) {
    if (!opened_incident(w)) continue;
    const auto& i = w.incident;
    pending_.push_back({i.seq, i.id, i.tenant, i.group_key, i.title, i.opened_at});
  }
  if (pending_.size() == before) return;
  if (pending_.size() > kMaxPendingChecks) {
    const size_t dropped = pending_.size() - kMaxPendingChecks;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(dropped));
    spdlog::warn("problems: gave up the recurrence check of {} incidents after store failures",
                 dropped);
  }
  // While a failed check backs off, new incidents wait with it (in order).
  if (retry_check_at_ == core::kNoTime || now >= retry_check_at_) check(policy, now);
}

void StoreUpkeep::tick(const core::ProblemPolicy& policy, const config::RetentionConfig& retention,
                       core::TimePoint now) {
  if (!pending_.empty() && now >= retry_check_at_) {
    if (policy.enabled()) {
      check(policy, now);
    } else {
      pending_.clear();  // turned off by a reload
    }
  }
  if (retention.enabled() && (next_purge_at_ == core::kNoTime || now >= next_purge_at_)) {
    purge(retention, now);
  }
}

void StoreUpkeep::check(const core::ProblemPolicy& policy, core::TimePoint now) {
  auto links = store_.link_recurring(pending_, policy, correlator::recurrence_check(policy, now));
  if (!links.ok()) {
    metrics_.upkeep_errors.with({"problems"}).inc();
    check_backoff_ =
        check_backoff_.count() == 0 ? kFirstBackoff : std::min(check_backoff_ * 2, kMaxBackoff);
    retry_check_at_ = now + check_backoff_;
    // One line per failure streak, then only its end: an outage fails every try.
    if (check_backoff_ == kFirstBackoff) {
      spdlog::error("problems: recurrence check of {} incidents failed, retrying with backoff: {}",
                    pending_.size(), links.error().message);
    }
    return;
  }
  if (check_backoff_.count() > 0) {
    spdlog::info("problems: recurrence check of {} incidents succeeded after failures",
                 pending_.size());
  }
  pending_.clear();
  check_backoff_ = core::Duration{0};
  retry_check_at_ = core::kNoTime;
  for (const auto& l : *links) {
    if (l.opened) {
      metrics_.problems_opened.inc();
      std::string ids;
      for (const auto& id : l.incidents) ids += (ids.empty() ? "" : ", ") + id;
      spdlog::info("problems: {} opened for recurring incidents {}", l.problem_id, ids);
    }
    metrics_.problem_links.inc(l.incidents.size());
  }
}

void StoreUpkeep::purge(const config::RetentionConfig& retention, core::TimePoint now) {
  sinks::Archiver archive;
  if (retention.archive) {
    archive = [&](std::span<const sinks::IncidentDetail> incidents) {
      return archive_incidents(retention.archive_dir, incidents, now);
    };
  }
  auto purged = store_.purge_closed(now - retention.closed_after, retention.batch, now, archive);
  if (!purged.ok()) {
    metrics_.upkeep_errors.with({"retention"}).inc();
    spdlog::error("retention: purge of closed incidents failed, retrying in {}: {}",
                  core::format_duration(std::min(retention.every, kPurgeRetry)),
                  purged.error().message);
    next_purge_at_ = now + std::min(retention.every, kPurgeRetry);
    return;
  }
  if (*purged > 0) {
    metrics_.incidents_purged.with({retention.archive ? "archive" : "delete"}).inc(*purged);
    spdlog::info("retention: {} {} closed incidents closed before {}",
                 retention.archive ? "archived and deleted" : "deleted", *purged,
                 core::format_rfc3339(now - retention.closed_after));
  }
  // A full batch means more may be waiting: the next run comes at the next
  // tick, after the incident updates queued meanwhile.
  next_purge_at_ = *purged == retention.batch ? now : now + retention.every;
}

}  // namespace alertd::daemon
