#include "core/rules/cpu_quota.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/e2e_util.h"

namespace mprun::core {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(CpuQuotaTest, ParsesCgroupFiles) {
  EXPECT_EQ(CoresFromCpuMax("max 100000\n"), 0);
  EXPECT_EQ(CoresFromCpuMax("200000 100000\n"), 2);
  EXPECT_EQ(CoresFromCpuMax("150000 100000"), 2);
  EXPECT_EQ(CoresFromCpuMax("garbage"), 0);
  EXPECT_EQ(CoresFromCfsQuota("-1\n", "100000\n"), 0);
  EXPECT_EQ(CoresFromCfsQuota("250000\n", "100000\n"), 3);
  // Near the top of long long the rounding must not overflow (fuzz regression).
  EXPECT_EQ(CoresFromCpuMax("9223372036854775807 100000"), 1 << 20);
  EXPECT_EQ(CoresFromCfsQuota("9223372036854775807", "9223372036854775807"), 1);
}

TEST(CpuQuotaTest, TightestLimitOfTheCgroupAndItsAncestorsWins) {
  testing_util::ScratchDir root;
  Write(root.File("sys/fs/cgroup/cpu.max"), "max 100000\n");
  Write(root.File("sys/fs/cgroup/ci/cpu.max"), "400000 100000\n");
  Write(root.File("sys/fs/cgroup/ci/job/cpu.max"), "max 100000\n");
  EXPECT_EQ(CgroupCpuLimit(root.path(), "0::/ci/job\n"), 4);
  EXPECT_EQ(CgroupCpuLimit(root.path(), "0::/\n"), 0);
}

TEST(CpuQuotaTest, ReadsCgroupV1CpuController) {
  testing_util::ScratchDir root;
  Write(root.File("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us"), "150000\n");
  Write(root.File("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us"), "100000\n");
  EXPECT_EQ(CgroupCpuLimit(root.path(), "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n"), 2);
}

TEST(CpuQuotaTest, UsableCoresIsTheSmallerOfMaskAndQuota) {
  EXPECT_EQ(UsableCores(16, 0), 16);
  EXPECT_EQ(UsableCores(16, 4), 4);
  EXPECT_EQ(UsableCores(2, 4), 2);
  EXPECT_EQ(UsableCores(0, 0), 1);
}

}  // namespace
}  // namespace mprun::core
