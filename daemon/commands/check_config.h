#pragma once
// `alertd check-config FILE`: validates a configuration file with the rule
// and topology files it names, printing every error as FILE:LINE: reason.

#include <iosfwd>
#include <string>

namespace alertd::daemon {

/// Prints "FILE: OK (summary)" and the auth summary to `out`, or the errors
/// to `err`. Returns 0 when valid, 1 otherwise.
int check_config(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace alertd::daemon
