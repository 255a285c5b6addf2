#include "core/json.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "core/json_reporter.h"
#include "tests/e2e_util.h"

namespace mprun::core {
namespace {

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(JsonTest, EscapesControlCharactersAndQuotes) {
  EXPECT_EQ(Quote("a\"b\\c\n\t\x01"), "\"a\\\"b\\\\c\\n\\t\\u0001\"");
}

TEST(JsonTest, AnyBytesBecomeValidJson) {
  const std::string nasty =
      std::string("ok \xff\xfe bad, \xe2\x82\xac euro, \xed\xa0\x80 surrogate, ") +
      std::string("\0nul", 4) + " ]]> end";
  rapidjson::Document d;
  const std::string text = "{\"s\": " + Quote(nasty) + "}";
  d.Parse(text.c_str());
  ASSERT_FALSE(d.HasParseError()) << text;
  const std::string back(d["s"].GetString(), d["s"].GetStringLength());
  EXPECT_NE(back.find("\xe2\x82\xac euro"), std::string::npos);
  EXPECT_NE(back.find("\xef\xbf\xbd"), std::string::npos) << "invalid bytes become U+FFFD";
}

TEST(JsonTest, ReportFollowsTheContractSchema) {
  RunInfo run;
  run.binaries = {"bin/t"};
  run.workers = 2;
  run.tests = {{0, "S", "a"}, {0, "S", "b"}, {0, "S", "c"}};
  Ledger ledger(3);
  TestResult crashed;
  crashed.outcome = Outcome::kCrashed;
  crashed.signal = "SIGSEGV";
  crashed.worker = 1;
  crashed.duration_ns = 1'500'000;
  crashed.output = "boom\n";
  ledger.Record(1, crashed);
  TestResult passed;
  passed.outcome = Outcome::kPassed;
  ledger.Record(0, passed);
  RunSummary summary;
  summary.wall_seconds = 0.5;
  rapidjson::Document d;
  const std::string text = RenderJsonReport(run, ledger, summary);
  d.Parse(text.c_str());
  ASSERT_FALSE(d.HasParseError()) << text;
  EXPECT_STREQ(d["mprun_version"].GetString(), kMprunVersion);
  EXPECT_EQ(d["processes"].GetInt(), 2);
  EXPECT_EQ(d["summary"]["total"].GetInt(), 3);
  EXPECT_EQ(d["summary"]["passed"].GetInt(), 1);
  EXPECT_EQ(d["summary"]["crashed"].GetInt(), 1);
  EXPECT_EQ(d["summary"]["failed"].GetInt(), 0) << "failed excludes crashed";
  EXPECT_EQ(d["summary"]["not_run"].GetInt(), 1) << "unfinished counts as not_run";
  const auto& t1 = d["tests"][1];
  EXPECT_STREQ(t1["name"].GetString(), "S.b");
  EXPECT_STREQ(t1["binary"].GetString(), "bin/t");
  EXPECT_STREQ(t1["outcome"].GetString(), "crashed");
  EXPECT_STREQ(t1["signal"].GetString(), "SIGSEGV");
  EXPECT_DOUBLE_EQ(t1["duration_ms"].GetDouble(), 1.5);
  EXPECT_EQ(t1["worker"].GetInt(), 1);
  EXPECT_EQ(t1["attempts"].GetInt(), 1);
  EXPECT_STREQ(d["tests"][2]["outcome"].GetString(), "not_run");
}

TEST(JsonTest, ReportsAreReplacedAtomically) {
  testing_util::ScratchDir dir;
  std::string err;
  ASSERT_TRUE(WriteFileAtomically(dir.File("r.json"), "first", &err)) << err;
  ASSERT_TRUE(WriteFileAtomically(dir.File("r.json"), "second", &err)) << err;
  EXPECT_EQ(testing_util::ReadFile(dir.File("r.json")), "second");
  EXPECT_EQ(dir.List().size(), 1u) << "no temporary file left";
  EXPECT_FALSE(WriteFileAtomically(dir.File("missing/r.json"), "x", &err));
  EXPECT_NE(err.find("missing/r.json"), std::string::npos) << err;
}

}  // namespace
}  // namespace mprun::core
