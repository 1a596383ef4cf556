#pragma once
// The quarantine in the PostgreSQL store (the same calls as sqlite/quarantine.h;
// what it is: sinks/store/quarantine.h).

#include <optional>

#include "core/result.h"
#include "sinks/store/postgres/readers.h"
#include "sinks/store/postgres/writer.h"
#include "sinks/store/quarantine.h"

namespace alertd::sinks::postgres {

/// IncidentStore::quarantine, on the writer connection.
core::Result<int64_t> quarantine(Writer& w, QuarantineRecord record);
/// IncidentStore::list_quarantine, on a leased reader.
core::Result<QuarantinePage> list_quarantine(Reader& r, std::optional<int64_t> before_seq,
                                             size_t limit);

}  // namespace alertd::sinks::postgres
