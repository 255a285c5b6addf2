// Exhaustion and hostile surroundings, end to end: no processes
// left to fork, too few file descriptors, a full disk for reports and
// history, and links placed where mprun writes. Each ends in a clear error
// or a degraded run, never a hang, a crash or a silent loss.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/e2e_util.h"

namespace mprun {
namespace {

using testing_util::Proc;
using testing_util::ScratchDir;

const char kPerf[] = MPRUN_PERF_BINARY;
const char kMprun[] = MPRUN_BINARY;

struct Limited {
  int status = -1;
  std::string out, err;
};

// Runs `argv` with `resource` limited to `limit`. RLIMIT_NPROC counts every
// process of a user, so those runs need root and become `as`, a user of
// their own (each test its own, for ctest runs them in parallel); without
// root they report 125 (skipped). Output goes to files in `dir`, which must
// be writable by that user.
Limited RunLimited(const std::vector<std::string>& argv, int resource, rlim_t limit,
                   const std::string& dir, std::vector<std::pair<std::string, std::string>> env,
                   uid_t as = 65534) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open((dir + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    const int err = open((dir + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    setenv("MPRUN_NO_HISTORY", "1", 0);
    struct rlimit r = {limit, limit};
    if (setrlimit(resource, &r) != 0) _exit(125);
    if (resource == RLIMIT_NPROC && (getuid() != 0 || setgid(65534) != 0 || setuid(as) != 0)) {
      _exit(125);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Limited l;
  l.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  l.out = testing_util::ReadFile(dir + "/out");
  l.err = testing_util::ReadFile(dir + "/err");
  return l;
}

// A scratch directory anyone may use, directly under /tmp (not under the
// private TMPDIR mprun gives this test, which user nobody cannot enter).
class PublicDir {
 public:
  PublicDir() {
    char tmpl[] = "/tmp/mprun-hostile-XXXXXX";
    path_ = mkdtemp(tmpl);
    chmod(path_.c_str(), 0777);
  }
  ~PublicDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// TMPDIR: the scratch dir, which the limited user may write (under mprun
// the inherited TMPDIR is a worker's private one).
std::vector<std::pair<std::string, std::string>> PerfEnv(const std::string& dir) {
  // LeakSanitizer's exit check needs a thread of its own, which a process
  // limit of one refuses (the ASan build only).
  return {{"PERF_DIR", dir},
          {"PERF_SPIN_ROUNDS", "1000"},
          {"PERF_NOISE_MB", "1"},
          {"TMPDIR", dir},
          {"ASAN_OPTIONS", "detect_leaks=0"}};
}

TEST(HostileTest, NoProcessToForkIsAClearErrorOrAFewerWorkersRun) {
  PublicDir dir;  // nobody writes its output and report here
  const std::string filter = "--gtest_filter=Many/Noise.*";
  const std::string json = "--json=" + dir.File("r.json");
  // One process allowed: mprun itself. Linked mode cannot fork a worker.
  Limited l = RunLimited({kPerf, "--processes=4", json, filter}, RLIMIT_NPROC, 1, dir.path(),
                         PerfEnv(dir.path()));
  if (l.status == 125 || l.status == 127) {
    MPRUN_SKIP_UNLESS_CI("cannot run as a limited user here (exit " + std::to_string(l.status) +
                         ")");
  }
  EXPECT_EQ(l.status, 2) << l.out << l.err;
  EXPECT_NE((l.out + l.err)
                .find("no worker process could be started: fork: Resource "
                      "temporarily unavailable"),
            std::string::npos)
      << l.out << l.err;
  rapidjson::Document doc;
  auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows.size(), 32u) << "every test is in the report, not run";
  for (const auto& [name, row] : rows) EXPECT_EQ(row.outcome, "not_run") << name;
  // Driver mode cannot even list the binary: exit 2 naming it.
  l = RunLimited({kMprun, "--processes=4", kPerf, filter}, RLIMIT_NPROC, 1, dir.path(),
                 PerfEnv(dir.path()));
  EXPECT_EQ(l.status, 2) << l.out << l.err;
  EXPECT_NE(l.err.find(std::string(kPerf) + ": fork: Resource temporarily unavailable"),
            std::string::npos)
      << l.err;
  // Three processes: the supervisor and two workers of the four asked for.
  // Tests of a few ms each: trivial ones could all be done (stolen by the
  // first workers) before the supervisor came to the third.
  std::vector<std::pair<std::string, std::string>> env = PerfEnv(dir.path());
  env.emplace_back("PERF_SPIN_ROUNDS", "5000000");
  l = RunLimited({kPerf, "--processes=4", json, filter}, RLIMIT_NPROC, 3, dir.path(), env);
  EXPECT_EQ(l.status, 0) << l.out << l.err;
  EXPECT_NE(l.out.find("WARNING: could not start worker"), std::string::npos) << l.out;
  EXPECT_NE(l.out.find("32 passed"), std::string::npos) << l.out;
  rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(doc["warnings"].Size(), 1u);
}

TEST(HostileTest, DriverModeWaitsForProcessesToStartItsBinaries) {
  // Six processes: mprun, three workers, and room for one binary with its
  // shim at a time. The other workers' launches are refused (EAGAIN, in the
  // worker or in the shim); their tests go back and run when a launch can
  // start, never failed for the machine's state. Four runs of each test
  // make many launches (the old code failed tests in every try of eight).
  PublicDir dir;
  const std::string json = "--json=" + dir.File("r.json");
  const Limited l = RunLimited(
      {kMprun, "--processes=3", "--repeat-each=4", json, kPerf, "--gtest_filter=Many/Noise.*"},
      RLIMIT_NPROC, 6, dir.path(), PerfEnv(dir.path()), 64990);
  if (l.status == 125 || l.status == 127) {
    MPRUN_SKIP_UNLESS_CI("cannot run as a limited user here (exit " + std::to_string(l.status) +
                         ")");
  }
  EXPECT_EQ(l.status, 0) << l.out << l.err;
  EXPECT_NE(l.out.find("32 passed"), std::string::npos) << l.out;
  rapidjson::Document doc;
  const auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows.size(), 32u);
}

TEST(HostileTest, DriverModeFailsTestsNoBinaryCanEverStart) {
  // Three processes: mprun and two workers, no room for any binary. After
  // the refusals have lasted 8 s every test fails with why; no hang.
  PublicDir dir;
  const std::string json = "--json=" + dir.File("r.json");
  const Limited l =
      RunLimited({kMprun, "--processes=2", json, kPerf, "--gtest_filter=Many/Noise.*"},
                 RLIMIT_NPROC, 3, dir.path(), PerfEnv(dir.path()), 64991);
  if (l.status == 125 || l.status == 127) {
    MPRUN_SKIP_UNLESS_CI("cannot run as a limited user here (exit " + std::to_string(l.status) +
                         ")");
  }
  EXPECT_EQ(l.status, 1) << l.out << l.err;
  rapidjson::Document doc;
  const auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
  EXPECT_EQ(rows.size(), 32u);
  for (const auto& [name, row] : rows) {
    EXPECT_EQ(row.outcome, "failed") << name;
    EXPECT_NE(
        row.message.find(
            "fork: Resource temporarily unavailable (no test binary of the run could start for"),
        std::string::npos)
        << name << ": " << row.message;
  }
}

TEST(HostileTest, TooFewFileDescriptorsMeanFewerWorkersNotLostTests) {
  for (bool driver : {false, true}) {
    ScratchDir dir;
    std::vector<std::string> argv = {driver ? kMprun : kPerf, "--processes=12",
                                     "--json=" + dir.File("r.json")};
    if (driver) argv.push_back(kPerf);
    argv.push_back("--gtest_filter=Many/Noise.*");
    // Tests of a few ms each: trivial ones were all done (stolen by the
    // first workers) before the supervisor came to start the sixth, and
    // then no descriptor ran short.
    std::vector<std::pair<std::string, std::string>> env = PerfEnv(dir.path());
    env.emplace_back("PERF_SPIN_ROUNDS", "5000000");
    const Limited l = RunLimited(argv, RLIMIT_NOFILE, 16, dir.path(), env);
    EXPECT_EQ(l.status, 0) << (driver ? "driver" : "linked") << "\n" << l.out << l.err;
    EXPECT_NE(l.out.find("32 passed"), std::string::npos) << l.out;
    rapidjson::Document doc;
    auto rows = testing_util::ParseReport(testing_util::ReadFile(dir.File("r.json")), &doc);
    EXPECT_EQ(rows.size(), 32u);
    EXPECT_GE(doc["warnings"].Size(), 1u)
        << (driver ? "driver" : "linked") << ": twelve workers do not fit in 16 descriptors\n"
        << l.out << l.err;
  }
}

// A 16 KiB tmpfs, filled up: reports and history cannot be written.
class FullDisk {
 public:
  explicit FullDisk(const std::string& where) : where_(where) {
    mkdir(where.c_str(), 0755);
    mounted_ = mount("tmpfs", where.c_str(), "tmpfs", 0, "size=16k") == 0;
    if (!mounted_) return;
    std::ofstream fill(where + "/fill");
    const std::string block(4096, 'x');
    for (int i = 0; i < 64 && fill; ++i) fill << block << std::flush;
  }
  ~FullDisk() {
    if (mounted_) umount(where_.c_str());
  }
  bool mounted() const { return mounted_; }

 private:
  std::string where_;
  bool mounted_ = false;
};

TEST(HostileTest, AFullDiskForReportsAndHistoryIsAnErrorAfterAFullRun) {
  ScratchDir dir;
  FullDisk full(dir.File("full"));
  if (!full.mounted()) {
    MPRUN_SKIP_UNLESS_CI(std::string("cannot mount a tmpfs here: ") + std::strerror(errno));
  }
  for (bool driver : {false, true}) {
    std::vector<std::string> argv = {
        driver ? kMprun : kPerf, "--processes=2", "--json=" + dir.File("full/r.json"),
        "--junit-xml=" + dir.File("full/j.xml"), "--history=" + dir.File("full/h.json")};
    if (driver) argv.push_back(kPerf);
    argv.push_back("--gtest_filter=Many/Noise.*");
    std::map<std::string, std::string> env = {
        {"PERF_DIR", dir.path()}, {"PERF_SPIN_ROUNDS", "1000"}, {"PERF_NOISE_MB", "1"}};
    const Proc p = testing_util::Run(argv, env, dir);
    EXPECT_EQ(p.status, 2) << p.out << p.err;
    EXPECT_NE(p.out.find("32 passed"), std::string::npos) << "the run itself went through";
    EXPECT_NE(p.err.find("--json: cannot"), std::string::npos) << p.err;
    EXPECT_NE(p.err.find("No space left on device"), std::string::npos) << p.err;
    EXPECT_NE(p.err.find("history not saved"), std::string::npos) << p.err;
    std::vector<std::string> left = dir.List("full");
    std::sort(left.begin(), left.end());
    EXPECT_LE(left.size(), 2u) << "only the filler (and history's lock file); no temporary files";
    for (const std::string& name : left) {
      EXPECT_TRUE(name == "h.json.lock" || name.find("fill") != std::string::npos) << name;
    }
  }
}

TEST(HostileTest, LinksPlacedWhereReportsGoAreNeverWrittenThrough) {
  ScratchDir dir;
  const std::string victim = dir.File("victim");
  std::ofstream(victim) << "precious\n";
  // At the report's own path: replaced by the report, the target untouched.
  ASSERT_EQ(symlink(victim.c_str(), dir.File("r.json").c_str()), 0);
  // And at the history's: the same.
  ASSERT_EQ(symlink(victim.c_str(), dir.File("h.json").c_str()), 0);
  const Proc p =
      testing_util::Run({kPerf, "--processes=2", "--json=" + dir.File("r.json"),
                         "--history=" + dir.File("h.json"), "--gtest_filter=Timed.Steady"},
                        {{"PERF_DIR", dir.path()}}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_EQ(testing_util::ReadFile(victim), "precious\n");
  struct stat st;
  ASSERT_EQ(lstat(dir.File("r.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "the link was replaced, not followed";
  ASSERT_EQ(lstat(dir.File("h.json").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0022, 0u) << "writable by others";
}

TEST(HostileTest, TemporaryDirectoriesArePrivate) {
  ScratchDir dir;
  // A test that reports the mode of its worker's private TMPDIR and of the
  // run's directory above it.
  const Proc p = testing_util::Run(
      {kPerf, "--processes=2", "--gtest_filter=Timed.Steady", "--show-output=all"},
      {{"PERF_DIR", dir.path()}, {"PERF_REPORT_TMPDIR", "1"}}, dir);
  EXPECT_EQ(p.status, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("TMPDIR mode 700, parent mode 700"), std::string::npos) << p.out;
}

}  // namespace
}  // namespace mprun
