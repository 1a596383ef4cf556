#pragma once
// `alertd test-rules FILE...`: rule unit tests in the spirit of `promtool
// test rules`. A test file names a config (or embeds one), feeds alerts at
// given times through the same stages as the daemon (SerialEngine) and
// compares the incidents at given times with what is expected. The file
// format is documented in docs/rules.md ("Testing rules").

#include <iosfwd>
#include <string>
#include <vector>

namespace alertd::daemon {

/// Runs every test of every file. Prints PASS/FAIL lines and, for each
/// failure, a readable diff to `out`; file errors go to `err`.
/// Returns 0 when all pass, 1 when a test fails, 2 when a file is invalid.
int run_rule_tests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace alertd::daemon
