#pragma once
// `alertd audit re-anchor [--config FILE] [--reason TEXT]`: the documented,
// audited step after a deliberate restore of the store from a backup (or on
// a new instance of an existing PostgreSQL store, or after an upgrade from a
// version without the anchor). Run it with the daemon stopped.
//
// It verifies the chain in the store (entries and recorded head, not the
// anchor, which is what it replaces), then appends one `re_anchor` entry
// (subject "audit-anchor") recording the old anchor (seq and hash, or why
// there was none) and the database head it anchors to, and writes the
// anchor at the head after that entry. A chain that does not verify is
// refused: re-anchoring must not bless a rewritten log.

#include <iosfwd>
#include <string>

#include "config/config.h"

namespace alertd::daemon {

/// Runs `alertd audit <subcommand>`. Returns the exit code: 0 done, 1 refused
/// or failed, 2 usage.
int run_audit_command(const config::DaemonConfig& config, const std::string& subcommand,
                      const std::string& reason, std::ostream& out, std::ostream& err);

}  // namespace alertd::daemon
