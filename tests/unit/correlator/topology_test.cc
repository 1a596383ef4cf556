#include "correlator/topology.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace alertd::correlator {
namespace {

using namespace testing;
using core::IncidentStatus;

// frontend -> api -> {db, cache}; cache -> db; worker -> db; mail alone.
Topology shop() {
  Topology t;
  t.services = {{"frontend", {"api"}},
                {"api", {"db", "cache"}},
                {"cache", {"db"}},
                {"worker", {"db"}},
                {"mail", {}}};
  return t;
}

TEST(Topology, FindCycleReportsThePath) {
  EXPECT_EQ(find_cycle(shop()), std::nullopt);
  Topology t;
  t.services = {{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}};
  EXPECT_EQ(find_cycle(t), "a -> b -> c -> a");
  t.services = {{"x", {"a"}}, {"a", {"b"}}, {"b", {"a"}}};
  EXPECT_EQ(find_cycle(t), "a -> b -> a");
  t.services = {{"self", {"self"}}};
  EXPECT_EQ(find_cycle(t), "self -> self");
  t.services = {{"a", {"leaf"}}, {"b", {"leaf"}}};  // a diamond-free DAG with a shared leaf
  EXPECT_EQ(find_cycle(t), std::nullopt);
}

TEST(Topology, IndexHasTransitiveRelationsAndChainLengths) {
  TopologyIndex idx(shop());
  ASSERT_EQ(idx.size(), 6u);
  auto id = [&](const char* n) { return *idx.find(n); };
  EXPECT_EQ(idx.find("nope"), std::nullopt);
  EXPECT_TRUE(idx.depends_on(id("frontend"), id("db")));  // transitive
  EXPECT_FALSE(idx.depends_on(id("db"), id("frontend")));
  EXPECT_FALSE(idx.depends_on(id("worker"), id("api")));
  EXPECT_EQ(idx.height(id("db")), 0u);
  EXPECT_EQ(idx.height(id("cache")), 1u);
  EXPECT_EQ(idx.height(id("api")), 2u);
  EXPECT_EQ(idx.height(id("frontend")), 3u);
  auto names = [&](std::span<const uint32_t> ids) {
    std::vector<std::string> out;
    for (auto i : ids) out.push_back(idx.name(i));
    return out;
  };
  EXPECT_EQ(names(idx.related(id("api"))), (std::vector<std::string>{"cache", "db", "frontend"}));
  EXPECT_EQ(names(idx.related(id("db"))),
            (std::vector<std::string>{"api", "cache", "frontend", "worker"}));
  EXPECT_TRUE(idx.related(id("mail")).empty());
}

TEST(Topology, RootIsTheDeepestFailingDependency) {
  TopologyIndex idx(shop());
  auto root = [&](std::vector<const char*> failing) {
    std::vector<uint32_t> ids;
    for (auto* n : failing) ids.push_back(*idx.find(n));
    auto r = idx.root(ids);
    return r ? idx.name(*r) : std::string("-");
  };
  EXPECT_EQ(root({"frontend", "api", "db"}), "db");
  EXPECT_EQ(root({"frontend", "api"}), "api");
  EXPECT_EQ(root({"frontend", "cache"}), "cache");
  // Neither depends on the other: the longer chain below wins (api: 2, worker: 1).
  EXPECT_EQ(root({"api", "worker"}), "api");
  // Equal chains: the smaller name.
  EXPECT_EQ(root({"worker", "cache"}), "cache");
  EXPECT_EQ(root({}), "-");
}

TEST(Topology, CyclesDoNotHangTheIndex) {
  Topology t;
  t.services = {{"a", {"b"}}, {"b", {"a", "c"}}};
  TopologyIndex idx(t);
  EXPECT_TRUE(idx.depends_on(*idx.find("a"), *idx.find("c")));
  std::vector<uint32_t> both{*idx.find("a"), *idx.find("b")};
  EXPECT_EQ(idx.root(both), std::nullopt);  // each has the other below it
}

CorrelatorConfig topo_config() {
  CorrelatorConfig cfg;
  cfg.topology = shop();
  cfg.flap.transitions = 0;  // resolved incidents leave memory at once
  return cfg;
}

core::LabelSet alert(const char* service, const char* name = "Down") {
  return {{"alertname", name}, {"service", service}};
}

TEST(CorrelatorTopology, RelatedServicesJoinOneIncidentNamingTheRoot) {
  Driver d{topo_config()};
  auto db = d.fire(alert("db"), kT0);
  EXPECT_EQ(db.at(0).incident.root_service, "db");
  auto api = d.fire(alert("api"), kT0 + 1min);
  EXPECT_EQ(api.at(0).incident.id, "INC-1");
  // Two services now: impact medium, sev3 x medium = P3.
  ASSERT_EQ(actions(api[0]), (std::vector<std::string>{"member_added", "priority_change"}));
  EXPECT_EQ(api[0].audit[1].detail,
            R"({"from":"P4","to":"P3","impact":"medium","urgency":"sev3"})");
  EXPECT_NE(api[0].audit[0].detail.find(R"("via":"topology")"), std::string::npos);
  EXPECT_EQ(d.c.counters().topology_joins_total, 1u);
  // Unrelated failures stay apart.
  EXPECT_EQ(d.fire(alert("mail"), kT0 + 1min).at(0).incident.id, "INC-2");
  // Dependents too: frontend depends on api.
  EXPECT_EQ(d.fire(alert("frontend"), kT0 + 2min).at(0).incident.id, "INC-1");
  // Later alerts of a joined group go there directly.
  auto again = d.fire(alert("api", "Latency"), kT0 + 3min);
  EXPECT_EQ(again.at(0).incident.id, "INC-1");
  EXPECT_EQ(actions(again[0]), std::vector<std::string>{"member_added"});  // not "via"
  EXPECT_EQ(d.c.counters().topology_joins_total, 2u);
  EXPECT_EQ(d.incident("INC-1").root_service, "db");
  EXPECT_EQ(d.incident("INC-1").service, "db");  // the first alert's service stays
}

TEST(CorrelatorTopology, RootMovesUpWhenTheDependencyRecovers) {
  Driver d{topo_config()};
  d.fire(alert("db"), kT0);
  d.fire(alert("api"), kT0 + 1min);
  auto recovered = d.resolve(alert("db"), kT0 + 2min);
  ASSERT_NE(find_audit(recovered, "root_service"), nullptr);
  EXPECT_EQ(find_audit(recovered, "root_service")->detail, R"({"from":"db","to":"api"})");
  EXPECT_EQ(recovered.at(0).incident.root_service, "api");
  // Everything resolved: the last root stays on the record.
  auto done = d.resolve(alert("api"), kT0 + 3min);
  EXPECT_EQ(done.at(0).incident.status, IncidentStatus::resolved);
  EXPECT_EQ(done[0].incident.root_service, "api");
}

TEST(CorrelatorTopology, GroupWindowTenantAndNewestIncident) {
  Driver d{topo_config()};
  d.fire(alert("db"), kT0);             // INC-1
  d.fire(alert("cache"), kT0 + 11min);  // window passed: INC-2 (related, but too old)
  EXPECT_EQ(d.incident("INC-2").alert_count, 1u);
  // api relates to both; the newest one inside the window wins.
  EXPECT_EQ(d.fire(alert("api"), kT0 + 12min).at(0).incident.id, "INC-2");
  EXPECT_EQ(d.fire(alert("worker"), kT0 + 12min, "other").at(0).incident.id, "INC-3");
  // Exactly the window after INC-2's last alert still joins.
  EXPECT_EQ(d.fire(alert("frontend"), kT0 + 22min).at(0).incident.id, "INC-2");
  EXPECT_EQ(d.fire(alert("worker"), kT0 + 32min + 1ns).at(0).incident.id, "INC-4");
}

TEST(CorrelatorTopology, ResolvedIncidentForgetsEveryGroupKey) {
  Driver d{topo_config()};
  d.fire(alert("db"), kT0);
  d.fire(alert("api"), kT0 + 1min);
  d.resolve(alert("db"), kT0 + 2min);
  d.resolve(alert("api"), kT0 + 2min);
  EXPECT_EQ(d.c.active_incidents(), 0u);
  // Neither key nor service index still points at INC-1.
  auto api = d.fire(alert("api", "Again"), kT0 + 3min);
  EXPECT_EQ(api.at(0).incident.id, "INC-2");
  EXPECT_EQ(actions(api[0]), (std::vector<std::string>{"create", "member_added"}));
  EXPECT_EQ(d.fire(alert("db", "Again"), kT0 + 3min).at(0).incident.id, "INC-2");
}

TEST(CorrelatorTopology, ReopenedIncidentIsFoundThroughItsKeysAgain) {
  CorrelatorConfig cfg = topo_config();
  cfg.flap.transitions = 4;
  Driver d{cfg};
  d.fire(alert("db"), kT0);
  d.fire(alert("api"), kT0 + 1min);
  d.resolve(alert("db"), kT0 + 2min);
  d.resolve(alert("api"), kT0 + 2min);
  EXPECT_EQ(d.fire(alert("api"), kT0 + 3min).at(0).incident.id, "INC-1");  // reopened
  EXPECT_EQ(d.fire(alert("api", "Other"), kT0 + 4min).at(0).incident.id, "INC-1");
  EXPECT_EQ(d.fire(alert("frontend"), kT0 + 4min).at(0).incident.id, "INC-1");
}

}  // namespace
}  // namespace alertd::correlator
