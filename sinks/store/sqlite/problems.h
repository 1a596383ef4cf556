#pragma once
// Problems in the SQLite store (the same calls as postgres/problems.h):
// link_recurring (the recurrence check, correlator/problems/recurrence.h,
// over this backend's steps) and edit_problem on the writer, each in one
// write transaction with its audit entries, and the reads on a leased
// reader. Problem calls are rare, so their statements are prepared on first
// use (StatementCache).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/problem.h"
#include "core/result.h"
#include "sinks/store/problem_edit.h"
#include "sinks/store/problem_store.h"
#include "sinks/store/sqlite/readers.h"
#include "sinks/store/sqlite/writer.h"

namespace alertd::sinks::sqlite {

/// ProblemStore::link_recurring on the writer, under the store's write
/// mutex, in one write transaction: the check's steps (`check`)
/// and their audit entries.
core::Result<std::vector<core::ProblemLinks>> link_recurring(
    Writer& w, std::span<const core::OpenedIncident> opened, const core::ProblemPolicy& policy,
    const core::RecurrenceCheck& check);
/// ProblemStore::edit_problem on the writer, under the store's write mutex:
/// reads the problem, runs `edit`, writes the row and the audit entries in
/// one write transaction; rolls back when `edit` refuses (its result is the
/// answer).
core::Result<core::ProblemResult> edit_problem(Writer& w, std::string_view id,
                                               const ProblemEdit& edit);

/// The API's reads, on a leased reader (get_problem inside a read snapshot).
core::Result<ProblemPage> list_problems(Reader& r, const ProblemFilter& filter);
core::Result<std::optional<ProblemDetail>> get_problem(Reader& r, int64_t seq);

}  // namespace alertd::sinks::sqlite
