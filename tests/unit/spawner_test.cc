// ForkSpawner with real processes, under a lowered descriptor limit: worker
// launches stop while the supervisor still has kReservedDescriptors to
// open files with, and a launch refused so says why; but the first worker
// starts without that reserve.
#include "runner/process/spawner.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace mprun::runner {
namespace {

struct Counts {
  int launched = 0;
  int opened_after = 0;  // descriptors the supervisor could still open
  char why[200] = {};
};

// In a child (the limit and the workers stay there): launches workers until
// one is refused, then opens /dev/null until that is refused too.
Counts LaunchUntilRefused(int room) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t child = fork();
  if (child == 0) {
    Counts c;
    const int lowest = dup(STDIN_FILENO);
    close(lowest);
    const rlim_t limit = static_cast<rlim_t>(lowest + room);
    const struct rlimit files = {limit, limit};
    if (setrlimit(RLIMIT_NOFILE, &files) != 0) _exit(3);
    ForkSpawner spawner([](uint32_t, uint32_t, int) { pause(); }, 4096);
    std::string err;
    for (uint32_t slot = 0; slot < 64; ++slot) {
      LaunchedWorker w;
      if (!spawner.Launch(slot, 1, &w, &err)) break;
      ++c.launched;
    }
    std::snprintf(c.why, sizeof c.why, "%s", err.c_str());
    while (open("/dev/null", O_RDONLY) >= 0) ++c.opened_after;
    (void)!write(fds[1], &c, sizeof c);
    _exit(0);  // the workers die with it (PR_SET_PDEATHSIG)
  }
  close(fds[1]);
  Counts c;
  if (read(fds[0], &c, sizeof c) != sizeof c) c.launched = -1;
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return c;
}

TEST(ForkSpawnerTest, LaunchesStopWhileTheSupervisorStillHasItsReserveOfDescriptors) {
  // Each worker holds two descriptors (its output file and its pidfd), and
  // a launch needs a third for a moment: room for three workers.
  const Counts c = LaunchUntilRefused(kReservedDescriptors + 7);
  ASSERT_GE(c.launched, 0) << "the child did not report";
  EXPECT_EQ(c.launched, 3) << c.why;
  EXPECT_GE(c.opened_after, kReservedDescriptors) << c.why;
  EXPECT_NE(std::string(c.why).find("too few file descriptors"), std::string::npos) << c.why;
}

TEST(ForkSpawnerTest, TheFirstWorkerStartsWithoutTheReserve) {
  // Room for one worker's launch and nothing more.
  const Counts c = LaunchUntilRefused(3);
  ASSERT_GE(c.launched, 0) << "the child did not report";
  EXPECT_EQ(c.launched, 1) << c.why;
}

}  // namespace
}  // namespace mprun::runner
