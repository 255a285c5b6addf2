#include "runner/worker/pipe_follower.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "shm/segment.h"

namespace mprun::runner {

namespace {

// Reads `fd` into `chunk` until the pipe closes, or until `pidfd` says the
// child has ended and the pipe holds nothing more. True when the child was
// seen to end.
bool ReadToEnd(int fd, int pidfd, const std::function<void(std::string_view)>& chunk) {
  char buf[65536];
  bool gone = false;
  for (;;) {
    if (!gone && pidfd >= 0) {
      pollfd fds[2] = {{fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents != 0 && fds[0].revents == 0) {
        gone = true;  // drain what is buffered, without waiting
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
      }
    }
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // closed, or drained (EAGAIN)
    chunk(std::string_view(buf, static_cast<size_t>(n)));
  }
  return gone;
}

// Waits up to `ms` (-1: for ever) for `pidfd` to turn readable; a signal
// does not cut the wait short. True when the child ended, or when poll
// fails otherwise (the executors then go on as if it had: the reaping
// waits for it).
bool AwaitEnd(int pidfd, int ms) {
  const uint64_t deadline_ns =
      shm::MonotonicNs() + static_cast<uint64_t>(std::max(ms, 0)) * 1000000;
  for (;;) {
    int left = -1;
    if (ms >= 0) {
      const uint64_t now = shm::MonotonicNs();
      left = now >= deadline_ns ? 0 : static_cast<int>((deadline_ns - now + 999999) / 1000000);
    }
    pollfd exited = {pidfd, POLLIN, 0};
    const int ready = poll(&exited, 1, left);
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return true;
  }
}

}  // namespace

PipeEnd FollowPipe(pid_t pid, int fd, int grace_ms,
                   const std::function<void(std::string_view chunk)>& chunk) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  const bool gone = ReadToEnd(fd, pidfd, chunk);
  close(fd);
  if (pidfd < 0) return PipeEnd::kUnwatched;
  // The kernel closes a dying process's files just before it becomes a
  // zombie (and a shim ends after its binary), so the pipe's end often
  // comes first: an exit in progress gets `grace_ms` to show.
  const bool ended = gone || AwaitEnd(pidfd, grace_ms);
  close(pidfd);
  return ended ? PipeEnd::kChildEnded : PipeEnd::kChildLivesOn;
}

void WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace mprun::runner
