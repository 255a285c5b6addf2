// The chaos suite: CHAOS_TESTS tests (default 60), each doing
// what tests/chaos/chaos_plan.h's FaultOf(CHAOS_SEED, index) says. Each
// first appends "index pid" to $CHAOS_DIR/ran, so the driver can count how
// often a test began. Built linked (chaos_test) and plain (chaos_plain).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "tests/chaos/chaos_plan.h"

#if defined(__SANITIZE_ADDRESS__)
#define CHAOS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHAOS_ASAN 1
#endif
#endif

namespace {

using mprun::chaos::Fault;

uint32_t EnvU32(const char* name, uint32_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? static_cast<uint32_t>(std::strtoul(v, nullptr, 10)) : fallback;
}

// The parent of process `pid`, from /proc (0 if unknown).
pid_t ParentOf(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return 0;
  char buf[512];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* close = std::strrchr(buf, ')');
  int ppid = 0;
  char state;
  if (close == nullptr || std::sscanf(close + 1, " %c %d", &state, &ppid) != 2) return 0;
  return static_cast<pid_t>(ppid);
}

// "index pid worker": the process the test runs in, and the mprun worker
// that runs it (linked mode: the same; driver mode: the binary's shim's
// parent), so that the driver can tell which test an outside kill hit.
void Note(uint32_t index) {
  const char* dir = std::getenv("CHAOS_DIR");
  if (dir == nullptr) return;
  const std::string path = std::string(dir) + "/ran";
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const pid_t worker = std::getenv("CHAOS_DRIVER") ? ParentOf(getppid()) : getpid();
  const std::string line =
      std::to_string(index) + " " + std::to_string(getpid()) + " " + std::to_string(worker) + "\n";
  [[maybe_unused]] ssize_t n = write(fd, line.data(), line.size());  // one write: atomic
  close(fd);
}

void SleepS(unsigned s) {
  struct timespec ts = {static_cast<time_t>(s), 0};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

void ExhaustMemory() {
#ifndef CHAOS_ASAN  // ASan reserves terabytes of address space up front
  struct rlimit old;
  getrlimit(RLIMIT_AS, &old);
  long pages = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
    std::fclose(f);
  }
  const rlim_t now = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE));
  // Address space, not memory: the blocks are never touched, so this is
  // quick and leaves the machine's memory alone.
  struct rlimit lim = {now + (64u << 20), old.rlim_max};
  if (lim.rlim_cur > old.rlim_max) lim.rlim_cur = old.rlim_max;
  setrlimit(RLIMIT_AS, &lim);
  std::vector<std::unique_ptr<char[]>> blocks;
  try {
    for (int i = 0; i < 64; ++i) blocks.emplace_back(new char[8u << 20]);
  } catch (const std::bad_alloc&) {
  }
  blocks.clear();
  setrlimit(RLIMIT_AS, &old);
#endif
}

class Chaos : public ::testing::TestWithParam<uint32_t> {};

TEST_P(Chaos, Test) {
  const uint32_t index = GetParam();
  Note(index);
  switch (mprun::chaos::FaultOf(EnvU32("CHAOS_SEED", 1), index)) {
    case Fault::kPass:
    case Fault::kCount:
      break;
    case Fault::kFail:
      FAIL() << "chaos: fails";
    case Fault::kSkip:
      GTEST_SKIP() << "chaos: skips";
    case Fault::kSegfault:
      raise(SIGSEGV);
      break;
    case Fault::kAbort:
      std::abort();
    case Fault::kExit3:
      std::exit(3);
    case Fault::kExit0:
      _exit(0);
    case Fault::kHang:
      for (;;) pause();
    case Fault::kSleepPast:
      SleepS(3);  // the run's limit is 1 s
      break;
    case Fault::kFlood: {
      const std::string line(1023, 'z');
      for (int i = 0; i < 4096; ++i) std::printf("%s\n", line.c_str());
      break;
    }
    case Fault::kCloseOutput:
      std::fflush(stdout);
      std::fflush(stderr);
      close(STDOUT_FILENO);
      close(STDERR_FILENO);
      break;
    case Fault::kLingerChild:
      if (fork() == 0) {
        SleepS(60);
        _exit(0);
      }
      break;
    case Fault::kDaemon:
      if (const pid_t child = fork(); child == 0) {
        setsid();
        if (fork() == 0) {
          SleepS(60);
          _exit(0);
        }
        _exit(0);
      } else if (child > 0) {
        waitpid(child, nullptr, 0);
      }
      break;
    case Fault::kStopSelf:
      raise(SIGSTOP);
      break;
    case Fault::kMemory:
      ExhaustMemory();
      break;
    case Fault::kRealHang:
      mprun::testing_hangs::HangThe(mprun::chaos::HangOf(EnvU32("CHAOS_SEED", 1), index));
      break;
    case Fault::kKillWorker:
      // Linked mode runs the test in its worker; driver mode in a child of it.
      kill(std::getenv("MPRUN_WORKER_ID") && getppid() > 1 && std::getenv("CHAOS_DRIVER")
               ? getppid()
               : getpid(),
           SIGKILL);
      SleepS(5);
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(Suite, Chaos, ::testing::Range(0u, EnvU32("CHAOS_TESTS", 60)));

}  // namespace
