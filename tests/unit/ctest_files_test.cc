// CtestFileRefs: the files a CTestTestfile.cmake makes ctest read, from
// what CMake writes, and a refusal for anything else (the cache of ctest's
// listing must never outlive what it depends on).
#include "core/input/ctest_files.h"

#include <gtest/gtest.h>

namespace mprun::core {
namespace {

CtestFileRefs Refs(std::string_view text) {
  CtestFileRefs refs;
  std::string why;
  EXPECT_TRUE(ReadCtestFileRefs(text, &refs, &why)) << why;
  return refs;
}

std::string Refused(std::string_view text) {
  CtestFileRefs refs;
  std::string why;
  EXPECT_FALSE(ReadCtestFileRefs(text, &refs, &why)) << text;
  return why;
}

// As CMake 3.25 writes a folder with gtest_discover_tests, plain add_test
// lines with properties, and subdirectories.
TEST(CtestFilesTest, WhatCMakeWritesIsFollowed) {
  const CtestFileRefs refs = Refs(R"(# CMake generated Testfile for
# Source directory: /src
include("/b/discovered[1]_include.cmake")
add_test([=[whole]=] "/b/whole")
set_tests_properties([=[whole]=] PROPERTIES  _BACKTRACE_TRIPLES "/src/CMakeLists.txt;18;add_test;/src/CMakeLists.txt;0;")
add_test([=[script]=] "sh" "-c" "echo \"(quoted)\" # not a comment")
set_tests_properties([=[regex]=] PROPERTIES PASS_REGULAR_EXPRESSION [==[^ok$
second line)]==] WILL_FAIL "TRUE")
#[[ a bracket
comment with include("/nowhere") ]]
set_directory_properties(PROPERTIES LABELS "unit")
subdirs("lib")
subdirs("/abs/tools" "more")
)");
  EXPECT_EQ(refs.includes, std::vector<std::string>{"/b/discovered[1]_include.cmake"});
  EXPECT_EQ(refs.subdirs, (std::vector<std::string>{"lib", "/abs/tools", "more"}));
  EXPECT_TRUE(refs.exists.empty());
}

TEST(CtestFilesTest, GtestDiscoverTestsTestsFileSetsItsTestListVariable) {
  Refs(R"(add_test([=[S.T]=]  /b/t [==[--gtest_filter=S.T]==] --gtest_also_run_disabled_tests)
set_tests_properties([=[S.T]=]  PROPERTIES WORKING_DIRECTORY /b SKIP_REGULAR_EXPRESSION [==[\[  SKIPPED \]]==])
set(  t_TESTS S.T)
)");
}

TEST(CtestFilesTest, GtestDiscoverTestsIncludeFileNamesItsTestsFileTwice) {
  const CtestFileRefs refs = Refs(R"(if(EXISTS "/b/t[1]_tests.cmake")
  include("/b/t[1]_tests.cmake")
else()
  add_test(t_NOT_BUILT t_NOT_BUILT)
endif()
)");
  EXPECT_EQ(refs.exists, std::vector<std::string>{"/b/t[1]_tests.cmake"});
  EXPECT_EQ(refs.includes, std::vector<std::string>{"/b/t[1]_tests.cmake"});
}

TEST(CtestFilesTest, AnEmptyFileHasNoReferences) {
  const CtestFileRefs refs = Refs("");
  EXPECT_TRUE(refs.includes.empty() && refs.subdirs.empty() && refs.exists.empty());
}

TEST(CtestFilesTest, ScriptsVariablesAndConditionsCannotBeFollowed) {
  EXPECT_NE(Refused("execute_process(COMMAND /bin/true)\n").find("execute_process"),
            std::string::npos);
  EXPECT_NE(Refused("set(ENV{X} 1)\n").find("set"), std::string::npos);
  EXPECT_NE(Refused("include(\"${DIR}/tests.cmake\")\n").find("variable"), std::string::npos);
  EXPECT_NE(Refused("add_test(a \"$ENV{HOME}/a\")\n").find("variable"), std::string::npos);
  EXPECT_NE(Refused("add_test(a $CACHE{X})\n").find("variable"), std::string::npos);
  EXPECT_NE(Refused("include(relative.cmake)\n").find("absolute"), std::string::npos);
  EXPECT_NE(Refused("include(\"/a.cmake\" OPTIONAL)\n").find("absolute"), std::string::npos);
  // What a multi-configuration generator writes: tests per -C.
  EXPECT_NE(
      Refused("if(CTEST_CONFIGURATION_TYPE MATCHES \"^([Dd]ebug)$\")\nendif()\n").find("if(EXISTS"),
      std::string::npos);
  EXPECT_NE(Refused("file(GLOB x \"/b/*\")\n").find("file"), std::string::npos);
  EXPECT_NE(Refused("subdirs(\"\")\n").find("empty"), std::string::npos);
  // A regular expression's "$" is no variable.
  Refs("set_tests_properties(a PROPERTIES PASS_REGULAR_EXPRESSION \"done$\")\n");
}

TEST(CtestFilesTest, BrokenTextIsRefusedNamingTheLine) {
  EXPECT_NE(Refused("add_test(a b)\nadd_test(c \"d)\n").find("line 2"), std::string::npos);
  EXPECT_NE(Refused("add_test(a [==[b]=])\n").find("bracket"), std::string::npos);
  EXPECT_NE(Refused("add_test(a b\n").find("never ends"), std::string::npos);
  EXPECT_NE(Refused("not a command\n").find("line 1"), std::string::npos);
}

}  // namespace
}  // namespace mprun::core
