#include "core/report/html_report.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <regex>

#include "core/report/json.h"
#include "tests/e2e/e2e_util.h"

namespace mprun::core {
namespace {

constexpr char kDataOpen[] = "<script type=\"application/json\" id=\"mprun-data\">";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The data block of a page: from its opening tag to the first `</script`
// after it, which is where a browser ends it whatever the JSON says.
std::string DataBlock(const std::string& page) {
  const size_t open = page.find(kDataOpen);
  if (open == std::string::npos) return "";
  const size_t from = open + sizeof(kDataOpen) - 1;
  const size_t end = Lower(page).find("</script", from);
  return end == std::string::npos ? "" : page.substr(from, end - from);
}

// Strings made of the pieces that break pages: tags that end a script or
// open a comment, event handlers, entities, JavaScript's line ends.
std::string Hostile(std::mt19937& rng) {
  static const char* const kPieces[] = {"</script>",
                                        "</SCRIPT >",
                                        "<script>alert(1)</script>",
                                        "<!--",
                                        "-->",
                                        "<img src=x onerror=alert(1)>",
                                        "<b>bold</b>",
                                        "&amp;",
                                        "&lt;",
                                        "&",
                                        "<",
                                        ">",
                                        "\"",
                                        "'",
                                        "\\",
                                        "\\u003c",
                                        "\n",
                                        "\t",
                                        "\xe2\x80\xa8",
                                        "\xe2\x80\xa9",
                                        "\xc3\xa9",
                                        "x",
                                        " ",
                                        "]]>",
                                        "${x}",
                                        "`"};
  std::uniform_int_distribution<size_t> piece(0, std::size(kPieces) - 1), count(0, 12);
  std::string s;
  for (size_t n = count(rng); n > 0; --n) s += kPieces[piece(rng)];
  return s;
}

// A string member, "" when absent (the report leaves out empty output).
std::string Text(const rapidjson::Value& obj, const char* key) {
  return obj.HasMember(key) && obj[key].IsString() ? obj[key].GetString() : "";
}

TEST(HtmlReportTest, EscapesWhatCouldEndTheDataBlock) {
  std::string out;
  AppendScriptSafeJson(&out, "\"</script><!--&\xe2\x80\xa8\xe2\x80\xa9\"");
  EXPECT_EQ(out, "\"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029\"");
}

TEST(HtmlReportTest, HostileNamesMessagesAndOutputRoundTripAsText) {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 300; ++round) {
    RunInfo run;
    run.binaries = {"bin/" + Hostile(rng)};
    run.tests = {{0, Hostile(rng), Hostile(rng)}};
    run.command_line = {"mprun", Hostile(rng)};
    Ledger ledger(1);
    TestResult r;
    r.outcome = Outcome::kFailed;
    r.message = Hostile(rng);
    r.output = Hostile(rng);
    ledger.Record(0, r);
    RunSummary summary;
    summary.warnings = {Hostile(rng)};
    const std::string page = RenderHtmlPage(RenderJsonReport(run, ledger, summary));

    const std::string block = DataBlock(page);
    ASSERT_FALSE(block.empty()) << "round " << round;
    // Nothing in the block can be read as markup: no tag, comment or entity.
    EXPECT_EQ(block.find_first_of("<>&"), std::string::npos) << block;
    EXPECT_EQ(block.find("\xe2\x80\xa8"), std::string::npos);
    EXPECT_EQ(block.find("\xe2\x80\xa9"), std::string::npos);
    // ...and it is the whole report: the page's own script follows it.
    EXPECT_NE(page.find("</script>\n<script>", page.find(kDataOpen)), std::string::npos);

    rapidjson::Document doc;
    doc.Parse(block.c_str(), block.size());
    ASSERT_FALSE(doc.HasParseError()) << block;
    const auto& test = doc["tests"][0];
    EXPECT_EQ(Text(test, "name"), run.tests[0].FullName());
    EXPECT_EQ(Text(test, "message"), r.message);
    EXPECT_EQ(Text(test, "output"), r.output);
    EXPECT_EQ(Text(test, "binary"), run.binaries[0]);
    EXPECT_EQ(doc["command_line"][1].GetString(), run.command_line[1]);
    EXPECT_EQ(doc["warnings"][0].GetString(), summary.warnings[0]);
  }
}

TEST(HtmlReportTest, PageFetchesNothing) {
  const std::string page = RenderHtmlPage("{\"tests\": []}");
  // No address to load from, no stylesheet, font or import; the policy
  // forbids any load the page might still try.
  EXPECT_FALSE(std::regex_search(page, std::regex(R"((src|href|action)\s*=)", std::regex::icase)));
  EXPECT_EQ(Lower(page).find("<link"), std::string::npos);
  EXPECT_EQ(Lower(page).find("@import"), std::string::npos);
  EXPECT_EQ(Lower(page).find("url("), std::string::npos);
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
}

TEST(HtmlReportTest, ReporterWritesAPageAtStartAndAtEnd) {
  testing_util::ScratchDir dir;
  RunInfo run;
  run.binaries = {"bin/t"};
  run.tests = {{0, "S", "A"}, {0, "S", "B"}};
  run.workers = 2;
  HtmlReporter html(dir.File("r.html"));
  html.OnRunStart(run);
  html.OnWorkerStarted(0, 1000);
  html.OnWorkerStarted(1, 2000);
  html.OnWorkerStarted(0, 5'000'000);  // a replacement
  // A run killed now leaves a page that says it is incomplete.
  const std::string early = DataBlock(testing_util::ReadFile(dir.File("r.html")));
  rapidjson::Document early_doc;
  early_doc.Parse(early.c_str(), early.size());
  ASSERT_FALSE(early_doc.HasParseError()) << early;
  EXPECT_FALSE(early_doc["complete"].GetBool()) << early;
  Ledger ledger(2);
  TestResult passed;
  passed.outcome = Outcome::kPassed;
  ledger.Record(0, passed);
  ledger.Record(1, passed);
  html.OnRunEnd(run, ledger, RunSummary{});
  EXPECT_TRUE(html.error().empty());
  const std::string done = DataBlock(testing_util::ReadFile(dir.File("r.html")));
  rapidjson::Document doc;
  doc.Parse(done.c_str(), done.size());
  ASSERT_FALSE(doc.HasParseError()) << done;
  EXPECT_TRUE(doc["complete"].GetBool());
  EXPECT_EQ(doc["exit_status"].GetInt(), 0);
  EXPECT_EQ(doc["summary"]["passed"].GetInt(), 2);
  ASSERT_EQ(doc["worker_starts"].Size(), 3u);
  EXPECT_EQ(doc["worker_starts"][2]["worker"].GetInt(), 0);
  EXPECT_DOUBLE_EQ(doc["worker_starts"][2]["at_ms"].GetDouble(), 5.0);
}

TEST(HtmlReportTest, UnwritablePathIsTheRunsError) {
  HtmlReporter html("/nonexistent-dir/r.html");
  RunInfo run;
  html.OnRunEnd(run, Ledger(0), RunSummary{});
  EXPECT_NE(html.error().find("nonexistent-dir"), std::string::npos) << html.error();
}

}  // namespace
}  // namespace mprun::core
