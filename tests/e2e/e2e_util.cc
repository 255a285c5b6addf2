#include "tests/e2e/e2e_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/file_io.h"
#include "runner/process/temp_dir.h"

extern char** environ;

namespace mprun::testing_util {

ScratchDir::ScratchDir() {
  std::string err;
  runner::MakeRunTempDir(&path_, &err);
}

ScratchDir::~ScratchDir() { runner::RemoveTree(path_); }

std::vector<std::string> ScratchDir::List(const std::string& sub) const {
  std::vector<std::string> out;
  DIR* d = opendir((sub.empty() ? path_ : path_ + "/" + sub).c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
      out.push_back(e->d_name);
  }
  closedir(d);
  return out;
}

bool MustRunEverything() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::strcmp(ci, "true") == 0 && geteuid() == 0;
}

void NoteSkip(const std::string& why) {
  const char* file = std::getenv("MPRUN_CHECK_SKIPS");
  if (file == nullptr || *file == '\0') return;
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string line = std::string(test ? test->test_suite_name() : "") + "." +
                           (test ? test->name() : "") + ": " + why + "\n";
  const int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  [[maybe_unused]] ssize_t n = write(fd, line.data(), line.size());  // one write: whole
  close(fd);
}

std::string ReadFile(const std::string& path) { return core::ReadWholeFile(path); }

pid_t Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const ScratchDir& dir) {
  std::vector<std::string> envs;
  // Runs of the fixtures neither read nor write a history (placement stays
  // in table order) unless a test asks for it.
  std::map<std::string, std::string> defaults = {{"MPRUN_NO_HISTORY", "1"}};
  for (const auto& [k, v] : defaults) {
    if (env.count(k) == 0) envs.push_back(k + "=" + v);
  }
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const std::string name = kv.substr(0, kv.find('='));
    if (env.count(name) == 0 && defaults.count(name) == 0) envs.push_back(kv);
  }
  for (const auto& [k, v] : env) {
    if (v != "\x01unset") envs.push_back(k + "=" + v);
  }
  std::vector<char*> a, e;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  for (const auto& s : envs) e.push_back(const_cast<char*>(s.c_str()));
  e.push_back(nullptr);
  const std::string out = dir.File("stdout"), err = dir.File("stderr");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int r = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(r, 2);
    execve(a[0], a.data(), e.data());
    _exit(127);
  }
  return pid;
}

Proc Finish(pid_t pid, const ScratchDir& dir) {
  Proc p;
  int status = 0;
  waitpid(pid, &status, 0);
  p.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  p.out = ReadFile(dir.File("stdout"));
  p.err = ReadFile(dir.File("stderr"));
  return p;
}

Proc Run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
         const ScratchDir& dir) {
  return Finish(Start(argv, env, dir), dir);
}

bool ProcessGone(pid_t pid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

std::vector<pid_t> ProcessesWithEnv(const std::string& name, const std::string& value) {
  std::vector<pid_t> out;
  const std::string needle = name + "=" + value;
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == getpid()) continue;
    const std::string environ_text = ReadFile("/proc/" + std::to_string(pid) + "/environ");
    std::istringstream vars(environ_text);
    std::string var;
    bool found = false;
    while (std::getline(vars, var, '\0')) found |= var == needle;
    if (found && !ProcessGone(pid)) out.push_back(pid);
  }
  closedir(d);
  return out;
}

bool WaitFor(const std::function<bool()>& condition, int ms) {
  for (int i = 0; i < ms; ++i) {
    if (condition()) return true;
    const struct timespec one_ms = {0, 1'000'000};
    nanosleep(&one_ms, nullptr);
  }
  return condition();
}

std::map<std::string, ReportRow> ParseReport(const std::string& text, rapidjson::Document* doc) {
  std::map<std::string, ReportRow> rows;
  doc->Parse(text.c_str());
  if (doc->HasParseError() || !doc->IsObject()) {
    ADD_FAILURE() << "report is not JSON: " << text.substr(0, 200);
    return rows;
  }
  for (const auto& t : (*doc)["tests"].GetArray()) {
    ReportRow r;
    r.binary = t["binary"].GetString();
    r.outcome = t["outcome"].GetString();
    r.signal = t["signal"].GetString();
    r.message = t["message"].GetString();
    r.worker = t["worker"].GetInt();
    if (t.HasMember("output")) r.output = t["output"].GetString();
    const std::string name = t["name"].GetString();
    EXPECT_EQ(rows.count(name), 0u) << name << " reported twice";
    rows[name] = r;
  }
  return rows;
}

void ExpectMisbehaveOutcomes(std::map<std::string, ReportRow>& rows) {
  EXPECT_EQ(rows["Misbehave.Passes"].outcome, "passed");
  EXPECT_EQ(rows["Misbehave.Fails"].outcome, "failed");
  EXPECT_NE(rows["Misbehave.Fails"].message.find("deliberate failure"), std::string::npos);
  EXPECT_NE(rows["Misbehave.Fails"].message.find("misbehave_test.cc:"), std::string::npos);
  EXPECT_NE(rows["Misbehave.Fails"].message.find(": Failure\n"), std::string::npos);
  EXPECT_EQ(rows["Misbehave.Fails"].output, "about to fail\n");
  EXPECT_EQ(rows["Misbehave.Skips"].outcome, "skipped");
  EXPECT_NE(rows["Misbehave.Skips"].message.find("not today"), std::string::npos);
  EXPECT_EQ(rows["Misbehave.Segfaults"].outcome, "crashed");
  EXPECT_EQ(rows["Misbehave.Segfaults"].signal, "SIGSEGV") << rows["Misbehave.Segfaults"].message;
  EXPECT_NE(rows["Misbehave.Segfaults"].output.find("before the segfault"), std::string::npos);
  EXPECT_EQ(rows["Misbehave.Aborts"].outcome, "crashed");
  EXPECT_EQ(rows["Misbehave.Aborts"].signal, "SIGABRT");
  EXPECT_EQ(rows["Misbehave.ExitsWithThree"].outcome, "crashed");
  EXPECT_NE(rows["Misbehave.ExitsWithThree"].message.find("exit status 3"), std::string::npos);
  EXPECT_EQ(rows["Misbehave.UnderscoreExitsZero"].outcome, "crashed");
  EXPECT_NE(rows["Misbehave.UnderscoreExitsZero"].message.find("exit status 0"), std::string::npos);
  EXPECT_EQ(rows["Misbehave.Hangs"].outcome, "timed_out");
  EXPECT_EQ(rows["Misbehave.FloodsOutput"].outcome, "passed");
  EXPECT_EQ(rows["Misbehave.LeavesALingeringChild"].outcome, "passed");
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(rows["Many/Ordinary.Passes/" + std::to_string(i)].outcome, "passed");
  }
}

}  // namespace mprun::testing_util
