#include "core/report/json.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <map>
#include <pugixml.hpp>
#include <random>
#include <set>

#include "core/report/json_reporter.h"
#include "core/report/junit_reporter.h"
#include "core/report/trace_reporter.h"
#include "tests/e2e/e2e_util.h"

namespace mprun::core {
namespace {

std::string Quote(std::string_view s) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteJsonString(&w, s);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string Number(double v) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteJsonNumber(&w, v);
  return {buffer.GetString(), buffer.GetSize()};
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

TEST(JsonTest, NumbersHaveAtMostThreeDecimalsAndNeverNaN) {
  EXPECT_EQ(Number(1.5), "1.5");
  EXPECT_EQ(Number(1.2346), "1.235") << "rounded, not cut";
  EXPECT_EQ(Number(0.0004), "0.0");
  EXPECT_EQ(Number(2), "2.0") << "still a double for readers that ask";
  EXPECT_EQ(Number(1e6 / 3), "333333.333");
  EXPECT_EQ(Number(std::nan("")), "0");
  EXPECT_EQ(Number(-INFINITY), "0");
}

TEST(JsonTest, NumbersRoundAsPrintfRounds) {
  // The reports wrote "%.3f" before; readers see the same numbers.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> any(-1e6, 1e6);
  std::vector<double> values = {0.0005, 0.0015, 1.2345, 2.0625, -1.0625, 1e-9, 123456789.0005};
  for (uint64_t ns = 0; ns < 200'000; ns += 7) values.push_back(static_cast<double>(ns) / 1e6);
  for (int i = 0; i < 100'000; ++i) values.push_back(any(rng));
  for (int i = 0; i < 100'000; ++i) values.push_back(std::round(any(rng) * 1e4) / 1e7);  // halves
  for (double v : values) {
    char printed[64];
    std::snprintf(printed, sizeof printed, "%.3f", v);
    ASSERT_EQ(ReportNumber(v), std::strtod(printed, nullptr)) << printed << " from " << v;
  }
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

TEST(JsonTest, ReportHoldsOneTestALine) {
  // People read, grep and diff reports of thousands of tests.
  RunInfo run;
  run.binaries = {"bin/t"};
  run.tests = {{0, "S", "a"}, {0, "S", "b"}};
  Ledger ledger(2);
  TestResult r;
  r.outcome = Outcome::kFailed;
  r.message = "two\nlines";
  ledger.Record(0, r);
  const std::string text = RenderJsonReport(run, ledger, RunSummary());
  EXPECT_NE(text.find("\n  {\"binary\":\"bin/t\",\"name\":\"S.a\",\"outcome\":\"failed\","),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("},\n  {\"binary\":\"bin/t\",\"name\":\"S.b\","), std::string::npos) << text;
}

RunInfo SmallRun() {
  RunInfo run;
  run.binaries = {"bin/t"};
  run.workers = 2;
  run.tests = {
      {0, "S", "pass"}, {0, "S", "fail"}, {0, "S", "crash"}, {0, "T", "skip"}, {0, "T", "never"}};
  return run;
}

Ledger SmallLedger(const std::string& nasty_output) {
  Ledger ledger(5);
  auto add = [&](uint32_t t, Outcome o, std::string message, std::string output, int worker,
                 uint64_t start_ms, uint64_t dur_ms) {
    TestResult r;
    r.outcome = o;
    r.message = std::move(message);
    r.output = std::move(output);
    r.worker = worker;
    r.start_ns = start_ms * 1'000'000;
    r.duration_ns = dur_ms * 1'000'000;
    ledger.Record(t, r);
  };
  add(0, Outcome::kPassed, "", "", 0, 0, 5);
  add(1, Outcome::kFailed, "a.cc:3: Failure\nwrong", nasty_output, 0, 5, 5);
  add(2, Outcome::kCrashed, "crashed: SIGSEGV (Segmentation fault)", "last words", 1, 0, 7);
  add(3, Outcome::kSkipped, "a.cc:9: Skipped\nnot today", "", 1, 7, 1);
  return ledger;  // test 4 never finished
}

TEST(JunitTest, EveryTestHasTheElementsJunitReadersRequire) {
  const std::string nasty =
      std::string("ok \x01\x02 bell, \xff\xfe bad utf-8, ]]> end, <tag> & \"q\"");
  RunSummary summary;
  summary.wall_seconds = 0.02;
  std::string xml = RenderJunitXml(SmallRun(), SmallLedger(nasty), summary);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
  const pugi::xml_node root = doc.child("testsuites");
  ASSERT_TRUE(root);
  EXPECT_STREQ(root.attribute("tests").value(), "5");
  EXPECT_STREQ(root.attribute("failures").value(), "1");
  EXPECT_STREQ(root.attribute("errors").value(), "1");
  EXPECT_STREQ(root.attribute("skipped").value(), "2");
  std::map<std::string, std::string> kind;
  int suites = 0;
  for (const pugi::xml_node suite : root.children("testsuite")) {
    ++suites;
    for (const char* attr : {"name", "tests", "failures", "errors", "skipped", "time"}) {
      EXPECT_TRUE(suite.attribute(attr)) << attr;
    }
    for (const pugi::xml_node tc : suite.children("testcase")) {
      for (const char* attr : {"name", "classname", "time"}) {
        EXPECT_TRUE(tc.attribute(attr)) << attr;
      }
      const std::string name = tc.attribute("name").value();
      kind[name] = tc.first_child().name();
      if (name == "fail") {
        const pugi::xml_node out = tc.child("system-out");
        ASSERT_TRUE(out);
        std::string text;  // "]]>" splits the text over two CDATA sections
        for (const pugi::xml_node part : out.children()) text += part.value();
        EXPECT_NE(text.find("]]> end, <tag> & \"q\""), std::string::npos) << text;
      }
    }
  }
  EXPECT_EQ(suites, 2);
  EXPECT_EQ(kind, (std::map<std::string, std::string>{{"pass", ""},
                                                      {"fail", "failure"},
                                                      {"crash", "error"},
                                                      {"skip", "skipped"},
                                                      {"never", "skipped"}}));
}

TEST(TraceTest, OneTrackPerWorkerAndSlicesNeverOverlapOnATrack) {
  TraceReporter trace("");
  const RunInfo run = SmallRun();
  const Ledger ledger = SmallLedger("");
  trace.OnRunStart(run);
  trace.OnWorkerStarted(0, 0);
  trace.OnWorkerStarted(1, 0);
  for (uint32_t t = 0; t < 5; ++t) {
    if (ledger.Finished(t)) trace.OnTestFinished(run, t, ledger.Get(t));
  }
  trace.OnWorkerEnded(1, {true, 11}, false, 7'000'000);
  Progress p;
  p.elapsed_ns = 8'000'000;
  p.steals = {0, 2};
  trace.OnTick(run, ledger, p);
  rapidjson::Document d;
  const std::string text = trace.Render();
  d.Parse(text.c_str());
  ASSERT_FALSE(d.HasParseError()) << text;
  std::map<int, std::vector<std::pair<double, double>>> slices;
  std::set<int> named;
  std::vector<std::string> instants;
  for (const auto& e : d["traceEvents"].GetArray()) {
    const std::string ph = e["ph"].GetString();
    if (ph == "M" && std::string(e["name"].GetString()) == "thread_name")
      named.insert(e["tid"].GetInt());
    if (ph == "X")
      slices[e["tid"].GetInt()].emplace_back(e["ts"].GetDouble(), e["dur"].GetDouble());
    if (ph == "i") instants.push_back(e["name"].GetString());
  }
  EXPECT_EQ(named, (std::set<int>{0, 1}));
  EXPECT_EQ(slices[0].size(), 2u);
  EXPECT_EQ(slices[1].size(), 2u);
  for (auto& [tid, s] : slices) {
    std::sort(s.begin(), s.end());
    for (size_t i = 1; i < s.size(); ++i)
      EXPECT_LE(s[i - 1].first + s[i - 1].second, s[i].first) << tid;
  }
  EXPECT_EQ(instants,
            (std::vector<std::string>{"worker started", "worker started", "worker died", "steal"}));
}

TEST(JsonTest, APlaceholderReportExistsFromTheStart) {
  testing_util::ScratchDir dir;
  JsonReporter json(dir.File("r.json"));
  const RunInfo run = SmallRun();
  json.OnRunStart(run);
  rapidjson::Document d;
  d.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_FALSE(d["complete"].GetBool());
  EXPECT_EQ(d["summary"]["not_run"].GetInt(), 5);
  // Results arriving make the next tick (a second later) rewrite it.
  const Ledger ledger = SmallLedger("");
  Progress p;
  p.elapsed_ns = 2'000'000'000;
  json.OnTick(run, ledger, p);
  d.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_FALSE(d["complete"].GetBool());
  EXPECT_EQ(d["summary"]["passed"].GetInt(), 1);
  EXPECT_EQ(d["summary"]["not_run"].GetInt(), 1);
  RunSummary summary;
  json.OnRunEnd(run, ledger, summary);
  d.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  EXPECT_TRUE(d["complete"].GetBool());
}

TEST(JsonTest, OnlyTheWriteThatCompletesTheReportDecidesItsError) {
  // Progress copies may fail (descriptors run out while every worker runs);
  // the run's error is the final write's.
  testing_util::ScratchDir dir;
  const std::string sub = dir.File("later");
  JsonReporter json(sub + "/r.json");
  const RunInfo run = SmallRun();
  json.OnRunStart(run);  // the folder does not exist yet
  EXPECT_EQ(json.error(), "");
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  RunSummary summary;
  json.OnRunEnd(run, SmallLedger(""), summary);
  EXPECT_EQ(json.error(), "");
  rapidjson::Document d;
  d.Parse(testing_util::ReadFile(sub + "/r.json").c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_TRUE(d["complete"].GetBool());
  // The other way round: the final write failing is the error.
  ASSERT_EQ(unlink((sub + "/r.json").c_str()), 0);
  ASSERT_EQ(rmdir(sub.c_str()), 0);
  json.OnRunEnd(run, SmallLedger(""), summary);
  EXPECT_NE(json.error().find("No such file or directory"), std::string::npos) << json.error();
}

}  // namespace
}  // namespace mprun::core
