// core::TestXml: ctest's Test.xml, read back with pugixml.
#include "core/report/ctest_dashboard.h"

#include <gtest/gtest.h>

#include <pugixml.hpp>
#include <string>

namespace mprun::core {
namespace {

DashboardRun TwoTests() {
  DashboardRun run;
  run.stamp = "20261207-2314-Experimental";
  run.generator = "mprun-0.1.0";
  run.hostname = "host \"a\"";
  run.start_s = 1000;
  run.end_s = 1130;
  DashboardTest passed;
  passed.name = "catch2:with <&> [brackets]";
  passed.path = "./sub";
  passed.command_line = DashboardCommandLine({"/b/catched", "with <&> [brackets]"});
  passed.status = "passed";
  passed.completion = "Completed";
  passed.seconds = 0.25;
  passed.labels = {"fast", "a&b"};
  DashboardTest failed;
  failed.name = "times_out";
  failed.path = ".";
  failed.command_line = DashboardCommandLine({"/usr/bin/sleep", "30"});
  failed.status = "failed";
  failed.exit_code = "Timeout";
  failed.completion = "Completed";
  failed.seconds = 1;
  failed.output = std::string("bell \a and ]]> and <tag>\n");
  run.tests = {passed, failed};
  return run;
}

TEST(CtestDashboardTest, TestXmlReadsBackAsCtestWritesIt) {
  const std::string xml = TestXml(TwoTests());
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  const pugi::xml_node site = doc.child("Site");
  EXPECT_STREQ(site.attribute("BuildStamp").value(), "20261207-2314-Experimental");
  EXPECT_STREQ(site.attribute("Hostname").value(), "host \"a\"");
  const pugi::xml_node testing = site.child("Testing");
  EXPECT_STREQ(testing.child_value("StartTestTime"), "1000");
  EXPECT_STREQ(testing.child_value("ElapsedMinutes"), "2");
  // ctest's short names: a colon becomes '_'.
  EXPECT_STREQ(testing.child("TestList").first_child().text().get(),
               "./sub/catch2_with <&> [brackets]");
  const pugi::xml_node first = testing.child("Test");
  EXPECT_STREQ(first.attribute("Status").value(), "passed");
  EXPECT_STREQ(first.child_value("Name"), "catch2:with <&> [brackets]");
  EXPECT_STREQ(first.child_value("FullName"), "./sub/catch2_with <&> [brackets]");
  EXPECT_STREQ(first.child_value("FullCommandLine"), "/b/catched \"with <&> [brackets]\"");
  EXPECT_STREQ(first.child("Labels").last_child().text().get(), "a&b");
  const pugi::xml_node second = first.next_sibling("Test");
  EXPECT_STREQ(second.attribute("Status").value(), "failed");
  std::string exit_code, seconds;
  for (const pugi::xml_node m : second.child("Results").children("NamedMeasurement")) {
    if (std::string(m.attribute("name").value()) == "Exit Code") exit_code = m.child_value("Value");
    if (std::string(m.attribute("name").value()) == "Execution Time")
      seconds = m.child_value("Value");
  }
  EXPECT_EQ(exit_code, "Timeout");
  EXPECT_EQ(seconds, "1");
  // What XML cannot hold is left out; the rest is the output as it was.
  EXPECT_STREQ(second.child("Results").child("Measurement").child_value("Value"),
               "bell  and ]]> and <tag>\n");
}

TEST(CtestDashboardTest, TagFileHasTheTagThenTheModelTwice) {
  EXPECT_EQ(TagFile("20261207-2314", "Experimental"),
            "20261207-2314\nExperimental\nExperimental\n");
}

}  // namespace
}  // namespace mprun::core
