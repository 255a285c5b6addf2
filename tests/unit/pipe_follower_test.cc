// FollowPipe with real processes: a forked child writes into a pipe and
// ends (or lives on, or leaves a grandchild holding the pipe); signals land
// while it is followed. Synchronisation is by pipes, sockets and the
// follower's own state in /proc, never by sleeping.
#include "runner/worker/pipe_follower.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <string>

#include "core/file_io.h"

namespace mprun::runner {
namespace {

// How long a helper process that is never told to end waits before it
// ends by itself: a follower that waits for it fails its test, not hangs.
constexpr int kWatchdogMs = 10000;

void Write(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n <= 0) _exit(3);
    text.remove_prefix(static_cast<size_t>(n));
  }
}

struct Child {
  pid_t pid = -1;
  int out = -1;  // the read end of its output pipe
};

// Forks a child that runs `body` with the write end of its output pipe,
// then ends with status 0.
Child StartChild(const std::function<void(int out)>& body) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    body(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

std::string Follow(const Child& c, int grace_ms, PipeEnd* end) {
  std::string out;
  *end = FollowPipe(c.pid, c.out, grace_ms, [&](std::string_view chunk) { out.append(chunk); });
  return out;
}

bool EndedButNotReaped(pid_t pid) {
  siginfo_t info = {};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

int Reap(pid_t pid) {
  int status = -1;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// In a child: blocks until its parent `pid` sleeps in a system call (in
// the follower: its poll), so that a signal sent now interrupts it. Ends
// the child if the parent is gone (a test that failed has moved on).
void AwaitSleep(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  for (;;) {
    if (getppid() != pid) _exit(4);
    const std::string stat = core::ReadWholeFile(path);
    const size_t close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'S') return;
    sched_yield();
  }
}

TEST(PipeFollowerTest, HandsOnAllOutputInOrder) {
  std::string expected;
  for (int i = 0; i < 3000; ++i) expected += "line " + std::to_string(i) + "\n";
  const std::string block(1 << 20, 'x');  // more than a pipe holds
  expected += block;
  const Child c = StartChild([&](int out) {
    for (int i = 0; i < 3000; ++i) Write(out, "line " + std::to_string(i) + "\n");
    Write(out, block);
  });
  ASSERT_GT(c.pid, 0);
  PipeEnd end;
  const std::string out = Follow(c, -1, &end);
  EXPECT_EQ(out.size(), expected.size());
  EXPECT_TRUE(out == expected) << "output lost, doubled or out of order";
  EXPECT_EQ(end, PipeEnd::kChildEnded);
  EXPECT_TRUE(EndedButNotReaped(c.pid)) << "the caller reaps the child, and only once it ended";
  EXPECT_EQ(Reap(c.pid), 0);
}

TEST(PipeFollowerTest, ReturnsWhenTheChildEndedThoughAGrandchildHoldsThePipe) {
  int control[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, control), 0);
  const Child c = StartChild([&](int out) {
    close(control[0]);
    int started[2];
    if (pipe(started) != 0) _exit(1);
    if (fork() == 0) {  // the grandchild: holds `out` until told to go
      close(started[0]);
      Write(out, "grandchild started\n");
      close(started[1]);
      pollfd told = {control[1], POLLIN, 0};
      poll(&told, 1, kWatchdogMs);
      _exit(0);
    }
    close(started[1]);
    char b;
    while (read(started[0], &b, 1) > 0) {
    }
    Write(out, "child ends\n");
  });
  ASSERT_GT(c.pid, 0);
  close(control[1]);
  PipeEnd end;
  EXPECT_EQ(Follow(c, -1, &end), "grandchild started\nchild ends\n");
  EXPECT_EQ(end, PipeEnd::kChildEnded);
  EXPECT_EQ(Reap(c.pid), 0);
  // Only the grandchild holds the other end of `control` now: a send that
  // fails says it had ended, so that the follower waited for it.
  EXPECT_EQ(send(control[0], "x", 1, MSG_NOSIGNAL), 1)
      << "the follower returned only once the grandchild let the pipe go";
  char b;
  while (recv(control[0], &b, 1, 0) > 0) {  // until the grandchild is gone
  }
  close(control[0]);
}

TEST(PipeFollowerTest, AChildThatClosesItsOutputAndLivesOnIsSaidToLiveOn) {
  int control[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, control), 0);
  const Child c = StartChild([&](int out) {
    close(control[0]);
    Write(out, "closing\n");
    close(out);
    pollfd told = {control[1], POLLIN, 0};
    poll(&told, 1, kWatchdogMs);
  });
  ASSERT_GT(c.pid, 0);
  close(control[1]);
  PipeEnd end;
  EXPECT_EQ(Follow(c, 50, &end), "closing\n");
  EXPECT_EQ(end, PipeEnd::kChildLivesOn);
  EXPECT_FALSE(EndedButNotReaped(c.pid));
  close(control[0]);  // lets it end
  EXPECT_EQ(Reap(c.pid), 0);
}

std::atomic<int> g_signals{0};
void CountSignal(int) { g_signals.fetch_add(1, std::memory_order_relaxed); }

// A handler without SA_RESTART, so that the signal interrupts the
// follower's poll (EINTR) both while output comes and while it waits for
// the child after the pipe closed. Real-time: none is merged with another.
TEST(PipeFollowerTest, SignalsWhileFollowingLoseNothingAndCutNoWaitShort) {
  const int sig = SIGRTMIN + 2;
  struct sigaction sa = {};
  struct sigaction old = {};
  sa.sa_handler = CountSignal;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(sig, &sa, &old), 0);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, sig);
  sigset_t old_mask;
  pthread_sigmask(SIG_UNBLOCK, &unblock, &old_mask);
  g_signals = 0;

  constexpr int kChunks = 40;
  constexpr int kAfterClose = 3;
  const pid_t follower = getpid();
  const Child c = StartChild([&](int out) {
    for (int i = 0; i < kChunks; ++i) {
      AwaitSleep(follower);
      kill(follower, sig);
      Write(out, "chunk " + std::to_string(i) + "\n");
    }
    close(out);
    for (int i = 0; i < kAfterClose; ++i) {  // the follower waits for the end
      AwaitSleep(follower);
      kill(follower, sig);
    }
  });
  ASSERT_GT(c.pid, 0);
  PipeEnd end;
  const std::string out = Follow(c, -1, &end);
  EXPECT_EQ(end, PipeEnd::kChildEnded);
  EXPECT_TRUE(EndedButNotReaped(c.pid)) << "a signal ended the wait for the child";
  EXPECT_EQ(Reap(c.pid), 0);
  std::string expected;
  for (int i = 0; i < kChunks; ++i) expected += "chunk " + std::to_string(i) + "\n";
  EXPECT_EQ(out, expected);
  EXPECT_EQ(g_signals.load(), kChunks + kAfterClose);

  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(sig, &old, nullptr);
}

TEST(PipeFollowerTest, WithoutAPidfdReadsUntilThePipeCloses) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "all\n", 4), 4);
  close(fds[1]);
  std::string out;
  // No process has pid -1: pidfd_open fails, as on a kernel before 5.3.
  const PipeEnd end = FollowPipe(-1, fds[0], -1, [&](std::string_view s) { out.append(s); });
  EXPECT_EQ(end, PipeEnd::kUnwatched);
  EXPECT_EQ(out, "all\n");
}

}  // namespace
}  // namespace mprun::runner
