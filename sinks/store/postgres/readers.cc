#include "sinks/store/postgres/readers.h"

#include <algorithm>

#include "sinks/store/postgres/migrations.h"

namespace alertd::sinks::postgres {

Reader::Reader(std::shared_ptr<const Target> target)
    : conn(std::move(target), [](Connection& c) { return run_migrations(c); }) {}

core::Result<std::unique_ptr<ReadPool>> open_readers(std::shared_ptr<const Target> target,
                                                     size_t connections) {
  auto pool = std::make_unique<ReadPool>();
  for (size_t i = 0; i < std::max<size_t>(connections, 1); ++i) {
    auto reader = std::make_unique<Reader>(target);
    if (auto st = reader->conn.ensure(); !st.ok()) return st.error();
    pool->add(std::move(reader));
  }
  return pool;
}

}  // namespace alertd::sinks::postgres
