// StrayReaper with real processes: a daemon a test leaves (fork, setsid,
// fork, its parent gone) comes back to the supervisor and is killed; a
// child the supervisor had before the run is left alone.
#include "runner/process/strays.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "gtest/gtest.h"

namespace mprun::runner {
namespace {

// A child that waits to be killed.
pid_t StartSleeper() {
  const pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  return pid;
}

// A daemon as a test leaves one: a child starts a grandchild in a session
// of its own and ends; the grandchild's pid comes back through a pipe.
pid_t LeaveDaemon() {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t middle = fork();
  if (middle == 0) {
    close(fds[0]);
    setsid();
    const pid_t daemon = fork();
    if (daemon == 0) {
      close(fds[1]);
      pause();
      _exit(0);
    }
    (void)!write(fds[1], &daemon, sizeof daemon);
    _exit(0);
  }
  close(fds[1]);
  pid_t daemon = -1;
  if (read(fds[0], &daemon, sizeof daemon) != sizeof daemon) daemon = -1;
  close(fds[0]);
  waitpid(middle, nullptr, 0);
  return daemon;
}

bool Alive(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

TEST(StrayReaperTest, ADaemonLeftBehindComesBackAndIsKilledAndAnEarlierChildIsLeftAlone) {
  const pid_t earlier = StartSleeper();
  ASSERT_GT(earlier, 0);
  int killed = 0;
  pid_t daemon = -1;
  {
    StrayReaper reaper;
    daemon = LeaveDaemon();
    ASSERT_GT(daemon, 0);
    // Its parent is gone: it is ours now, wherever its session is.
    EXPECT_EQ(ChildrenOfSelf().count(daemon), 1u);
    EXPECT_EQ(ChildrenOfSelf().count(earlier), 1u);
    killed = reaper.KillStrays();
  }
  EXPECT_EQ(killed, 1);
  EXPECT_FALSE(Alive(daemon));  // killed and reaped
  EXPECT_TRUE(Alive(earlier));
  kill(earlier, SIGKILL);
  waitpid(earlier, nullptr, 0);
  if (Alive(daemon)) kill(daemon, SIGKILL);  // a broken reaper must not leave it behind
}

}  // namespace
}  // namespace mprun::runner
