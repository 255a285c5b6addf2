// Driver mode over a Catch2 v2 and a doctest binary (one probe,
// tests/fixtures/framework_probe.cc, built against Debian's catch2 and
// doctest-dev), each alone and all three frameworks in one run: every
// case's verdict, the launches a few per worker rather than one per case,
// a hang timed out with its batch-mates run elsewhere, and the listing.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;
using Row = testing_util::ReportRow;

const char kMprun[] = MPRUN_BINARY;
const char kCatch2[] = MPRUN_CATCH2_PROBE;
const char kDoctest[] = MPRUN_DOCTEST_PROBE;
// Catch2 v3 where a source tree was given (-DMPRUN_CATCH2_V3_SOURCE): it is
// no Debian package, so CI's machine has none.
#ifdef MPRUN_CATCH2_V3_PROBE
const char kCatch2V3[] = MPRUN_CATCH2_V3_PROBE;
#define MPRUN_PROBES kCatch2, kDoctest, kCatch2V3
#else
#define MPRUN_PROBES kCatch2, kDoctest
#endif
const char kOrdinaryA[] = MPRUN_ORDINARY_A;

size_t Lines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

// The probe's cases that are neither short passes nor the hang.
void ExpectTheBadCasesVerdicts(std::map<std::string, Row>& rows) {
  EXPECT_EQ(rows["sections all pass"].outcome, "passed");
  EXPECT_EQ(rows["a section fails"].outcome, "failed");
  EXPECT_NE(rows["a section fails"].message.find("in section: bad one"), std::string::npos)
      << rows["a section fails"].message;
  EXPECT_EQ(rows["fails a check"].outcome, "failed");
  EXPECT_NE(rows["fails a check"].message.find("2 == 21"), std::string::npos);
  EXPECT_EQ(rows["throws"].outcome, "failed");
  EXPECT_NE(rows["throws"].message.find("thrown on purpose"), std::string::npos);
  EXPECT_EQ(rows["segfaults"].outcome, "crashed");
  EXPECT_EQ(rows["segfaults"].signal, "SIGSEGV");
  EXPECT_EQ(rows["aborts"].outcome, "crashed");
  EXPECT_EQ(rows["aborts"].signal, "SIGABRT");
  // Catch2 never reported its end: not passed, whatever the exit status.
  EXPECT_EQ(rows["exits 0 in the middle"].outcome, "crashed");
  EXPECT_NE(rows["exits 0 in the middle"].output.find("leaving now"), std::string::npos);
  for (const char* name : {"a, b [not a tag] ~ * ?", "comma,no space",
                           "quote \" and backslash \\ here", "#starts with a hash", "prints"}) {
    EXPECT_EQ(rows[name].outcome, "passed") << name << ": " << rows[name].message;
  }
}

class ProbeTest : public ::testing::TestWithParam<std::tuple<const char*, int>> {
 protected:
  const char* probe() const { return std::get<0>(GetParam()); }
};

TEST_P(ProbeTest, EveryCaseExactInAFewLaunchesPerWorker) {
  const int workers = std::get<1>(GetParam());
  ScratchDir dir;
  const Proc p = testing_util::Run(
      {kMprun, "-j", std::to_string(workers), "--json=" + dir.File("r.json"),
       "--gtest_filter=-hangs*", probe()},
      {{"ASAN_OPTIONS", "handle_segv=0:handle_abort=0"}, {"PROBE_LAUNCHES", dir.File("launches")}},
      dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  std::map<std::string, Row> rows =
      testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  // 200 short cases, 12 others; not the hang (filtered), not the hidden
  // one; doctest's two twins in their suites.
  const bool doctest = probe() == std::string(kDoctest);
  ASSERT_EQ(rows.size(), doctest ? 214u : 212u) << p.out;
  if (doctest) {
    EXPECT_EQ(rows["first suite.twin"].outcome, "passed");
    EXPECT_EQ(rows["second suite.twin"].outcome, "failed");
  }
  EXPECT_EQ(rows.count("hidden case"), 0u);
  for (int i = 0; i < 200; ++i) {
    std::ostringstream name;
    name << "many " << (i < 100 ? 'a' : 'b') << (i % 100 / 10) << (i % 10);
    EXPECT_EQ(rows[name.str()].outcome, "passed") << name.str();
    EXPECT_EQ(rows[name.str()].binary, probe());
  }
  ExpectTheBadCasesVerdicts(rows);
  // Each worker's first launch, one more for each of the three deaths, and
  // a few for the batches history-less driver mode cuts: never one a case.
  const size_t launches = Lines(testing_util::ReadFile(dir.File("launches")));
  EXPECT_GE(launches, 4u);
  EXPECT_LE(launches, 3u + 4u * static_cast<size_t>(workers)) << p.out;
}

INSTANTIATE_TEST_SUITE_P(Frameworks, ProbeTest,
                         ::testing::Combine(::testing::Values(MPRUN_PROBES),
                                            ::testing::Values(1, 3)));

class FrameworkTest : public ::testing::TestWithParam<const char*> {
 protected:
  const char* probe() const { return GetParam(); }
};

TEST_P(FrameworkTest, AHangIsTimedOutAndTheCasesBehindItRunElsewhere) {
  ScratchDir dir;
  const Proc p =
      testing_util::Run({kMprun, "-j2", "--process-timeout=2", "--json=" + dir.File("r.json"),
                         "--gtest_filter=hangs*:many a*", probe()},
                        {}, dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  std::map<std::string, Row> rows =
      testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  ASSERT_EQ(rows.size(), 101u) << p.out;
  EXPECT_EQ(rows["hangs in poll"].outcome, "timed_out");
  for (const auto& [name, row] : rows) {
    if (name != "hangs in poll") {
      EXPECT_EQ(row.outcome, "passed") << name;
    }
  }
}

TEST_P(FrameworkTest, ListsTheCasesTheFrameworkWouldRunAndNotTheHiddenOne) {
  ScratchDir dir;
  const Proc p = testing_util::Run({kMprun, "--list", probe()}, {}, dir);
  EXPECT_EQ(p.status, 0) << p.err;
  EXPECT_NE(p.out.find("a, b [not a tag] ~ * ?"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("many b99"), std::string::npos);
  EXPECT_EQ(p.out.find("hidden case"), std::string::npos);
}

// What catch_discover_tests or doctest_discover_tests registers for the
// probe (one ctest test per case, its name escaped as they escape it), run
// by mprun ctest: the same verdicts as driver mode, a few launches for
// 213 ctest tests. The hang has a TIMEOUT of 2 s.
TEST_P(FrameworkTest, DiscoveredCasesThroughMprunCtestEndAsInDriverMode) {
  ScratchDir dir;
  const bool doctest = probe() == std::string(kDoctest);
  const bool v2 = probe() == std::string(kCatch2);
  const Proc listing = testing_util::Run(
      doctest ? std::vector<std::string>{probe(), "--list-test-cases"}
      : v2    ? std::vector<std::string>{probe(), "--list-test-names-only"}
              : std::vector<std::string>{probe(), "--list-tests", "--verbosity", "quiet"},
      {}, dir);
  std::ofstream out(dir.File("CTestTestfile.cmake"));
  std::istringstream names(listing.out);
  int registered = 0;
  for (std::string name; std::getline(names, name);) {
    if (name.empty() || name.rfind("[doctest]", 0) == 0 || name.rfind("=====", 0) == 0) continue;
    if (!doctest && name.size() > 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);  // Catch2 quotes a name that starts with '#'
    }
    std::string arg = doctest ? "--test-case=" : "";
    for (char c : name) {
      if (c == ',' || (!doctest && (c == '[' || c == ']' || c == '\\'))) arg += '\\';
      arg += c;
    }
    out << "add_test([==[" << name << "]==] \"" << probe() << "\" [==[" << arg << "]==])\n";
    if (name == "hangs in poll")
      out << "set_tests_properties([==[" << name << "]==] PROPERTIES TIMEOUT 2)\n";
    ++registered;
  }
  out.close();
  ASSERT_EQ(registered, doctest ? 215 : 213) << listing.out;
  std::string ctest_dir = MPRUN_CTEST;
  ctest_dir.erase(ctest_dir.rfind('/'));
  const char* path = std::getenv("PATH");
  const Proc p = testing_util::Run({kMprun, "ctest", "--test-dir", dir.path(), "-j2",
                                    "--no-history", "--json=" + dir.File("r.json")},
                                   {{"PATH", ctest_dir + ":" + (path ? path : "/usr/bin:/bin")},
                                    {"ASAN_OPTIONS", "handle_segv=0:handle_abort=0"},
                                    {"PROBE_LAUNCHES", dir.File("launches")},
                                    {"MPRUN_PROCESS_TIMEOUT", "\x01unset"}},
                                   dir);
  EXPECT_EQ(p.status, 1) << p.out << p.err;
  rapidjson::Document doc;
  doc.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("tests")) << p.out << p.err;
  std::map<std::string, Row> rows;
  int twins = 0;
  for (const auto& t : doc["tests"].GetArray()) {
    const std::string name = t["name"].GetString();
    if (name == "twin") {  // doctest's: two ctest tests, each running both (as commands)
      ++twins;
      EXPECT_EQ(std::string(t["outcome"].GetString()), "failed");
      continue;
    }
    Row& r = rows[name];
    r.outcome = t["outcome"].GetString();
    r.signal = t["signal"].GetString();
    r.message = t["message"].GetString();
    r.output = t.HasMember("output") ? t["output"].GetString() : "";
  }
  EXPECT_EQ(twins, doctest ? 2 : 0);
  ASSERT_EQ(rows.size(), 213u) << p.out;
  ExpectTheBadCasesVerdicts(rows);
  EXPECT_EQ(rows["hangs in poll"].outcome, "timed_out");
  EXPECT_EQ(rows["many b42"].outcome, "passed");
  // ctest would start the probe 213 times.
  const size_t launches = Lines(testing_util::ReadFile(dir.File("launches")));
  EXPECT_LE(launches, 30u) << p.out;
}

INSTANTIATE_TEST_SUITE_P(Frameworks, FrameworkTest, ::testing::Values(MPRUN_PROBES));

TEST(FrameworksTest, ThreeFrameworksBinariesShareOneRun) {
  ScratchDir dir;
  const Proc p =
      testing_util::Run({kMprun, "-j2", "--json=" + dir.File("r.json"),
                         "--gtest_filter=many b*:APlain.*:a, b*", kCatch2, kDoctest, kOrdinaryA},
                        {}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  // The probes share their names: counted per binary.
  rapidjson::Document doc;
  doc.Parse(testing_util::ReadFile(dir.File("r.json")).c_str());
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("tests")) << p.out;
  std::map<std::string, int> passed_per_binary;
  for (const auto& t : doc["tests"].GetArray()) {
    EXPECT_EQ(std::string(t["outcome"].GetString()), "passed") << t["name"].GetString();
    ++passed_per_binary[t["binary"].GetString()];
  }
  EXPECT_EQ(passed_per_binary,
            (std::map<std::string, int>{{kCatch2, 101}, {kDoctest, 101}, {kOrdinaryA, 4}}));
}

// What mprun's filter cannot see (Catch2's tags, doctest's own filters)
// selects through the listing: only what the binary then lists runs.
TEST(FrameworksTest, ListArgsSelectByTheFrameworksOwnFilters) {
  for (const auto& [probe, arg] : std::vector<std::pair<const char*, const char*>>{
           {kCatch2, "[sections]"}, {kDoctest, "--test-case=*section*"}}) {
    ScratchDir dir;
    const Proc p = testing_util::Run(
        {kMprun, "-j2", "--json=" + dir.File("r.json"), std::string("--list-arg=") + arg, probe},
        {}, dir);
    EXPECT_EQ(p.status, 1) << p.out << p.err;  // "a section fails"
    rapidjson::Document doc;
    std::map<std::string, Row> rows =
        testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
    EXPECT_EQ(rows.size(), 2u) << arg << "\n" << p.out;
    EXPECT_EQ(rows["sections all pass"].outcome, "passed") << arg;
    EXPECT_EQ(rows["a section fails"].outcome, "failed") << arg;
  }
}

// A Catch2 binary of a version mprun does not know (here Catch 1.x's
// banner, in an ELF file) is refused by name, never asked with another
// framework's flag.
TEST(FrameworksTest, AFrameworkVersionMprunDoesNotKnowIsExitTwoNamingIt) {
  ScratchDir dir;
  const std::string fake = dir.File("catch1_test");
  {
    std::ofstream out(fake, std::ios::binary);
    out << std::string(
               "\x7f"
               "ELF",
               4)
        << std::string(64, '\0') << "Catch v1.12 is a Catch v1" << std::string(64, '\0')
        << "--list-tests";
  }
  chmod(fake.c_str(), 0755);
  const Proc p = testing_util::Run({kMprun, fake}, {}, dir);
  EXPECT_EQ(p.status, 2) << p.out << p.err;
  EXPECT_NE(p.err.find("catch1_test: a Catch2 binary of a version mprun does not know"),
            std::string::npos)
      << p.err;
}

}  // namespace
}  // namespace mprun
