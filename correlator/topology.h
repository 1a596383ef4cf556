#pragma once
// Service dependency map (services.yaml: `services: {name: [dependency, ...]}`)
// and its precomputed index: per service the transitive dependencies and
// dependents and the length of its longest dependency chain. Computed once at load or reload; the
// correlator only looks things up.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace alertd::correlator {

struct Topology {
  // service -> the services it depends on directly. A dependency that is
  // not a key itself is a leaf service.
  std::map<std::string, std::vector<std::string>> services;
  bool empty() const { return services.empty(); }
};

/// The first dependency cycle in name order, as "a -> b -> c -> a"; nullopt
/// when the map is acyclic.
std::optional<std::string> find_cycle(const Topology& topology);

class TopologyIndex {
 public:
  TopologyIndex() = default;
  /// Cycles are tolerated (the config reader refuses them): an edge that
  /// closes a cycle is ignored for chain lengths.
  explicit TopologyIndex(const Topology& topology);

  bool empty() const { return names_.empty(); }
  size_t size() const { return names_.size(); }
  /// Ids follow name order, so "ties go to the smaller name" is "smaller id".
  std::optional<uint32_t> find(std::string_view service) const;
  const std::string& name(uint32_t id) const { return names_[id]; }
  /// What `id` depends on, directly or transitively, sorted, without itself.
  std::span<const uint32_t> dependencies(uint32_t id) const { return deps_[id]; }
  /// What depends on `id`, directly or transitively, sorted, without itself.
  std::span<const uint32_t> dependents(uint32_t id) const { return dependents_[id]; }
  /// Whether `service` depends on `dependency`, directly or transitively.
  bool depends_on(uint32_t service, uint32_t dependency) const;
  /// The number of edges on the longest dependency chain below `id`.
  uint32_t height(uint32_t id) const { return height_[id]; }

  /// The probable root among failing services: one none of whose transitive
  /// dependencies also fails; ties go to the longest chain below it, then to
  /// the smaller name. At most kMaxRootCandidates ids are considered (the
  /// first ones in name order), which bounds the work at O(k^2 log n).
  static constexpr size_t kMaxRootCandidates = 256;
  std::optional<uint32_t> root(std::span<const uint32_t> failing) const;

 private:
  std::vector<std::string> names_;
  absl::flat_hash_map<std::string, uint32_t> ids_;
  std::vector<std::vector<uint32_t>> deps_;        // transitive, sorted
  std::vector<std::vector<uint32_t>> dependents_;  // transitive, sorted
  std::vector<uint32_t> height_;
};

}  // namespace alertd::correlator
