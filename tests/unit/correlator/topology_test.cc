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
  using Names = std::vector<std::string>;
  EXPECT_EQ(names(idx.dependencies(id("api"))), (Names{"cache", "db"}));
  EXPECT_EQ(names(idx.dependents(id("api"))), (Names{"frontend"}));
  EXPECT_TRUE(idx.dependencies(id("db")).empty());
  EXPECT_EQ(names(idx.dependents(id("db"))), (Names{"api", "cache", "frontend", "worker"}));
  EXPECT_TRUE(idx.dependencies(id("mail")).empty());
  EXPECT_TRUE(idx.dependents(id("mail")).empty());
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

TEST(CorrelatorTopology, SymptomsJoinTheIncidentOfTheirRoot) {
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
  // Transitive symptoms too: frontend depends on db through api.
  EXPECT_EQ(d.fire(alert("frontend"), kT0 + 2min).at(0).incident.id, "INC-1");
  // Alerts of the root's own service join without a topology hop.
  auto again = d.fire(alert("db", "Latency"), kT0 + 3min);
  EXPECT_EQ(again.at(0).incident.id, "INC-1");
  EXPECT_EQ(actions(again[0]), std::vector<std::string>{"member_added"});  // not "via"
  EXPECT_EQ(d.c.counters().topology_joins_total, 2u);
  EXPECT_EQ(d.incident("INC-1").root_service, "db");
  EXPECT_EQ(d.incident("INC-1").service, "db");  // the first alert's service stays
}

TEST(CorrelatorTopology, DeeperCauseJoinsAndMovesTheRoot) {
  Driver d{topo_config()};
  d.fire(alert("frontend"), kT0);
  d.fire(alert("api"), kT0 + 30s);  // a deeper cause already: the root moves to api
  EXPECT_EQ(d.incident("INC-1").root_service, "api");
  auto db = d.fire(alert("db"), kT0 + 90s);
  EXPECT_EQ(db.at(0).incident.id, "INC-1");
  const auto* moved = find_audit(db, "root_service");
  ASSERT_NE(moved, nullptr);
  EXPECT_EQ(moved->detail, R"({"from":"api","to":"db"})");
  EXPECT_EQ(db[0].incident.root_service, "db");
}

TEST(CorrelatorTopology, RootStaysOnRecordWhenItResolvesFirst) {
  Driver d{topo_config()};
  d.fire(alert("db"), kT0);
  d.fire(alert("api"), kT0 + 1min);
  auto recovered = d.resolve(alert("db"), kT0 + 2min);
  EXPECT_EQ(find_audit(recovered, "root_service"), nullptr);
  const auto* resolved = find_audit(recovered, "root_resolved");
  ASSERT_NE(resolved, nullptr);
  EXPECT_EQ(resolved->detail, R"({"service":"db"})");
  EXPECT_EQ(resolved->at, kT0 + 2min);
  EXPECT_EQ(recovered.at(0).incident.root_service, "db");
  // Later symptoms of db still join it; the root resolving left it open.
  EXPECT_EQ(d.fire(alert("worker"), kT0 + 3min).at(0).incident.id, "INC-1");
  d.resolve(alert("api"), kT0 + 4min);
  auto done = d.resolve(alert("worker"), kT0 + 4min);
  EXPECT_EQ(done.at(0).incident.status, IncidentStatus::resolved);
  EXPECT_EQ(done[0].incident.root_service, "db");
}

TEST(CorrelatorTopology, SiblingsThatShareADependentStayApart) {
  CorrelatorConfig cfg = topo_config();
  // checkout depends on two leaves; each leaf failing is its own incident.
  cfg.topology.services = {{"frontend", {"checkout"}},
                           {"checkout", {"payments-db", "stock-db"}},
                           {"payments-db", {}},
                           {"stock-db", {}}};
  Driver d{cfg};
  d.fire(alert("payments-db"), kT0);
  EXPECT_EQ(d.fire(alert("checkout"), kT0 + 1min).at(0).incident.id, "INC-1");
  d.resolve(alert("payments-db"), kT0 + 4min);
  // A different leaf fails while checkout still fires: not INC-1's root.
  auto stock = d.fire(alert("stock-db"), kT0 + 8min);
  EXPECT_EQ(stock.at(0).incident.id, "INC-2");
  EXPECT_EQ(stock[0].incident.root_service, "stock-db");
  // A new symptom joins the newest incident whose root it depends on.
  EXPECT_EQ(d.fire(alert("frontend"), kT0 + 9min).at(0).incident.id, "INC-2");
  EXPECT_EQ(d.incident("INC-1").alert_count, 2u);
  EXPECT_EQ(d.incident("INC-1").root_service, "payments-db");
}

TEST(CorrelatorTopology, ResendsDoNotExtendTheGroupWindow) {
  Driver d{topo_config()};
  d.fire(alert("db"), kT0);
  for (auto at : {kT0 + 4min, kT0 + 8min, kT0 + 10min}) {
    d.fire(alert("db"), at);  // a re-send of a member: no new member, no state change
    d.touch(alert("db"), at);
  }
  EXPECT_EQ(d.incident("INC-1").last_alert_at, kT0);
  // 10 minutes after the last new member: still inside; a moment later, not.
  EXPECT_EQ(d.fire(alert("api"), kT0 + 10min).at(0).incident.id, "INC-1");
  EXPECT_EQ(d.fire(alert("worker"), kT0 + 20min + 1ns).at(0).incident.id, "INC-2");
}

TEST(CorrelatorTopology, ResolvedIncidentTakesNoNewMembers) {
  CorrelatorConfig cfg = topo_config();
  cfg.flap.transitions = 4;  // resolved incidents stay in memory for reopening
  Driver d{cfg};
  d.fire(alert("db"), kT0);
  EXPECT_EQ(d.resolve(alert("db"), kT0 + 1min).at(0).incident.status, IncidentStatus::resolved);
  // A symptom of db after the resolve: a new incident, not INC-1.
  EXPECT_EQ(d.fire(alert("api"), kT0 + 2min).at(0).incident.id, "INC-2");
  // Its own member re-firing within the flap window reopens INC-1.
  auto refire = d.fire(alert("db"), kT0 + 3min);
  EXPECT_EQ(refire.at(0).incident.id, "INC-1");
  EXPECT_NE(find_audit(refire, "reopened"), nullptr);
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

TEST(CorrelatorTopology, OwnFailureOfASymptomServiceIsItsOwnIncident) {
  CorrelatorConfig cfg = topo_config();
  cfg.own_failures = {matchers({R"(alertname=~"DiskFillingUp|OOMKilled")"})};
  Driver d{cfg};
  d.fire(alert("db"), kT0);
  d.fire(alert("api"), kT0 + 1min);
  // api's disk fills during db's cascade: api's own failure, not db's symptom.
  auto disk = d.fire(alert("api", "DiskFillingUp"), kT0 + 3min);
  EXPECT_EQ(disk.at(0).incident.id, "INC-2");
  EXPECT_EQ(disk[0].incident.root_service, "api");
  // Symptoms still join the newest incident whose root they depend on.
  EXPECT_EQ(d.fire(alert("frontend"), kT0 + 4min).at(0).incident.id, "INC-2");
  // An own failure of the root's service joins it; a deeper one moves the root.
  EXPECT_EQ(d.fire(alert("db", "OOMKilled"), kT0 + 5min).at(0).incident.id, "INC-1");
  auto deeper = d.fire(alert("cache", "OOMKilled"), kT0 + 6min);
  EXPECT_EQ(deeper.at(0).incident.id, "INC-2");
  EXPECT_EQ(deeper[0].incident.root_service, "cache");
}

TEST(CorrelatorTopology, ResolvedIncidentLeavesTheRootIndex) {
  Driver d{topo_config()};
  d.fire(alert("db"), kT0);
  d.fire(alert("api"), kT0 + 1min);
  d.resolve(alert("db"), kT0 + 2min);
  d.resolve(alert("api"), kT0 + 2min);
  EXPECT_EQ(d.c.active_incidents(), 0u);
  // Neither the group nor the root index still points at INC-1.
  auto api = d.fire(alert("api", "Again"), kT0 + 3min);
  EXPECT_EQ(api.at(0).incident.id, "INC-2");
  EXPECT_EQ(actions(api[0]), (std::vector<std::string>{"create", "member_added"}));
  EXPECT_EQ(d.fire(alert("db", "Again"), kT0 + 3min).at(0).incident.id, "INC-2");
}

TEST(CorrelatorTopology, ReopenedIncidentIsFoundThroughItsRootAgain) {
  CorrelatorConfig cfg = topo_config();
  cfg.flap.transitions = 4;
  Driver d{cfg};
  d.fire(alert("db"), kT0);
  d.fire(alert("api"), kT0 + 1min);
  d.resolve(alert("db"), kT0 + 2min);
  d.resolve(alert("api"), kT0 + 2min);
  EXPECT_EQ(d.fire(alert("api"), kT0 + 3min).at(0).incident.id, "INC-1");  // reopened
  // Reopened, it is found through its root again.
  EXPECT_EQ(d.fire(alert("api", "Other"), kT0 + 4min).at(0).incident.id, "INC-1");
  EXPECT_EQ(d.fire(alert("frontend"), kT0 + 4min).at(0).incident.id, "INC-1");
}

}  // namespace
}  // namespace alertd::correlator
