#include "runner/framework/test_framework.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun::runner {
namespace {

using testing_util::ScratchDir;

// A binary is known from its file: gtest's own strings in an ELF file (or
// gtest as a shared library), never a script that mentions them.
TEST(GoogleTestFrameworkTest, RecognisesItsBinariesFromTheFileAlone) {
  const TestFramework& gtest = GoogleTestFramework();
  const std::string elf(
      "\x7f"
      "ELF",
      4);
  EXPECT_TRUE(gtest.Recognises(elf + "..--gtest_list_tests..GTEST_SHARD_INDEX.."));
  EXPECT_TRUE(gtest.Recognises(elf + "..libgtest.so.1.12.."));
  EXPECT_FALSE(gtest.Recognises(elf + "..--gtest_list_tests only.."));
  EXPECT_FALSE(gtest.Recognises("#!/bin/sh\nexec x --gtest_list_tests GTEST_SHARD_INDEX\n"));
  // This test binary is one; /bin/true is not; a missing file is not.
  EXPECT_EQ(FrameworkOfFile("/proc/self/exe"), &gtest);
  EXPECT_EQ(FrameworkOfFile("/bin/true"), nullptr);
  EXPECT_EQ(FrameworkOfFile("/nonexistent/binary"), nullptr);
}

TEST(GoogleTestFrameworkTest, ALaunchNamesExactlyItsSelectionInAFilterOrAFlagFile) {
  const TestFramework& gtest = GoogleTestFramework();
  ScratchDir dir;
  std::vector<std::string> args;
  std::string file, err;
  ASSERT_TRUE(gtest.LaunchArgs({{"A", "", true}, {"B", "x/1", false}}, true, dir.path(), &args,
                               &file, &err))
      << err;
  EXPECT_EQ(args, (std::vector<std::string>{"--gtest_filter=A.*:B.x/1", "--gtest_color=no",
                                            "--gtest_also_run_disabled_tests"}));
  EXPECT_TRUE(file.empty());

  // Too long for one argument: the same filter, in a flag file.
  std::vector<Selected> many;
  std::string joined;
  for (int i = 0; i < 20000; ++i) {
    many.push_back({"Suite", "Test" + std::to_string(i), false});
    joined += (i ? ":" : "") + many.back().FullName();
  }
  ASSERT_TRUE(gtest.LaunchArgs(many, false, dir.path(), &args, &file, &err)) << err;
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(args, (std::vector<std::string>{"--gtest_flagfile=" + file, "--gtest_color=no"}));
  EXPECT_EQ(testing_util::ReadFile(file), "--gtest_filter=" + joined + "\n");
  unlink(file.c_str());

  EXPECT_FALSE(gtest.LaunchArgs(many, false, dir.File("no/such/dir"), &args, &file, &err));
  EXPECT_NE(err.find("could not write its filter file"), std::string::npos) << err;
}

}  // namespace
}  // namespace mprun::runner
