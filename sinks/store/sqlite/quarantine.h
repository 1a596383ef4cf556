#pragma once
// The quarantine in the SQLite store (the same calls as postgres/quarantine.h;
// what it is: sinks/store/quarantine.h). Rare writes and reads: statements
// are prepared on first use.

#include <optional>

#include "core/result.h"
#include "sinks/store/quarantine.h"
#include "sinks/store/sqlite/readers.h"
#include "sinks/store/sqlite/writer.h"

namespace alertd::sinks::sqlite {

/// IncidentStore::quarantine, under the store's write mutex.
core::Result<int64_t> quarantine(Writer& w, QuarantineRecord record);
/// IncidentStore::list_quarantine, on a leased reader.
core::Result<QuarantinePage> list_quarantine(Reader& r, std::optional<int64_t> before_seq,
                                             size_t limit);

}  // namespace alertd::sinks::sqlite
