#pragma once
// Problems in the PostgreSQL store (the same rows and behaviour as
// sinks/store/sqlite/problems.h): the row mapping of table `problems`, the
// recurrence check on the writer connection, the writer's edit of one
// problem, and the reads of the API.
//
// The recurrence check runs after every committed batch with all of the
// batch's new incidents, thousands in a storm, and most of them can link to
// nothing. One set-based query (recurring_candidates) first keeps only the
// incidents of group keys where something can happen; the shared
// the recurrence check then runs over those alone, one statement per step.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/problem.h"
#include "core/result.h"
#include "sinks/store/postgres/pg_conn.h"
#include "sinks/store/postgres/readers.h"
#include "sinks/store/postgres/writer.h"
#include "sinks/store/problem_store.h"

namespace alertd::sinks::postgres {

/// ProblemStore::link_recurring on the writer connection, under the
/// store's write mutex, in one transaction: the prefilter, then (when it
/// found candidates) the check's steps and their audit entries. Rolls back
/// on any error.
core::Result<std::vector<core::ProblemLinks>> link_recurring(
    Writer& w, std::span<const core::OpenedIncident> opened, const core::ProblemPolicy& policy,
    const core::RecurrenceCheck& check);

/// ProblemStore::edit_problem on the writer connection, under the store's
/// write mutex: reads the problem locked, runs `edit`, writes the row and
/// the audit entries in one transaction; rolls back on any error and when
/// `edit` refuses (its result is the answer).
core::Result<core::ProblemResult> edit_problem(Writer& w, std::string_view id,
                                               const ProblemEdit& edit);

/// The API's reads, on a leased reader (get_problem inside a read snapshot).
core::Result<ProblemPage> list_problems(Reader& r, const ProblemFilter& filter);
core::Result<std::optional<ProblemDetail>> get_problem(Reader& r, int64_t seq);

}  // namespace alertd::sinks::postgres
