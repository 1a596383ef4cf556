#include "correlator/topology.h"

#include <algorithm>
#include <set>

#include "absl/strings/string_view.h"

namespace alertd::correlator {

namespace {

// Direct edges by id, from the names in the map (ids in name order).
std::vector<std::vector<uint32_t>> direct_edges(
    const Topology& t, const std::vector<std::string>& names,
    const absl::flat_hash_map<std::string, uint32_t>& ids) {
  std::vector<std::vector<uint32_t>> edges(names.size());
  for (const auto& [service, deps] : t.services) {
    auto& out = edges[ids.at(service)];
    for (const auto& d : deps) out.push_back(ids.at(d));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return edges;
}

// Everything reachable from `start` (without it), sorted.
std::vector<uint32_t> reachable(const std::vector<std::vector<uint32_t>>& edges, uint32_t start,
                                std::vector<uint32_t>& mark, uint32_t stamp) {
  std::vector<uint32_t> out;
  std::vector<uint32_t> stack{start};
  mark[start] = stamp;
  while (!stack.empty()) {
    uint32_t v = stack.back();
    stack.pop_back();
    for (uint32_t w : edges[v]) {
      if (mark[w] == stamp) continue;
      mark[w] = stamp;
      out.push_back(w);
      stack.push_back(w);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::optional<std::string> find_cycle(const Topology& topology) {
  enum class Color : uint8_t { white, grey, black };
  std::map<std::string_view, Color> color;
  std::vector<std::string_view> path;
  std::optional<std::string> found;
  // Recursion depth is bounded by the number of services the reader accepts.
  auto visit = [&](auto& self, std::string_view v) -> void {
    color[v] = Color::grey;
    path.push_back(v);
    if (auto it = topology.services.find(std::string(v)); it != topology.services.end()) {
      for (const auto& d : it->second) {
        if (found) break;
        Color c = color[d];
        if (c == Color::grey) {
          auto from = std::find(path.begin(), path.end(), std::string_view(d));
          std::string text;
          for (auto p = from; p != path.end(); ++p) text += std::string(*p) + " -> ";
          found = text + d;
        } else if (c == Color::white) {
          self(self, d);
        }
      }
    }
    path.pop_back();
    color[v] = Color::black;
  };
  for (const auto& [service, deps] : topology.services) {
    if (found) break;
    if (color[service] == Color::white) visit(visit, service);
  }
  return found;
}

TopologyIndex::TopologyIndex(const Topology& t) {
  std::set<std::string> all;
  for (const auto& [service, deps] : t.services) {
    all.insert(service);
    all.insert(deps.begin(), deps.end());
  }
  names_.assign(all.begin(), all.end());
  for (uint32_t i = 0; i < names_.size(); ++i) ids_.emplace(names_[i], i);
  auto edges = direct_edges(t, names_, ids_);
  std::vector<std::vector<uint32_t>> reverse(names_.size());
  for (uint32_t v = 0; v < edges.size(); ++v) {
    for (uint32_t w : edges[v]) reverse[w].push_back(v);
  }
  size_t n = names_.size();
  deps_.resize(n);
  dependents_.resize(n);
  std::vector<uint32_t> mark(n, 0);
  uint32_t stamp = 0;
  for (uint32_t v = 0; v < n; ++v) {
    deps_[v] = reachable(edges, v, mark, ++stamp);
    dependents_[v] = reachable(reverse, v, mark, ++stamp);
  }
  // Longest chain below each service: memoized DFS; an edge back into the
  // current path (a cycle) counts as nothing.
  height_.assign(n, 0);
  std::vector<uint8_t> state(n, 0);  // 0 new, 1 on path, 2 done
  auto height = [&](auto& self, uint32_t v) -> uint32_t {
    if (state[v] == 2) return height_[v];
    if (state[v] == 1) return 0;
    state[v] = 1;
    uint32_t h = 0;
    for (uint32_t w : edges[v]) {
      if (state[w] == 1) continue;
      h = std::max(h, self(self, w) + 1);
    }
    state[v] = 2;
    height_[v] = h;
    return h;
  };
  for (uint32_t v = 0; v < n; ++v) height(height, v);
}

std::optional<uint32_t> TopologyIndex::find(std::string_view service) const {
  auto it = ids_.find(absl::string_view(service.data(), service.size()));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

bool TopologyIndex::depends_on(uint32_t service, uint32_t dependency) const {
  const auto& d = deps_[service];
  return std::binary_search(d.begin(), d.end(), dependency);
}

std::optional<uint32_t> TopologyIndex::root(std::span<const uint32_t> failing) const {
  std::vector<uint32_t> ids(failing.begin(), failing.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() > kMaxRootCandidates) ids.resize(kMaxRootCandidates);
  std::optional<uint32_t> best;
  for (uint32_t c : ids) {
    bool dependency_fails = false;
    for (uint32_t other : ids) {
      if (other != c && depends_on(c, other)) {
        dependency_fails = true;
        break;
      }
    }
    if (dependency_fails) continue;
    // ids ascend, so on equal height the first (smaller name) stays.
    if (!best || height_[c] > height_[*best]) best = c;
  }
  return best;
}

}  // namespace alertd::correlator
