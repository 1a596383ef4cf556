// The checks of the migration runner (migrations.h): the list's order and
// the refusal of a database from a newer binary, the same for both backends.
#include <string>

#include "sinks/store/migrations.h"

namespace alertd::sinks {

core::Status check_migration_order(std::span<const int> versions, std::string_view store_kind) {
  int expected = 1;
  for (const int version : versions) {
    if (version != expected) {
      return core::Error{"store_schema", std::string(store_kind) +
                                             ": migration list out of order at version " +
                                             std::to_string(version)};
    }
    ++expected;
  }
  return {};
}

core::Error newer_schema_error(std::string_view store_name, int current, int latest,
                               std::string_view other_database) {
  return core::Error{"store_schema",
                     std::string(store_name) + ": database schema version " +
                         std::to_string(current) + " is newer than this alertd supports (" +
                         std::to_string(latest) + "); use a newer alertd or another " +
                         std::string(other_database)};
}

}  // namespace alertd::sinks
