#include "core/input/gtest_list.h"

#include <gtest/gtest.h>

namespace mprun::core {
namespace {

std::vector<std::string> Names(const std::vector<ListedTest>& tests) {
  std::vector<std::string> out;
  for (const ListedTest& t : tests) out.push_back(t.suite + "." + t.name);
  return out;
}

TEST(GtestListTest, PlainTypedAndParameterisedTestsAsGtestPrintsThem) {
  const char* text =
      "Running main() from /build/googletest/src/gtest_main.cc\n"
      "Math.\n"
      "  Adds\n"
      "  DISABLED_Subtracts\n"
      "TypedList/0.  # TypeParam = int\n"
      "  Grows\n"
      "TypedList/1.  # TypeParam = std::vector<std::pair<int, char> >\n"
      "  Grows\n"
      "Sizes/Param.\n"
      "  Fits/0  # GetParam() = 1\n"
      "  Fits/1  # GetParam() = \"two words  # and a hash\"\n"
      "Weird_Name_.\n"
      "  a_b__c\n";
  std::vector<ListedTest> tests;
  std::string err;
  ASSERT_TRUE(ParseGtestList(text, &tests, &err)) << err;
  EXPECT_EQ(Names(tests),
            (std::vector<std::string>{"Math.Adds", "Math.DISABLED_Subtracts", "TypedList/0.Grows",
                                      "TypedList/1.Grows", "Sizes/Param.Fits/0",
                                      "Sizes/Param.Fits/1", "Weird_Name_.a_b__c"}));
}

TEST(GtestListTest, NothingOrNonsenseIsAnErrorThatSaysWhichLine) {
  std::vector<ListedTest> tests;
  std::string err;
  EXPECT_FALSE(ParseGtestList("", &tests, &err));
  EXPECT_EQ(err, "it listed no tests");
  EXPECT_FALSE(ParseGtestList("Running main() from x.cc\n", &tests, &err));
  EXPECT_FALSE(ParseGtestList("hello world\n", &tests, &err));
  EXPECT_EQ(err, "it listed no tests (it printed: \"hello world\")");
  EXPECT_FALSE(ParseGtestList("  Orphan\n", &tests, &err));
  EXPECT_NE(err.find("a test before any suite"), std::string::npos);
  EXPECT_FALSE(ParseGtestList("Suite.\n  Test\nhello world\n", &tests, &err));
  EXPECT_EQ(err, "line 3 is not a test listing (neither a suite nor a test): \"hello world\"");
  EXPECT_FALSE(ParseGtestList("Suite.\n  Test extra\n", &tests, &err));
  EXPECT_NE(err.find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseGtestList("Suite.\n  Test\nUsage: foo [options]\n", &tests, &err));
  EXPECT_NE(err.find("line 3"), std::string::npos);
  EXPECT_FALSE(ParseGtestList("Suite\n  Test\n", &tests, &err)) << "a suite line ends in '.'";
  EXPECT_FALSE(ParseGtestList(std::string("Sui\x01te.\n  \x02\n", 12), &tests, &err));
  // Names --gtest_filter could not select exactly (tests/fuzz regression).
  for (const char* bad : {"Suite.\n  Te:st\n", "Suite.\n  Te*st\n", "Su?ite.\n  Test\n"}) {
    EXPECT_FALSE(ParseGtestList(bad, &tests, &err)) << bad;
    EXPECT_NE(err.find("line"), std::string::npos) << err;
  }
}

TEST(GtestListTest, WhatABinaryPrintsBeforeItsListingIsPassedOver) {
  std::vector<ListedTest> tests;
  std::string err;
  ASSERT_TRUE(
      ParseGtestList("[INFO] logger ready\nRunning main() from x.cc\nA.\n  One\n", &tests, &err))
      << err;
  EXPECT_EQ(Names(tests), (std::vector<std::string>{"A.One"}));
}

TEST(GtestListTest, WindowsLineEndsAndBlankLinesArePassedOver) {
  std::vector<ListedTest> tests;
  std::string err;
  ASSERT_TRUE(ParseGtestList("A.\r\n  One\r\n\r\n  Two\r\n", &tests, &err)) << err;
  EXPECT_EQ(Names(tests), (std::vector<std::string>{"A.One", "A.Two"}));
}

}  // namespace
}  // namespace mprun::core
