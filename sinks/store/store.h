#pragma once
// sinks::Store: the whole incident-management store, as each backend
// implements it and open_sqlite_store / open_postgres_store return it. SQLite
// is the embedded default (sinks/store/sqlite/); PostgreSQL the server option
// (sinks/store/postgres/); tests/support/fake_store.h is an in-memory one for
// tests. All pass one conformance suite (tests/unit/sinks/store_conformance.h).
//
// Its four parts are interfaces of their own, so a caller can name only the
// part it uses: IncidentStore (incidents, members, audit trail, retention),
// SilenceStore, ProblemStore and NotifyStore (the notification outbox).
// Each header states its threads.

#include "core/result.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/notify_store.h"
#include "sinks/store/problem_store.h"
#include "sinks/store/silence_store.h"

namespace alertd::sinks {

class Store : public IncidentStore, public SilenceStore, public ProblemStore, public NotifyStore {
 public:
  ~Store() override = default;

  /// Whether the store can serve calls now (what /-/ready reports). SQLite is
  /// always ok; a server store runs a cheap query, reconnecting if it must.
  /// Every call of a store returns an error Status on a lost connection
  /// (never throws); the next call reconnects.
  virtual core::Status ping() = 0;
};

}  // namespace alertd::sinks
