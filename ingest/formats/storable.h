#pragma once
// What a decoded alert must satisfy before it is accepted, because a store
// must be able to keep it: the values that end up in an index fit the
// index, and no text holds a NUL byte (PostgreSQL's text type cannot). The
// decoders check each value as they read it; this file checks what only the
// daemon's grouping knows, the group key and the service an incident is
// indexed by. A refusal names the item and the labels, and is a 400: an
// alert answered 2xx is one the store will take (DESIGN.md §7).

#include <span>
#include <string>
#include <vector>

#include "core/alert.h"
#include "ingest/formats/decoder.h"

namespace alertd::ingest {

/// The most bytes of text either store keeps in one index entry of alert
/// data: PostgreSQL's btree refuses an index row over 2704 bytes (SQLSTATE
/// 54000), and the incident indexes hold the tenant (at most 128 bytes) and
/// a time beside the group key or service.
inline constexpr size_t kMaxIndexedBytes = 2048;

/// Which labels reach an index: the labels of every grouping list (they
/// make the group key) and `service`.
struct IndexedLabels {
  std::vector<std::string> names;  // sorted, unique
  size_t longest_rule_prefix = 0;  // a rule's own group key starts with the rule's name
};

/// From the correlator's group_by, group_by_fallback and the rules' group_by lists.
IndexedLabels indexed_labels(const std::vector<std::string>& group_by,
                             const std::vector<std::string>& fallback,
                             const std::vector<std::vector<std::string>>& rule_group_by,
                             size_t longest_rule_name);

/// The index of the first alert of `alerts` whose service or group key could
/// exceed kMaxIndexedBytes, with `err` saying which (reason
/// label_value_too_long, index = that alert); alerts.size() when all fit.
size_t check_storable(std::span<const core::Alert> alerts, const IndexedLabels& indexed,
                      std::string_view noun, DecodeError& err);

}  // namespace alertd::ingest
