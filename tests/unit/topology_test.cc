#include "core/rules/topology.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/e2e_util.h"

namespace mprun::core {
namespace {

// A fake sysfs under a scratch folder, written the way the kernel lays it out.
class FakeSysfs {
 public:
  struct Cpu {
    int package, core_id, node;
  };
  // `cpus[i]` describes CPU number i.
  explicit FakeSysfs(const std::vector<Cpu>& cpus, bool with_nodes = true) {
    std::map<int, std::string> node_lists;
    for (size_t i = 0; i < cpus.size(); ++i) {
      const std::string dir = "devices/system/cpu/cpu" + std::to_string(i) + "/topology/";
      Write(dir + "physical_package_id", std::to_string(cpus[i].package));
      Write(dir + "die_id", "0");
      Write(dir + "core_id", std::to_string(cpus[i].core_id));
      std::string& list = node_lists[cpus[i].node];
      list += (list.empty() ? "" : ",") + std::to_string(i);
    }
    if (!with_nodes) return;
    for (const auto& [node, list] : node_lists) {
      Write("devices/system/node/node" + std::to_string(node) + "/cpulist", list);
    }
    Write("devices/system/node/possible", "0-" + std::to_string(node_lists.size() - 1));
  }
  std::string root() const { return dir_.path(); }

 private:
  void Write(const std::string& rel, const std::string& text) {
    const std::string path = dir_.File(rel);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text << "\n";
  }
  testing_util::ScratchDir dir_;
};

std::vector<int> Range(int n) {
  std::vector<int> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

// Two packages of 16 cores with two threads each, numbered as Intel's
// Linux machines are: CPUs 0-15 first threads of package 0, 16-31 of
// package 1, 32-47 the second threads of package 0, 48-63 of package 1.
std::vector<FakeSysfs::Cpu> TwoBySixteenSmt() {
  std::vector<FakeSysfs::Cpu> cpus;
  for (int thread = 0; thread < 2; ++thread) {
    for (int package = 0; package < 2; ++package) {
      for (int core = 0; core < 16; ++core) cpus.push_back({package, core, package});
    }
  }
  return cpus;
}

TEST(TopologyTest, ParsesKernelCpuLists) {
  std::vector<int> out;
  ASSERT_TRUE(ParseCpuList("0-3,8,10-11\n", &out));
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  ASSERT_TRUE(ParseCpuList("", &out));
  EXPECT_TRUE(out.empty());
  for (const char* bad : {"a", "3-1", "1,", "1--2", "-1", "1 2"}) {
    EXPECT_FALSE(ParseCpuList(bad, &out)) << bad;
  }
}

TEST(TopologyTest, TwoCpuMachinePinsOnePerCore) {
  FakeSysfs sys({{0, 0, 0}, {0, 1, 0}});
  const Topology topo = ReadTopology(sys.root(), Range(2));
  EXPECT_EQ(topo.Describe(), "1 package, 1 NUMA node, 2 cores, 2 CPUs");
  for (PinMode mode : {PinMode::kAuto, PinMode::kCores}) {
    PinPlan plan;
    std::string err;
    ASSERT_TRUE(PlanPins(topo, 2, 2, mode, &plan, &err)) << err;
    EXPECT_EQ(plan.worker_cpus, (std::vector<int>{0, 1}));
    EXPECT_EQ(plan.quiet_cpu, 1);  // away from CPU 0
  }
  PinPlan plan;
  std::string err;
  ASSERT_TRUE(PlanPins(topo, 4, 2, PinMode::kAuto, &plan, &err));
  EXPECT_TRUE(plan.worker_cpus.empty()) << "more workers than cores are not pinned";
  EXPECT_FALSE(PlanPins(topo, 3, 2, PinMode::kCores, &plan, &err));
  EXPECT_NE(err.find("--pin=cores: 3 workers but only 2 physical cores"), std::string::npos) << err;
  ASSERT_TRUE(PlanPins(topo, 2, 2, PinMode::kNone, &plan, &err));
  EXPECT_TRUE(plan.worker_cpus.empty());
  EXPECT_EQ(plan.quiet_cpu, -1);
}

TEST(TopologyTest, SixteenCoreMachine) {
  std::vector<FakeSysfs::Cpu> cpus;
  for (int c = 0; c < 16; ++c) cpus.push_back({0, c, 0});
  FakeSysfs sys(cpus);
  const Topology topo = ReadTopology(sys.root(), Range(16));
  EXPECT_EQ(topo.Describe(), "1 package, 1 NUMA node, 16 cores, 16 CPUs");
  PinPlan plan;
  std::string err;
  ASSERT_TRUE(PlanPins(topo, 16, 16, PinMode::kCores, &plan, &err)) << err;
  EXPECT_EQ(plan.worker_cpus, Range(16));
  EXPECT_EQ(plan.quiet_cpu, 15);
  ASSERT_TRUE(PlanPins(topo, 4, 16, PinMode::kAuto, &plan, &err));
  EXPECT_EQ(plan.worker_cpus, (std::vector<int>{0, 1, 2, 3}));
  // A cgroup quota of 8 cores: 12 workers would oversubscribe it.
  ASSERT_TRUE(PlanPins(topo, 12, 8, PinMode::kAuto, &plan, &err));
  EXPECT_TRUE(plan.worker_cpus.empty());
  EXPECT_NE(plan.description.find("not pinned"), std::string::npos);
}

TEST(TopologyTest, TwoPackagesOfSixteenCoresWithSmt) {
  FakeSysfs sys(TwoBySixteenSmt());
  const Topology topo = ReadTopology(sys.root(), Range(64));
  EXPECT_EQ(topo.Describe(), "2 packages, 2 NUMA nodes, 32 cores, 64 CPUs (SMT)");
  PinPlan plan;
  std::string err;
  // cores: the 32 first threads, alternating packages; no sibling used.
  ASSERT_TRUE(PlanPins(topo, 32, 64, PinMode::kCores, &plan, &err)) << err;
  ASSERT_EQ(plan.worker_cpus.size(), 32u);
  for (size_t w = 0; w < 32; ++w) {
    const int expected = (w % 2 == 0 ? 0 : 16) + static_cast<int>(w / 2);
    EXPECT_EQ(plan.worker_cpus[w], expected) << "worker " << w;
  }
  EXPECT_EQ(plan.quiet_cpu, 31);  // package 1's last core
  EXPECT_FALSE(PlanPins(topo, 64, 64, PinMode::kCores, &plan, &err));
  EXPECT_NE(err.find("only 32 physical cores"), std::string::npos) << err;
  // auto, four workers: two per package, each on its own core.
  ASSERT_TRUE(PlanPins(topo, 4, 64, PinMode::kAuto, &plan, &err));
  EXPECT_EQ(plan.worker_cpus, (std::vector<int>{0, 16, 1, 17}));
  // auto, 40 workers: all 32 cores, then 8 siblings.
  ASSERT_TRUE(PlanPins(topo, 40, 64, PinMode::kAuto, &plan, &err));
  ASSERT_EQ(plan.worker_cpus.size(), 40u);
  EXPECT_EQ(plan.worker_cpus[31], 31);
  EXPECT_EQ(std::vector<int>(plan.worker_cpus.begin() + 32, plan.worker_cpus.end()),
            (std::vector<int>{32, 48, 33, 49, 34, 50, 35, 51}));
  // Every CPU at most once.
  std::vector<int> sorted = plan.worker_cpus;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
}

TEST(TopologyTest, AdjacentSiblingsAndARestrictedAffinityMask) {
  // Eight cores with their two threads numbered next to each other (0,1 on
  // core 0), and a mask that leaves out CPUs 0 and 1 (core 0) and CPU 5.
  std::vector<FakeSysfs::Cpu> cpus;
  for (int c = 0; c < 8; ++c) {
    cpus.push_back({0, c, 0});
    cpus.push_back({0, c, 0});
  }
  FakeSysfs sys(cpus);
  std::vector<int> mask;
  for (int c = 2; c < 16; ++c) {
    if (c != 5) mask.push_back(c);
  }
  const Topology topo = ReadTopology(sys.root(), mask);
  EXPECT_EQ(topo.Describe(), "1 package, 1 NUMA node, 7 cores, 13 CPUs (SMT)");
  PinPlan plan;
  std::string err;
  ASSERT_TRUE(PlanPins(topo, 7, 13, PinMode::kCores, &plan, &err)) << err;
  EXPECT_EQ(plan.worker_cpus, (std::vector<int>{2, 4, 6, 8, 10, 12, 14}));
}

TEST(TopologyTest, MissingSysfsMeansOneCorePerCpu) {
  testing_util::ScratchDir empty;
  const Topology topo = ReadTopology(empty.path(), {0, 1, 2});
  EXPECT_EQ(topo.Describe(), "1 package, 1 NUMA node, 3 cores, 3 CPUs");
  PinPlan plan;
  std::string err;
  ASSERT_TRUE(PlanPins(topo, 3, 3, PinMode::kCores, &plan, &err));
  EXPECT_EQ(plan.worker_cpus, (std::vector<int>{0, 1, 2}));
}

}  // namespace
}  // namespace mprun::core
