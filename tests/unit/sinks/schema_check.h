#pragma once
// Checks that the column table (sinks/store/schema.h) and the migrations
// agree: after every migration ran, each table has exactly the columns of
// its entry, with the backend's SQL type of each column's kind. Adding a
// column to one but not the other fails here, before any row is written.

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "sinks/store/schema.h"

namespace alertd::sinks::testing {

/// `count` runs a COUNT(*) query on the migrated database.
class SchemaCheck {
 public:
  SchemaCheck(schema::Dialect dialect, std::function<int64_t(const std::string&)> count)
      : dialect_(dialect), count_(std::move(count)) {}

  void expect_all_tables() {
    expect(schema::kIncidents);
    expect(schema::kMembers, schema::kMemberOwner);
    expect(schema::kAudit);
    expect(schema::kSilences);
    expect(schema::kProblems);
    expect(schema::kOutbox);
    expect(schema::kNotifyTold);
  }

 private:
  template <typename Row>
  void expect(const schema::Table<Row>& table, std::string_view owner = "") {
    SCOPED_TRACE(std::string(table.name));
    for (const auto& c : table.columns) {
      EXPECT_EQ(count_(column_query(table.name, c.name, schema::sql_type(dialect_, c.kind))), 1)
          << c.name << " " << schema::sql_type(dialect_, c.kind);
    }
    if (!owner.empty()) {
      EXPECT_EQ(count_(column_query(table.name, owner,
                                    schema::sql_type(dialect_, schema::Kind::integer))),
                1);
    }
    const int64_t expected = static_cast<int64_t>(table.columns.size()) + (owner.empty() ? 0 : 1);
    EXPECT_EQ(count_(columns_query(table.name)), expected) << "columns the table does not list";
  }

  std::string columns_query(std::string_view table) const {
    if (dialect_ == schema::Dialect::sqlite) {
      return "SELECT COUNT(*) FROM pragma_table_info('" + std::string(table) + "')";
    }
    return "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = "
           "current_schema() AND table_name = '" +
           std::string(table) + "'";
  }
  std::string column_query(std::string_view table, std::string_view column,
                           std::string_view type) const {
    const std::string name = "'" + std::string(column) + "'";
    const std::string of_type = "'" + std::string(type) + "'";
    if (dialect_ == schema::Dialect::sqlite) {
      return columns_query(table) + " WHERE name = " + name + " AND type = " + of_type;
    }
    return columns_query(table) + " AND column_name = " + name + " AND data_type = " + of_type;
  }

  schema::Dialect dialect_;
  std::function<int64_t(const std::string&)> count_;
};

}  // namespace alertd::sinks::testing
