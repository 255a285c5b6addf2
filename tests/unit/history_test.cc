#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "core/input/history_file.h"
#include "tests/e2e/e2e_util.h"

namespace mprun::core {
namespace {

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::vector<TestName> Names(std::initializer_list<const char*> full) {
  std::vector<TestName> out;
  for (const std::string f : full) {
    const size_t dot = f.find('.');
    out.push_back({0, f.substr(0, dot), f.substr(dot + 1)});
  }
  return out;
}

History LoadOk(const std::string& path, const std::string& binary,
               const std::vector<TestName>* tests) {
  std::string warning;
  History h = History::Load(path, binary, tests, &warning);
  EXPECT_EQ(warning, "");
  return h;
}

void SaveOk(const History& h, const std::string& path) {
  std::string err;
  ASSERT_TRUE(h.Save(path, &err)) << err;
}

TEST(HistoryTest, RoundTripKeepsRecentDurationsAndTheLastOutcome) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("h/history.json");  // the directory is created
  const auto tests = Names({"S.T", "S.U", "S.F", "S.NeverFinished"});
  History h = LoadOk(path, "bin", &tests);
  for (int i = 0; i < 15; ++i) h.Record(0, 10.0 + i, Outcome::kPassed, false);
  h.Record(1, 3, Outcome::kFailed, false);
  h.Record(2, 5, Outcome::kPassed, true);
  SaveOk(h, path);
  const History back = LoadOk(path, "bin", &tests);
  TestHistory t, u, f;
  ASSERT_TRUE(back.Find(0, &t));
  EXPECT_EQ(t.durations_us.size(), History::kKeep);
  EXPECT_EQ(t.durations_us.front(), 17000u) << "the oldest are dropped";
  EXPECT_EQ(t.EstimateMs(), 21.0) << "median of 17..24";
  EXPECT_EQ(t.last_outcome, Outcome::kPassed);
  ASSERT_TRUE(back.Find(1, &u));
  EXPECT_EQ(u.last_outcome, Outcome::kFailed);
  ASSERT_TRUE(back.Find(2, &f));
  EXPECT_EQ(f.flaky_count, 1u);
  EXPECT_FALSE(back.Find(3, &t)) << "a test never recorded is not invented";
  EXPECT_EQ(back.size(), 3u) << "one entry per test however often it ran";
}

TEST(HistoryTest, SuiteSetUpsAreKeptUntilSeenAgainAndTheColumnOnlyWhereOneIsNotZero) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  const auto tests = Names({"F.A", "F.B", "P.C"});
  auto read_back = [&] {
    TestHistory a, b, c;
    const History back = LoadOk(path, "bin", &tests);
    EXPECT_TRUE(back.Find(0, &a) && back.Find(1, &b) && back.Find(2, &c));
    return std::vector<uint32_t>{a.suite_set_up_us, b.suite_set_up_us, c.suite_set_up_us};
  };
  {
    History h = LoadOk(path, "bin", &tests);
    h.Record(0, 0, 2, Outcome::kPassed, false, 80.5);  // began F after its 80.5 ms set-up
    h.Record(0, 1, 2, Outcome::kPassed, false, 0);     // after F.A in the same launch
    h.Record(0, 2, 2, Outcome::kPassed, false);        // nothing seen (linked mode)
    SaveOk(h, path);
  }
  EXPECT_EQ(read_back(), (std::vector<uint32_t>{80500, 0, 0}));
  EXPECT_NE(testing_util::ReadFile(path).find("\"suite_set_ups_us\":[80500,0,0]"),
            std::string::npos);
  {
    History h = LoadOk(path, "bin", &tests);  // F.B begins F now; F.A is not seen
    h.Record(0, 1, 2, Outcome::kPassed, false, 60);
    h.Record(0, 0, 2, Outcome::kPassed, false);
    SaveOk(h, path);
  }
  EXPECT_EQ(read_back(), (std::vector<uint32_t>{80500, 60000, 0})) << "kept until seen again";
  {
    History h = LoadOk(path, "bin", &tests);  // the set-up became cheap
    h.Record(0, 0, 2, Outcome::kPassed, false, 0);
    h.Record(0, 1, 2, Outcome::kPassed, false, 0);
    SaveOk(h, path);
  }
  EXPECT_EQ(read_back(), (std::vector<uint32_t>{0, 0, 0}));
  EXPECT_EQ(testing_util::ReadFile(path).find("suite_set_ups_us"), std::string::npos)
      << "no column while every figure is 0 (files stay as they were without set-ups)";
}

TEST(HistoryTest, DurationsAccumulateAcrossRunsUpToTheLimit) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  const auto tests = Names({"S.T"});
  for (int run = 0; run < 5; ++run) {
    History h = LoadOk(path, "bin", &tests);
    h.Record(0, run, Outcome::kPassed, false);
    h.Record(0, run + 0.5, Outcome::kPassed, false);  // --gtest_repeat=2
    SaveOk(h, path);
  }
  TestHistory t;
  ASSERT_TRUE(LoadOk(path, "bin", &tests).Find(0, &t));
  EXPECT_EQ(t.durations_us,
            (std::vector<uint32_t>{1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500}));
}

TEST(HistoryTest, TestsAreFoundByNameWhenTheSuiteChangedAndUnselectedOnesAreKept) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  const auto before = Names({"A.One", "A.Two", "B.Three"});
  History h = LoadOk(path, "bin", &before);
  for (size_t t = 0; t < before.size(); ++t) h.Record(t, 1.0 + t, Outcome::kPassed, false);
  SaveOk(h, path);
  // Reordered, one dropped (not selected this time), one new.
  const auto after = Names({"B.Three", "C.New", "A.One"});
  History next = LoadOk(path, "bin", &after);
  TestHistory t;
  ASSERT_TRUE(next.Find(0, &t));
  EXPECT_EQ(t.durations_us, std::vector<uint32_t>{3000});
  EXPECT_FALSE(next.Find(1, &t));
  ASSERT_TRUE(next.Find(2, &t));
  EXPECT_EQ(t.durations_us, std::vector<uint32_t>{1000});
  next.Record(1, 7, Outcome::kFailed, false);
  SaveOk(next, path);
  const History last = LoadOk(path, "bin", &before);
  EXPECT_EQ(last.size(), 4u);
  ASSERT_TRUE(last.Find(1, &t)) << "A.Two, not run the second time, is still known";
  EXPECT_EQ(t.durations_us, std::vector<uint32_t>{2000});
}

TEST(HistoryTest, EachBinaryHasItsOwnSectionAndTheOthersAreKeptAsTheyWere) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  const auto tests = Names({"S.T"});
  History a = LoadOk(path, "build/a_tests", &tests);
  a.Record(0, 1, Outcome::kPassed, false);
  SaveOk(a, path);
  History b = LoadOk(path, "b_tests", &tests);
  TestHistory t;
  EXPECT_FALSE(b.Find(0, &t)) << "the same test name in another binary is another test";
  b.Record(0, 2, Outcome::kFailed, false);
  SaveOk(b, path);
  ASSERT_TRUE(LoadOk(path, "./a_tests", &tests).Find(0, &t)) << "keyed by file name only";
  EXPECT_EQ(t.durations_us, std::vector<uint32_t>{1000});
  ASSERT_TRUE(LoadOk(path, "/elsewhere/b_tests", &tests).Find(0, &t));
  EXPECT_EQ(t.last_outcome, Outcome::kFailed);
}

// A run of many binaries reads the file once and writes it once: each of
// its binaries' sections is read and written together, and the sections of
// binaries not in the run are copied through.
TEST(HistoryTest, SeveralBinariesAreReadAndSavedTogetherAndTheOthersAreKept) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  const auto a_tests = Names({"A.One", "A.Two"});
  const auto b_tests = Names({"B.One"});
  const auto c_tests = Names({"C.One"});
  History c = LoadOk(path, "c", &c_tests);
  c.Record(0, 9, Outcome::kFailed, false);
  SaveOk(c, path);
  std::string warning;
  History ab = History::Load(path, {{"/x/a", &a_tests}, {"b", &b_tests}}, &warning);
  EXPECT_EQ(warning, "");
  TestHistory t;
  EXPECT_FALSE(ab.Find(0, 0, &t));
  ab.Record(0, 1, 2, Outcome::kPassed, false);
  ab.Record(1, 0, 3, Outcome::kPassed, true);
  ab.Record(0, 0, 4, Outcome::kPassed, false);
  SaveOk(ab, path);
  const History again = History::Load(path, {{"b", &b_tests}, {"a", &a_tests}}, &warning);
  EXPECT_EQ(warning, "");
  ASSERT_TRUE(again.Find(0, 0, &t));
  EXPECT_EQ(t.durations_us, std::vector<uint32_t>{3000});
  EXPECT_EQ(t.flaky_count, 1u);
  ASSERT_TRUE(again.Find(1, 0, &t));
  EXPECT_EQ(t.durations_us, std::vector<uint32_t>{4000});
  ASSERT_TRUE(again.Find(1, 1, &t));
  EXPECT_EQ(t.durations_us, std::vector<uint32_t>{2000});
  EXPECT_EQ(again.size(1), 2u);
  ASSERT_TRUE(LoadOk(path, "c", &c_tests).Find(0, &t)) << "a binary not in the run is kept";
  EXPECT_EQ(t.last_outcome, Outcome::kFailed);
}

TEST(HistoryTest, SavingMergesWithWhatAnotherRunWroteMeanwhile) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  const auto tests = Names({"S.A", "S.B"});
  History first = LoadOk(path, "b", &tests);
  History second = LoadOk(path, "c", &tests);
  History third = LoadOk(path, "b", &tests);
  first.Record(0, 1, Outcome::kPassed, false);
  second.Record(0, 2, Outcome::kPassed, false);
  third.Record(1, 3, Outcome::kPassed, false);
  SaveOk(first, path);
  SaveOk(second, path);
  SaveOk(third, path);
  TestHistory t;
  const History b = LoadOk(path, "b", &tests);
  EXPECT_TRUE(b.Find(0, &t));
  EXPECT_TRUE(b.Find(1, &t));
  EXPECT_TRUE(LoadOk(path, "c", &tests).Find(0, &t));
  std::vector<std::string> left = dir.List();
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"history.json", "history.json.lock"}))
      << "no temporary file left; the lock file stays (removing it would race)";
}

TEST(HistoryTest, MissingFileIsAnEmptyHistoryWithoutWarning) {
  std::string warning = "x";
  const std::vector<TestName> tests;
  const History h = History::Load("/nonexistent/history.json", "b", &tests, &warning);
  EXPECT_EQ(h.size(), 0u);
  EXPECT_EQ(warning, "");
}

TEST(HistoryTest, CorruptForeignPartialOrNewerFilesAreIgnoredWithAWarning) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  const auto tests = Names({"S.A"});
  History good = LoadOk(path, "b", &tests);
  good.Record(0, 1, Outcome::kPassed, false);
  SaveOk(good, path);
  const std::string whole = testing_util::ReadFile(path);
  const std::string head = R"({"format": "mprun-history", "version": 1, "binaries": {"b": )";
  struct Case {
    std::string text, says;
  };
  for (const Case& c : std::vector<Case>{
           {"not json at all", "unreadable"},
           {"", "unreadable"},
           {"[1, 2]", "unreadable"},
           {whole.substr(0, whole.size() / 2), "unreadable"},  // a torn write
           {R"({"format": "something-else", "version": 1, "binaries": {}})",
            "not an mprun history"},
           {R"({"version": 1, "binaries": {}})", "not an mprun history"},
           {R"({"format": "mprun-history", "version": 99, "binaries": []})", "newer mprun"},
           {R"({"format": "mprun-history", "version": 1, "binaries": 7})", "unreadable"},
           {R"({"format": "mprun-history", "version": 1})", "unreadable"},
           {head + R"({"tests": ["S.A"], "durations_us": [[-1]], "last_outcomes": ["passed"], )"
                   R"("flaky_counts": [0]}}})",
            "not a whole number"},
           {head + R"({"tests": ["S.A"], "durations_us": [[1.5]], "last_outcomes": ["passed"], )"
                   R"("flaky_counts": [0]}}})",
            "not a whole number"},
           {head + R"({"tests": ["S.A", "S.B"], "durations_us": [[1]], )"
                   R"("last_outcomes": ["passed"], "flaky_counts": [0]}}})",
            "different lengths"},
           {head + R"({"tests": ["S.A"], "durations_us": [[1]], "flaky_counts": [0]}}})",
            "no column \"last_outcomes\""},
           {head + R"({"tests": ["S.A"], "durations_us": [[1]], "last_outcomes": ["great"], )"
                   R"("flaky_counts": [0]}}})",
            "unknown outcome"},
           {head + R"({"tests": [7], "durations_us": [[1]], "last_outcomes": ["passed"], )"
                   R"("flaky_counts": [0]}}})",
            "not a string"},
       }) {
    WriteText(path, c.text);
    std::string warning;
    const History h = History::Load(path, "b", &tests, &warning);
    EXPECT_EQ(h.size(), 0u) << c.text;
    EXPECT_NE(warning.find(c.says), std::string::npos) << c.text << "\n" << warning;
    EXPECT_NE(warning.find(path), std::string::npos) << "names the file";
  }
}

TEST(HistoryTest, FieldsAndSectionsItDoesNotKnowArePassedOver) {
  testing_util::ScratchDir dir;
  const std::string path = dir.File("history.json");
  WriteText(path, R"({"format": "mprun-history", "version": 1, "note": {"x": [1, {"y": 2}]},
      "binaries": {"other": {"anything": [1, 2, {"z": "}"}]},
        "b": {"tests": ["S.A"], "extra": {"q": [1]}, "durations_us": [[ 4000 , 6000 ]],
              "last_outcomes": ["crashed"], "flaky_counts": [2], "more": "text"}}})");
  const auto tests = Names({"S.A"});
  History h = LoadOk(path, "b", &tests);
  TestHistory t;
  ASSERT_TRUE(h.Find(0, &t));
  EXPECT_EQ(t.durations_us, (std::vector<uint32_t>{4000, 6000}));
  EXPECT_EQ(t.last_outcome, Outcome::kCrashed);
  EXPECT_EQ(t.flaky_count, 2u);
  h.Record(0, 1, Outcome::kPassed, false);
  SaveOk(h, path);
  const std::string text = testing_util::ReadFile(path);
  EXPECT_NE(text.find(R"("other":{"anything": [1, 2, {"z": "}"}]})"), std::string::npos)
      << "another binary's section is copied through as it was: " << text;
}

TEST(HistoryTest, SixteenRunsSavingAtOnceLoseNothing) {
  // As under `ctest -j`: runs of one binary (each its own tests) load the
  // same history, then all save at once. Every run's durations must be in
  // the file afterwards, every time.
  constexpr int kRuns = 16;
  std::vector<std::string> names;
  for (int i = 0; i < kRuns; ++i) names.push_back("S.T" + std::to_string(i));
  std::vector<TestName> tests;
  for (const std::string& n : names) tests.push_back({0, "S", n.substr(2)});
  for (int round = 0; round < 5; ++round) {
    testing_util::ScratchDir dir;
    const std::string path = dir.File("history.json");
    int go[2];
    ASSERT_EQ(pipe(go), 0);
    std::vector<pid_t> children;
    for (int i = 0; i < kRuns; ++i) {
      const pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        close(go[1]);
        std::string warning, err;
        History h = History::Load(path, "bin", &tests, &warning);
        h.Record(static_cast<size_t>(i), 1.0 + i, Outcome::kPassed, false);
        char c;
        // Every child has loaded (an empty history) before any saves.
        [[maybe_unused]] ssize_t n = read(go[0], &c, 1);
        _exit(h.Save(path, &err) ? 0 : 1);
      }
      children.push_back(pid);
    }
    close(go[0]);
    close(go[1]);  // end of file: every child goes at once
    for (pid_t pid : children) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    const History back = LoadOk(path, "bin", &tests);
    int found = 0;
    for (int i = 0; i < kRuns; ++i) {
      TestHistory t;
      if (back.Find(static_cast<size_t>(i), &t)) {
        ++found;
        EXPECT_EQ(t.durations_us, std::vector<uint32_t>{static_cast<uint32_t>(1000 * (1 + i))});
      }
    }
    EXPECT_EQ(found, kRuns) << "round " << round;
  }
}

}  // namespace
}  // namespace mprun::core
