#pragma once
// Silences in the PostgreSQL store (the same rows and behaviour as
// sinks/store/sqlite/silences.h): create_silence and expire_silence on the
// writer connection, each in one transaction with its audit entry, and the
// reads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/silence.h"
#include "core/time.h"
#include "sinks/store/postgres/audit_log.h"
#include "sinks/store/postgres/pg_conn.h"

namespace simdjson::dom {
class parser;
}  // namespace simdjson::dom

namespace alertd::sinks::postgres {

/// IncidentStore::create_silence after sinks::prepare_new_silence, under the
/// store's write mutex: the row and its `silence` audit entry, or nothing.
core::Result<core::Silence> create_silence(Connection& conn, AuditAppender& audit,
                                           core::Silence silence);
/// IncidentStore::expire_silence of silence `seq`, under the store's write
/// mutex: the update and its `silence_expire` audit entry, or nothing.
core::Result<std::optional<core::Silence>> expire_silence(Connection& conn, AuditAppender& audit,
                                                          simdjson::dom::parser& parser,
                                                          int64_t seq, core::TimePoint now,
                                                          std::string_view actor);

// The reads, on a reader connection.
core::Result<std::vector<core::Silence>> list_silences(Connection& conn,
                                                       simdjson::dom::parser& parser,
                                                       const std::string& tenant);
core::Result<std::optional<core::Silence>> get_silence(Connection& conn,
                                                       simdjson::dom::parser& parser, int64_t seq);
core::Result<std::vector<core::Silence>> load_silences(Connection& conn,
                                                       simdjson::dom::parser& parser,
                                                       core::TimePoint now);

}  // namespace alertd::sinks::postgres
