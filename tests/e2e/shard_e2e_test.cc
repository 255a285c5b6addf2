// Shards across machines, end to end in driver mode: four `--shard=K/4`
// runs of a binary whose test durations change every run (so that any
// history rewritten between shards would move a duration-based split) form
// an exact cover whatever order they run in, with the default history or a
// shared one; `mprun merge --history` records what the next shards share;
// and a set that cannot be a cover gets a short, exact diagnosis.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kMprun[] = MPRUN_BINARY;
const char kVaried[] = MPRUN_VARIED_BINARY;
constexpr size_t kTests = 160;

// History on, at its default place unless --history says otherwise (the
// e2e helpers turn it off by default).
const std::map<std::string, std::string> kWithHistory = {{"MPRUN_NO_HISTORY", "\x01unset"},
                                                         {"MPRUN_HISTORY", "\x01unset"}};

// `argv` run in `cwd`: the default history, .mprun/history.json, is
// relative to the working directory.
std::vector<std::string> In(const std::string& cwd, const std::vector<std::string>& argv) {
  std::string command = "cd '" + cwd + "' && exec";
  for (const std::string& a : argv) command += " '" + a + "'";
  return {"/bin/sh", "-c", command};
}

std::vector<std::string> ShardArgs(int k, const std::string& report,
                                   const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {kMprun, "-j2", "--shard=" + std::to_string(k) + "/4",
                                   "--json=" + report};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(kVaried);
  return argv;
}

// Shards `ks` of 4 at once, each writing `dir`/sK.json; their exit status.
void RunShardsAtOnce(const ScratchDir& dir, const std::vector<int>& ks,
                     const std::vector<std::string>& extra = {}) {
  std::vector<std::unique_ptr<ScratchDir>> outs;
  std::vector<pid_t> pids;
  for (int k : ks) {
    outs.push_back(std::make_unique<ScratchDir>());
    pids.push_back(testing_util::Start(
        In(dir.path(), ShardArgs(k, dir.File("s" + std::to_string(k) + ".json"), extra)),
        kWithHistory, *outs.back()));
  }
  for (size_t i = 0; i < pids.size(); ++i) {
    const Proc p = testing_util::Finish(pids[i], *outs[i]);
    EXPECT_EQ(p.status, 0) << "shard " << ks[i] << ": " << p.out << p.err;
  }
}

std::vector<std::string> Reports(const ScratchDir& dir) {
  std::vector<std::string> out;
  for (int k = 1; k <= 4; ++k) out.push_back(dir.File("s" + std::to_string(k) + ".json"));
  return out;
}

std::string ShardField(const std::string& report, const char* key) {
  rapidjson::Document doc;
  testing_util::ParseReport(testing_util::ReadFile(report), &doc);
  if (!doc.IsObject() || !doc.HasMember("shard") || !doc["shard"].HasMember(key)) return "";
  const rapidjson::Value& v = doc["shard"][key];
  return v.IsString() ? v.GetString() : v.IsUint() ? std::to_string(v.GetUint()) : "?";
}

// Every test of the binary in exactly one of `reports`.
void ExpectExactCover(const std::vector<std::string>& reports) {
  std::map<std::string, int> seen;
  for (const std::string& r : reports) {
    rapidjson::Document doc;
    for (const auto& [name, row] : testing_util::ParseReport(testing_util::ReadFile(r), &doc)) {
      ++seen[name];
    }
  }
  EXPECT_EQ(seen.size(), kTests) << "tests that ran in no shard";
  size_t twice = 0;
  for (const auto& [name, count] : seen) twice += count != 1;
  EXPECT_EQ(twice, 0u) << "tests that ran in more than one shard";
}

Proc Merge(const ScratchDir& dir, const std::vector<std::string>& reports,
           const std::vector<std::string>& flags = {}) {
  std::vector<std::string> argv = {kMprun, "merge"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), reports.begin(), reports.end());
  return testing_util::Run(argv, {}, dir);
}

void ExpectCleanMerge(const ScratchDir& dir) {
  ExpectExactCover(Reports(dir));
  const Proc m = Merge(dir, Reports(dir));
  EXPECT_EQ(m.status, 0) << m.out << m.err;
  EXPECT_NE(m.out.find("mprun: 160 passed, 0 failed, 0 skipped"), std::string::npos) << m.out;
}

// An unsharded run: durations for every test, so that the split is by them.
void SeedHistory(const ScratchDir& dir, const std::vector<std::string>& flags = {}) {
  std::vector<std::string> argv = {kMprun, "-j2", "-q"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(kVaried);
  const Proc p = testing_util::Run(In(dir.path(), argv), kWithHistory, dir);
  ASSERT_EQ(p.status, 0) << p.out << p.err;
}

size_t Lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(ShardCoverTest, ShardsRunOneAfterAnotherWithTheDefaultHistoryFormAnExactCover) {
  ScratchDir dir;
  SeedHistory(dir);
  const std::string history = dir.File(".mprun/history.json");
  const std::string before = testing_util::ReadFile(history);
  ASSERT_NE(before.find("Varied.Sleeps/0"), std::string::npos) << before;
  for (int k = 1; k <= 4; ++k) {
    const std::string report = dir.File("s" + std::to_string(k) + ".json");
    const Proc p = testing_util::Run(In(dir.path(), ShardArgs(k, report)), kWithHistory, dir);
    EXPECT_EQ(p.status, 0) << p.out << p.err;
    EXPECT_EQ(ShardField(report, "split"), "durations");
    EXPECT_EQ(ShardField(report, "selected"), "160");
  }
  EXPECT_TRUE(testing_util::ReadFile(history) == before) << "a sharded run rewrote the history";
  ExpectCleanMerge(dir);
}

TEST(ShardCoverTest, ShardsRunAtOnceSharingOneHistoryFileFormAnExactCover) {
  ScratchDir dir;
  const std::string history = dir.File("shared-history.json");
  SeedHistory(dir, {"--history=" + history});
  RunShardsAtOnce(dir, {1, 2, 3, 4}, {"--history=" + history});
  for (const std::string& r : Reports(dir)) EXPECT_EQ(ShardField(r, "split"), "durations") << r;
  ExpectCleanMerge(dir);
}

TEST(ShardCoverTest, ShardsRunInTwoWavesFormAnExactCover) {
  ScratchDir dir;
  SeedHistory(dir);
  RunShardsAtOnce(dir, {1, 2});
  RunShardsAtOnce(dir, {3, 4});
  ExpectCleanMerge(dir);
}

TEST(ShardCoverTest, MergeRecordsTheHistoryThatTheNextShardsSplitBy) {
  ScratchDir dir;
  const std::string history = dir.File("cache/history.json");
  for (int k = 1; k <= 4; ++k) {
    const std::string report = dir.File("s" + std::to_string(k) + ".json");
    std::vector<std::string> extra = {"--history=" + history};
    if (k == 1) extra.push_back("-v");
    const Proc p =
        testing_util::Run(In(dir.path(), ShardArgs(k, report, extra)), kWithHistory, dir);
    EXPECT_EQ(p.status, 0) << p.out << p.err;
    if (k == 1) {
      const size_t at = p.out.find("mprun merge --history");
      EXPECT_NE(at, std::string::npos) << p.out;
      EXPECT_EQ(p.out.find("mprun merge --history", at + 1), std::string::npos) << "said twice";
    }
    EXPECT_EQ(ShardField(report, "split"), "hash");  // nothing to split by yet
  }
  EXPECT_NE(access(history.c_str(), F_OK), 0) << "a sharded run wrote the history";
  EXPECT_NE(access(dir.File(".mprun").c_str(), F_OK), 0) << "a sharded run wrote a history";
  ExpectExactCover(Reports(dir));

  Proc m = Merge(dir, Reports(dir), {"--history=" + history});
  EXPECT_EQ(m.status, 0) << m.out << m.err;
  rapidjson::Document h;
  h.Parse(testing_util::ReadFile(history).c_str());
  ASSERT_TRUE(h.IsObject() && h.HasMember("binaries")) << testing_util::ReadFile(history);
  ASSERT_TRUE(h["binaries"].HasMember("varied_durations_test"));
  EXPECT_EQ(h["binaries"]["varied_durations_test"]["tests"].Size(), kTests);

  RunShardsAtOnce(dir, {1, 2, 3, 4}, {"--history=" + history});
  std::vector<std::string> costs;
  for (const std::string& r : Reports(dir)) {
    EXPECT_EQ(ShardField(r, "split"), "durations") << r;
    costs.push_back(ShardField(r, "costs_digest"));
  }
  EXPECT_NE(costs[0], "");
  EXPECT_EQ(std::count(costs.begin(), costs.end(), costs[0]), 4);
  ExpectCleanMerge(dir);
}

TEST(ShardCoverTest, ShardsFromDifferentInputsAreToldInOneLine) {
  ScratchDir dir;
  const std::string history = dir.File("h.json");
  SeedHistory(dir, {"--history=" + history});
  RunShardsAtOnce(dir, {1, 2}, {"--history=" + history});
  // The cache changes in between (a merge of another set of shards).
  ASSERT_EQ(Merge(dir, {dir.File("s1.json")}, {"--history=" + history}).status, 1);
  RunShardsAtOnce(dir, {3, 4}, {"--history=" + history});
  Proc m = Merge(dir, Reports(dir));
  EXPECT_EQ(m.status, 1) << m.out << m.err;
  EXPECT_NE(m.out.find("the shards were computed from different inputs: shards 3, 4 differ from "
                       "shard 1 in their history"),
            std::string::npos)
      << m.out;
  EXPECT_LT(Lines(m.out), 20u) << m.out;

  // Another test list: shard 4 without the Short tests.
  RunShardsAtOnce(dir, {4}, {"--history=" + history, "--gtest_filter=-Short/*"});
  m = Merge(dir, Reports(dir));
  EXPECT_EQ(m.status, 1) << m.out << m.err;
  EXPECT_NE(m.out.find("shard 3 differs from shard 1 in its history; shard 4 in its test list"),
            std::string::npos)
      << m.out;
  EXPECT_LT(Lines(m.out), 20u) << m.out;
}

// A report of shard `index` of 2 over 42 selected tests S.t0..S.t41 of
// binary b that ran tests [from, to); without the split's inputs as an
// older mprun wrote it.
void WriteReport(const std::string& path, int index, int from, int to, bool with_basis) {
  std::ofstream out(path);
  out << R"({"mprun_version": "0.1.0", "complete": true, "processes": 2, "shard": {"index": )"
      << index << R"(, "total": 2)";
  if (with_basis) {
    out << R"(, "selected": 42, "tests_digest": "00000000000000aa", "split": "hash",)"
        << R"( "tests": [{"binary": "b", "suites": [["S")";
    for (int t = 0; t < 42; ++t) out << ", \"t" << t << "\"";
    out << "]]}]";
  }
  out << R"(}, "wall_seconds": 1, "tests": [)";
  for (int t = from; t < to; ++t) {
    out << (t == from ? "" : ", ") << R"({"binary": "/x/b", "name": "S.t)" << t
        << R"(", "outcome": "passed", "duration_ms": 1, "iteration": 1})";
  }
  out << "]}\n";
}

TEST(ShardCoverTest, DuplicatesAndTestsNoShardRanAreNamedBriefly) {
  ScratchDir dir;
  const std::string a = dir.File("a.json"), b = dir.File("b.json");
  WriteReport(a, 1, 0, 25, true);
  WriteReport(b, 2, 10, 30, true);
  Proc m = Merge(dir, {a, b});
  EXPECT_EQ(m.status, 1) << m.out << m.err;
  EXPECT_NE(m.out.find("15 tests are reported twice: S.t10, S.t11, S.t12, S.t13, S.t14, S.t15, "
                       "S.t16, S.t17, S.t18, S.t19 (and 5 more)"),
            std::string::npos)
      << m.out;
  EXPECT_NE(m.out.find("12 selected tests ran in no shard: S.t30, S.t31, S.t32, S.t33, S.t34, "
                       "S.t35, S.t36, S.t37, S.t38, S.t39 (and 2 more)"),
            std::string::npos)
      << m.out;
  EXPECT_EQ(m.out.find("different inputs"), std::string::npos) << m.out;
  EXPECT_LT(Lines(m.out), 12u) << m.out;

  // Older reports, without the split's inputs: the duplicates are still
  // named; which tests no shard ran cannot be known.
  WriteReport(a, 1, 0, 25, false);
  WriteReport(b, 2, 10, 30, false);
  m = Merge(dir, {a, b});
  EXPECT_EQ(m.status, 1) << m.out << m.err;
  EXPECT_NE(m.out.find("15 tests are reported twice: S.t10,"), std::string::npos) << m.out;
  EXPECT_EQ(m.out.find("ran in no shard"), std::string::npos) << m.out;
  WriteReport(b, 2, 25, 42, false);
  m = Merge(dir, {a, b});
  EXPECT_EQ(m.status, 0) << m.out << m.err;
  EXPECT_NE(m.out.find("mprun: 42 passed, 0 failed, 0 skipped"), std::string::npos) << m.out;
}

}  // namespace
}  // namespace mprun
