#include "core/history.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/e2e_util.h"

namespace mprun::core {
namespace {

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(HistoryTest, RoundTripKeepsRecentDurationsAndTheLastOutcome) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("h/history.json");  // the directory is created
  History h;
  for (int i = 0; i < 15; ++i) h.Record("bin::S.T", 10.0 + i, Outcome::kPassed, false);
  h.Record("bin::S.U", 3, Outcome::kFailed, false);
  h.Record("bin::S.F", 5, Outcome::kPassed, true);
  std::string err;
  ASSERT_TRUE(h.Save(path, &err)) << err;
  std::string warning;
  const History back = History::Load(path, &warning);
  EXPECT_EQ(warning, "");
  ASSERT_NE(back.Find("bin::S.T"), nullptr);
  EXPECT_EQ(back.Find("bin::S.T")->durations_ms.size(), History::kKeep);
  EXPECT_EQ(back.Find("bin::S.T")->durations_ms.front(), 15.0) << "the oldest are dropped";
  EXPECT_EQ(back.Find("bin::S.T")->EstimateMs(), 20.0) << "median of 15..24";
  EXPECT_EQ(back.Find("bin::S.U")->last_outcome, "failed");
  EXPECT_EQ(back.Find("bin::S.F")->flaky_count, 1u);
  EXPECT_EQ(back.Find("bin::nope"), nullptr);
}

TEST(HistoryTest, SavingMergesWithWhatAnotherRunWroteMeanwhile) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  std::string err, warning;
  History first = History::Load(path, &warning);
  History second = History::Load(path, &warning);
  first.Record("b::S.A", 1, Outcome::kPassed, false);
  second.Record("b::S.B", 2, Outcome::kPassed, false);
  ASSERT_TRUE(first.Save(path, &err));
  ASSERT_TRUE(second.Save(path, &err));
  const History both = History::Load(path, &warning);
  EXPECT_NE(both.Find("b::S.A"), nullptr);
  EXPECT_NE(both.Find("b::S.B"), nullptr);
  EXPECT_EQ(dir.List().size(), 1u) << "no temporary file left";
}

TEST(HistoryTest, MissingFileIsAnEmptyHistoryWithoutWarning) {
  std::string warning = "x";
  const History h = History::Load("/nonexistent/history.json", &warning);
  EXPECT_EQ(h.size(), 0u);
  EXPECT_EQ(warning, "");
}

TEST(HistoryTest, CorruptForeignPartialOrNewerFilesAreIgnoredWithAWarning) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  History good;
  good.Record("b::S.A", 1, Outcome::kPassed, false);
  std::string err;
  ASSERT_TRUE(good.Save(path, &err));
  const std::string whole = testing_util::ReadFile(path);
  struct Case {
    std::string text, says;
  };
  for (const Case& c : std::vector<Case>{
           {"not json at all", "unreadable"},
           {whole.substr(0, whole.size() / 2), "unreadable"},  // a torn write
           {R"({"format": "something-else", "version": 1, "tests": []})", "not an mprun history"},
           {R"({"format": "mprun-history", "version": 99, "tests": []})", "newer mprun"},
           {R"({"format": "mprun-history", "version": 1, "tests": 7})", "unreadable"},
       }) {
    WriteText(path, c.text);
    std::string warning;
    const History h = History::Load(path, &warning);
    EXPECT_EQ(h.size(), 0u) << c.text;
    EXPECT_NE(warning.find(c.says), std::string::npos) << warning;
    EXPECT_NE(warning.find(path), std::string::npos) << "names the file";
  }
}

TEST(HistoryTest, KeysIgnoreWhereTheBinaryIsRunFrom) {
  EXPECT_EQ(HistoryKey("build/tests/unit", "S.T"), "unit::S.T");
  EXPECT_EQ(HistoryKey("./unit", "S.T"), "unit::S.T");
  EXPECT_EQ(HistoryKey("unit", "S.T"), "unit::S.T");
}

}  // namespace
}  // namespace mprun::core
