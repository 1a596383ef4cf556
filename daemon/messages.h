#pragma once
// What flows between the pipeline's threads besides alerts and state
// changes. One control queue carries every message into the correlator;
// the store writer's queue carries the correlator's updates, the commands
// on incidents it let go, and the API's silence and problem writes.

#include <functional>
#include <memory>
#include <variant>
#include <vector>

#include "core/incident.h"
#include "core/lifecycle.h"
#include "core/silence.h"
#include "daemon/checkpoint_sync.h"

namespace alertd::daemon {

/// The full set of silences, after a silence was created or expired.
struct SilencesChanged {
  std::vector<core::Silence> silences;
};
/// An incident a command reopened on the writer: the correlator takes it
/// back. Or the incident a shared store joined one of ours into (another
/// instance had opened it for the same group first): the correlator takes
/// it in place of `replaces_seq`.
struct Adoption {
  core::ActiveState state;
  int64_t replaces_seq = 0;
};
using ControlMessage = std::variant<core::LifecycleCommand, SilencesChanged, Adoption>;

/// A command on an incident the correlator no longer holds (resolved or
/// closed): the writer runs it on the stored incident, in queue order.
struct DeferredCommand {
  core::LifecycleCommand command;
};
/// Work that writes the store beside the incident updates (silences,
/// problems): it runs on the writer thread and answers its own caller.
struct WriterJob {
  std::function<void()> run;
};
using WriterItem = std::variant<core::IncidentUpdate, DeferredCommand, WriterJob, CommitBarrier>;

/// Answers a command: a success takes the status the correlator chose for
/// the commit (201 for create).
inline void deliver(const std::shared_ptr<core::CommandReply>& reply, core::LifecycleResult r) {
  if (!reply || !reply->deliver) return;
  if (r.verdict == core::Verdict::done) r.verdict = reply->committed;
  reply->deliver(std::move(r));
}

}  // namespace alertd::daemon
