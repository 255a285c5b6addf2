// The HTML report as a person sees it: a real run with --html (both
// modes), and `mprun report` over saved reports, loaded in headless
// Chromium with the network off. The tests read the DOM the page's script
// built (counts, lanes, bars, failures) and the colours of a screenshot.
// Without Chromium they skip, except under CI=true as root, where they fail.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kMprun[] = MPRUN_BINARY;
const char kMisbehave[] = MPRUN_MISBEHAVE_BINARY;
const char kMisbehavePlain[] = MPRUN_MISBEHAVE_PLAIN;
const char kPngColours[] = MPRUN_PNG_COLOURS;
const char kRules[] = MPRUN_RULES_BINARY;

// The outcomes' colours in the page's style sheet, as a screenshot has them.
const std::map<std::string, std::string> kBarColours = {
    {"passed", "2da44e"}, {"failed", "cf222e"}, {"crashed", "8250df"}, {"timed_out", "e16f24"}};

// The test starts programs by absolute path (testing_util::Start does no
// PATH lookup).
std::string Which(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    for (const char* dir : {"/usr/bin/", "/bin/", "/usr/local/bin/", "/snap/bin/"}) {
      const std::string path = std::string(dir) + name;
      if (access(path.c_str(), X_OK) == 0) return path;
    }
  }
  return "";
}

std::string Chromium() {
  // The browser test needs python3 too (to read the screenshot).
  if (Which({"python3"}).empty()) return "";
  return Which({"chromium", "chromium-browser", "google-chrome"});
}

#define REQUIRE_CHROMIUM()                                                  \
  const std::string chromium = Chromium();                                  \
  if (chromium.empty()) {                                                   \
    MPRUN_SKIP_UNLESS_CI(                                                   \
        "Chromium is not installed (apt-get install chromium; tools/check " \
        "installs it as root)");                                            \
  }

// Chromium headless with no network: every fetch goes to a proxy that is
// not there (the page's own policy forbids fetches anyway).
Proc Browser(const std::string& chromium, const ScratchDir& dir, std::vector<std::string> what) {
  std::vector<std::string> argv = {Which({"timeout"}),
                                   "90",
                                   chromium,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--hide-scrollbars",
                                   "--no-first-run",
                                   "--proxy-server=127.0.0.1:9",
                                   "--proxy-bypass-list=<-loopback>",
                                   "--user-data-dir=" + dir.File("chromium-profile")};
  argv.insert(argv.end(), what.begin(), what.end());
  return testing_util::Run(argv, {{"HOME", dir.path()}}, dir);
}

std::string DumpDom(const std::string& chromium, const ScratchDir& dir, const std::string& page) {
  const Proc p = Browser(chromium, dir, {"--dump-dom", "file://" + page});
  EXPECT_EQ(p.status, 0) << p.err;
  return p.out;
}

// Distinct colours of a screenshot of `page`, and how many pixels have each
// of `colours`.
std::map<std::string, long> Screenshot(const std::string& chromium, const ScratchDir& dir,
                                       const std::string& page, const std::string& png,
                                       const std::vector<std::string>& colours) {
  Proc p =
      Browser(chromium, dir, {"--screenshot=" + png, "--window-size=1400,1000", "file://" + page});
  EXPECT_EQ(p.status, 0) << p.err;
  std::vector<std::string> argv = {Which({"python3"}), kPngColours, png};
  argv.insert(argv.end(), colours.begin(), colours.end());
  p = testing_util::Run(argv, {}, dir);
  EXPECT_EQ(p.status, 0) << p.err;
  std::map<std::string, long> counts;
  std::istringstream lines(p.out);
  std::string key;
  long n;
  while (lines >> key >> n) counts[key] = n;
  return counts;
}

// Every match of group 1 of `pattern` in `text`.
std::vector<std::string> All(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

// The summary's count of `outcome` as the page shows it (-1: not shown).
int Count(const std::string& dom, const std::string& outcome) {
  const std::vector<std::string> c =
      All(dom, "class=\"count[^\"]*\" data-outcome=\"" + outcome + "\" data-count=\"(\\d+)\"");
  return c.size() == 1 ? std::stoi(c[0]) : -1;
}

// What the page was made from, as the JSON report beside it says.
struct Expected {
  std::map<std::string, int> summary;
  int lanes = 0;
  std::map<std::string, int> bars;  // by outcome: tests of the first repetition that ran
  std::vector<std::string> failing;
  size_t restarts = 0;  // worker starts after each worker's first
};

Expected FromJson(const std::string& path) {
  rapidjson::Document d;
  const std::string text = testing_util::ReadFile(path);
  d.Parse(text.c_str());
  Expected e;
  if (d.HasParseError()) return e;
  for (const auto& m : d["summary"].GetObject()) e.summary[m.name.GetString()] = m.value.GetInt();
  e.lanes = d["processes"].GetInt();
  std::set<int> started;
  if (d.HasMember("worker_starts")) {
    for (const auto& w : d["worker_starts"].GetArray()) {
      e.restarts += !started.insert(w["worker"].GetInt()).second;
    }
  }
  for (const auto& t : d["tests"].GetArray()) {
    const std::string outcome = t["outcome"].GetString();
    if (outcome != "not_run" && t["worker"].GetInt() >= 0) ++e.bars[outcome];
    if (outcome == "failed" || outcome == "crashed" || outcome == "timed_out") {
      e.failing.push_back(t["name"].GetString());
    }
  }
  return e;
}

// What a reader must find on a page of a run over misbehave_test.
// (Linked mode's worker writes a backtrace of a timed-out test into its
// output; a driver worker's child does not.)
void ExpectPageShows(const std::string& page_file, const std::string& dom, const Expected& want,
                     bool backtrace) {
  EXPECT_NE(dom.find("data-rendered=\"1\""), std::string::npos) << dom.substr(0, 2000);
  EXPECT_EQ(dom.find("data-render-error=\""), std::string::npos);
  for (const auto& [outcome, n] : want.summary) EXPECT_EQ(Count(dom, outcome), n) << outcome;
  // misbehave_test's known outcomes, whatever the JSON says.
  EXPECT_EQ(Count(dom, "failed"), 1);
  EXPECT_EQ(Count(dom, "crashed"), 4);
  EXPECT_EQ(Count(dom, "timed_out"), 1);
  EXPECT_EQ(Count(dom, "skipped"), 1);
  EXPECT_NE(dom.find("data-exit-status=\"1\""), std::string::npos);

  // One lane per worker, numbered 0..W-1, and a bar per test that ran.
  const std::vector<std::string> lanes = All(dom, "<g data-lane=\"(\\d+)\"");
  ASSERT_EQ(static_cast<int>(lanes.size()), want.lanes);
  for (int l = 0; l < want.lanes; ++l) EXPECT_EQ(lanes[l], std::to_string(l));
  std::map<std::string, int> bars;
  for (const std::string& o : All(dom, "<rect class=\"bar\" data-outcome=\"(\\w+)\"")) ++bars[o];
  EXPECT_EQ(bars, want.bars);
  EXPECT_NE(dom.find("id=\"lower-bound\""), std::string::npos);
  // Workers replaced after a crash or a timeout: each restart is marked.
  EXPECT_EQ(All(dom, "class=\"restart\" data-restart-lane=\"(\\d+)\"").size(), want.restarts);

  // Each failure with its name, message and output.
  const std::vector<std::string> shown =
      All(dom,
          "<details class=\"test\" data-outcome=\"(?:failed|crashed|timed_out)\" "
          "data-name=\"([^\"]+)\"");
  EXPECT_EQ(std::set<std::string>(shown.begin(), shown.end()),
            std::set<std::string>(want.failing.begin(), want.failing.end()));
  EXPECT_NE(dom.find("deliberate failure"), std::string::npos);
  if (backtrace) {
    EXPECT_NE(dom.find("backtrace of the worker"), std::string::npos);
  }
  EXPECT_NE(dom.find("id=\"search\""), std::string::npos);
  EXPECT_NE(dom.find("id=\"slowest\""), std::string::npos);

  // Nothing to fetch: no address in the file or in what its script built.
  const std::regex fetch(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase);
  EXPECT_FALSE(std::regex_search(testing_util::ReadFile(page_file), fetch));
  EXPECT_FALSE(std::regex_search(dom, fetch));
}

void ExpectScreenshotShowsOutcomes(const std::string& chromium, const ScratchDir& dir,
                                   const std::string& page) {
  std::vector<std::string> colours;
  for (const auto& [outcome, colour] : kBarColours) colours.push_back(colour);
  const auto counts = Screenshot(chromium, dir, page, dir.File("page.png"), colours);
  std::ofstream(dir.File("blank.html")) << "<!DOCTYPE html><title>blank</title>";
  const auto blank = Screenshot(chromium, dir, dir.File("blank.html"), dir.File("blank.png"), {});
  struct stat page_png, blank_png;
  ASSERT_EQ(stat(dir.File("page.png").c_str(), &page_png), 0);
  ASSERT_EQ(stat(dir.File("blank.png").c_str(), &blank_png), 0);
  EXPECT_GT(page_png.st_size, 4 * blank_png.st_size);
  EXPECT_LE(blank.at("colours"), 2);
  EXPECT_GT(counts.at("colours"), 50);  // text, badges, bars: not a blank page
  // Each outcome's colour is on screen (bars, badges, the summary)...
  for (const auto& [outcome, colour] : kBarColours) {
    EXPECT_GT(counts.at(colour), 20) << outcome << " (#" << colour << ") is nowhere on the page";
  }
  // ...and the timeline is: the hanging test's bar spans most of a lane,
  // far more orange than every badge and border together (~2,000 pixels).
  EXPECT_GT(counts.at(kBarColours.at("timed_out")), 8000) << "no timeline on screen";
}

TEST(HtmlE2eTest, LinkedRunPageShowsCountsLanesFailuresAndTimeline) {
  REQUIRE_CHROMIUM();
  ScratchDir dir;
  const Proc run =
      testing_util::Run({kMisbehave, "--processes=2", "--process-timeout=1", "--no-history",
                         "--html=" + dir.File("page.html"), "--json=" + dir.File("r.json")},
                        {{"MISBEHAVE_TOKEN", "html" + std::to_string(getpid())},
                         {"ASAN_OPTIONS", testing_util::kDeadlySignalsKill}},
                        dir);
  ASSERT_EQ(run.status, 1) << run.out << run.err;
  const Expected want = FromJson(dir.File("r.json"));
  ASSERT_EQ(want.lanes, 2);
  EXPECT_GT(want.restarts, 0u);  // crashes in linked mode take their worker with them
  const std::string dom = DumpDom(chromium, dir, dir.File("page.html"));
  ExpectPageShows(dir.File("page.html"), dom, want, /*backtrace=*/true);
  ExpectScreenshotShowsOutcomes(chromium, dir, dir.File("page.html"));
}

TEST(HtmlE2eTest, TheTimelineShowsTheQuietPhaseAndEverySteal) {
  REQUIRE_CHROMIUM();
  ScratchDir dir;
  // A serial suite runs in the quiet phase, after everything else.
  const Proc run = testing_util::Run(
      {kRules, "--processes=3", "--no-history", "--gtest_filter=SerialSuite.*:Many/*",
       "--html=" + dir.File("page.html"), "--json=" + dir.File("r.json")},
      {{"RULES_DIR", dir.path()}}, dir);
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  rapidjson::Document doc;
  testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  ASSERT_TRUE(doc.HasMember("quiet_phase")) << "the report says when the quiet phase began";
  ASSERT_EQ(doc["quiet_phase"].Size(), 1u);
  const double quiet_ms = doc["quiet_phase"][0]["at_ms"].GetDouble();
  for (const auto& t : doc["tests"].GetArray()) {
    const std::string name = t["name"].GetString();
    if (name.rfind("SerialSuite.", 0) == 0) {
      EXPECT_GE(t["start_ms"].GetDouble(), quiet_ms) << name;
    }
  }
  const std::string dom = DumpDom(chromium, dir, dir.File("page.html"));
  EXPECT_EQ(All(dom, "id=\"(quiet-phase)\"").size(), 1u) << "the quiet phase is shaded";
  const size_t steals = doc.HasMember("steals") ? doc["steals"].Size() : 0;
  EXPECT_EQ(All(dom, "data-steal-lane=\"(\\d+)\"").size(), steals)
      << "a marker per steal the report saw";
}

TEST(HtmlE2eTest, DriverRunPageShowsTheSame) {
  REQUIRE_CHROMIUM();
  ScratchDir dir;
  const Proc run = testing_util::Run(
      {kMprun, "--processes=3", "--process-timeout=1", "--no-history",
       "--html=" + dir.File("page.html"), "--json=" + dir.File("r.json"), kMisbehavePlain},
      {{"MISBEHAVE_TOKEN", "html" + std::to_string(getpid())},
       {"ASAN_OPTIONS", testing_util::kDeadlySignalsKill}},
      dir);
  ASSERT_EQ(run.status, 1) << run.out << run.err;
  const Expected want = FromJson(dir.File("r.json"));
  ASSERT_EQ(want.lanes, 3);
  ExpectPageShows(dir.File("page.html"), DumpDom(chromium, dir, dir.File("page.html")), want,
                  /*backtrace=*/false);
}

TEST(HtmlE2eTest, AKilledRunLeavesAPageThatSaysSo) {
  REQUIRE_CHROMIUM();
  ScratchDir dir;
  const pid_t pid = testing_util::Start(
      {kMisbehave, "--processes=2", "--process-timeout=0", "--no-history",
       "--html=" + dir.File("page.html"), "--gtest_filter=Misbehave.Hangs:Many/*"},
      {{"MISBEHAVE_TOKEN", "html" + std::to_string(getpid())},
       {"ASAN_OPTIONS", testing_util::kDeadlySignalsKill}},
      dir);
  ASSERT_TRUE(testing_util::WaitFor(
      [&] {
        return testing_util::ReadFile(dir.File("page.html")).find("</html>") != std::string::npos;
      },
      10000));
  kill(pid, SIGKILL);
  testing_util::Finish(pid, dir);
  const std::string dom = DumpDom(chromium, dir, dir.File("page.html"));
  EXPECT_NE(dom.find("data-rendered=\"1\""), std::string::npos);
  EXPECT_NE(dom.find("Incomplete"), std::string::npos);
  EXPECT_EQ(Count(dom, "total"), 21);
}

// A report whose every text is markup: a page that let any of it through
// would run the handler (the title changes) or grow elements.
TEST(HtmlE2eTest, MarkupInNamesMessagesAndOutputShowsAsText) {
  REQUIRE_CHROMIUM();
  ScratchDir dir;
  const std::string evil =
      R"(</script><script>document.title='pwned'</script><!-- <img src=x onerror=\"document.title='pwned'\"><b id=\"injected\">bold</b>)";
  std::ofstream(dir.File("r.json"))
      << R"({"mprun_version": "0.1.0", "complete": true, "processes": 1, "iterations": 1,
 "wall_seconds": 0.1, "interrupted": false, "exit_status": 1,
 "summary": {"total": 1, "passed": 0, "failed": 1, "skipped": 0, "crashed": 0,
             "timed_out": 0, "not_run": 0, "flaky": 0},
 "errors": [], "warnings": [")"
      << evil << R"("], "tests": [{"binary": "b", "name": "S.)" << evil
      << R"(", "outcome": "failed", "duration_ms": 5, "worker": 0, "attempts": 1, "flaky": false,
 "iteration": 1, "start_ms": 0, "message": ")"
      << evil << R"(", "signal": "", "output": ")" << evil << R"("}]})";
  const Proc made = testing_util::Run(
      {kMprun, "report", "--html=" + dir.File("page.html"), dir.File("r.json")}, {}, dir);
  ASSERT_EQ(made.status, 0) << made.err;
  const std::string dom = DumpDom(chromium, dir, dir.File("page.html"));
  EXPECT_NE(dom.find("data-rendered=\"1\""), std::string::npos) << dom.substr(0, 3000);
  const size_t pwned = dom.find("pwned</title>");
  EXPECT_EQ(pwned, std::string::npos) << dom.substr(pwned < 300 ? 0 : pwned - 300, 400);
  EXPECT_NE(dom.find("<title>mprun report</title>"), std::string::npos);
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_EQ(dom.find("<b id=\"injected\""), std::string::npos);
  // The text itself is there, as text (name, message, output, warning).
  const std::string as_text = "&lt;img src=x onerror=\"document.title='pwned'\"&gt;";
  size_t shown = 0;
  for (size_t at = dom.find(as_text); at != std::string::npos; at = dom.find(as_text, at + 1)) {
    ++shown;
  }
  EXPECT_GE(shown, 4u) << dom;
}

TEST(HtmlE2eTest, ReportCombinesShardsAsMergeDoes) {
  REQUIRE_CHROMIUM();
  ScratchDir dir;
  for (int k = 1; k <= 2; ++k) {
    const Proc run = testing_util::Run(
        {kMprun, "--processes=2", "--process-timeout=1", "--no-history",
         "--shard=" + std::to_string(k) + "/2",
         "--json=" + dir.File("s" + std::to_string(k) + ".json"), kMisbehavePlain},
        {{"MISBEHAVE_TOKEN", "html" + std::to_string(getpid())},
         {"ASAN_OPTIONS", testing_util::kDeadlySignalsKill}},
        dir);
    ASSERT_NE(run.status, 2) << run.err;
  }
  const Proc made = testing_util::Run({kMprun, "report", "--html=" + dir.File("page.html"),
                                       dir.File("s1.json"), dir.File("s2.json")},
                                      {}, dir);
  ASSERT_EQ(made.status, 0) << made.err;
  const std::string dom = DumpDom(chromium, dir, dir.File("page.html"));
  EXPECT_EQ(Count(dom, "total"), 30);
  EXPECT_EQ(Count(dom, "crashed"), 4);
  EXPECT_EQ(Count(dom, "timed_out"), 1);
}

TEST(HtmlE2eTest, ReportRefusesWhatIsNotAReport) {
  ScratchDir dir;
  std::ofstream(dir.File("not.json")) << "{\"hello\": 1}";
  Proc p = testing_util::Run({kMprun, "report", dir.File("not.json")}, {}, dir);
  EXPECT_EQ(p.status, 2);
  EXPECT_NE(p.err.find("mprun report: error: --html=FILE is required"), std::string::npos) << p.err;
  p = testing_util::Run({kMprun, "report", "--html=" + dir.File("p.html"), dir.File("not.json")},
                        {}, dir);
  EXPECT_EQ(p.status, 2);
  EXPECT_NE(p.err.find("not.json: not an mprun JSON report"), std::string::npos) << p.err;
  p = testing_util::Run({kMprun, "report", "--html=" + dir.File("p.html"), dir.File("absent.json")},
                        {}, dir);
  EXPECT_EQ(p.status, 2);
  EXPECT_NE(p.err.find("absent.json: cannot be read"), std::string::npos) << p.err;
  p = testing_util::Run({kMprun, "report", "--html=" + dir.File("p.html")}, {}, dir);
  EXPECT_EQ(p.status, 2);
  EXPECT_NE(p.err.find("no report given"), std::string::npos) << p.err;
  EXPECT_EQ(access(dir.File("p.html").c_str(), F_OK), -1);
}

}  // namespace
}  // namespace mprun
