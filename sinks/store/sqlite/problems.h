#pragma once
// Problems in the SQLite store: the row mapping of table `problems`, the
// recurrence check's steps on the writer connection (ProblemLinkTx, run by
// sinks/store/problem_linking.h), the writer's read-and-update of one
// problem, and the reads of the API. Problem calls are rare, so their
// statements are prepared on first use (StatementCache).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/problem.h"
#include "core/result.h"
#include "sinks/store/incident_store.h"
#include "sinks/store/problem_linking.h"
#include "sinks/store/sqlite/sqlite_db.h"

namespace alertd::sinks::sqlite {

/// The writer's problem statements, inside its open write transaction.
class ProblemWriter final : public ProblemLinkTx {
 public:
  ProblemWriter(Connection& db, StatementCache& cache) : db_(db), cache_(cache) {}

  core::Result<std::optional<int64_t>> unresolved_problem(const std::string& tenant,
                                                          const std::string& group_key) override;
  core::Result<bool> is_linked(int64_t incident_seq) override;
  core::Result<std::vector<std::pair<int64_t, std::string>>> unlinked_opened_between(
      const std::string& tenant, const std::string& group_key, core::TimePoint from,
      core::TimePoint to, size_t limit) override;
  core::Result<int64_t> insert_problem(const core::Problem& problem) override;
  core::Status link(int64_t incident_seq, int64_t problem_seq, core::TimePoint at) override;
  core::Status touch_problem(int64_t problem_seq, core::TimePoint at) override;

  core::Result<std::optional<core::Problem>> read(int64_t seq);
  /// Writes every column a person can change (status, texts, times).
  core::Status update(const core::Problem& problem);

 private:
  core::Result<Statement*> statement(const std::string& sql) { return cache_.get(db_, sql); }

  Connection& db_;
  StatementCache& cache_;
};

/// The API's reads, on a read connection (get_problem inside a read snapshot).
core::Result<ProblemPage> list_problems(Connection& db, StatementCache& cache,
                                        const ProblemFilter& filter);
core::Result<std::optional<ProblemDetail>> get_problem(Connection& db, StatementCache& cache,
                                                       int64_t seq);

}  // namespace alertd::sinks::sqlite
