// Following a child's output pipe to its end: the one loop for the
// executors that launch a program from a worker process (driver_executor a
// gtest binary, command_executor a ctest command). Worker processes only;
// no state between calls.
//
// The child is the caller's: started by the Spawner and not yet reaped, so
// that its pid names it (and its group) throughout. When it dies:
// - while its output is followed: a pidfd says so; what it wrote is still in
//   the pipe and is read without waiting, and FollowPipe returns even if
//   something it started (a daemon, a `sleep &`) holds the pipe open for
//   ever: killing those is the caller's, with the child's group;
// - after its output closed (it closed stdout and stderr and went on):
//   FollowPipe waits for it up to `grace_ms`, the caller says how long;
// - before FollowPipe starts: as while followed (a zombie's pidfd is
//   readable at once).
// A signal (EINTR) interrupts nothing that matters: poll and read are
// retried, no chunk is lost or handed on twice. If the worker itself dies,
// the child goes too (the shim's PR_SET_PDEATHSIG, the supervisor's kill
// of the worker's group); nothing here is left half done that matters.
#ifndef MPRUN_RUNNER_WORKER_PIPE_FOLLOWER_H_
#define MPRUN_RUNNER_WORKER_PIPE_FOLLOWER_H_

#include <sys/types.h>

#include <functional>
#include <string_view>

namespace mprun::runner {

// How following a child's output ended.
enum class PipeEnd {
  kChildEnded,    // the child has ended (not reaped); all it wrote was handed on
  kChildLivesOn,  // the pipe closed and the child was still running grace_ms later
  kUnwatched,     // no pidfd (a kernel before 5.3): read until the pipe closed;
                  // whether the child has ended is unknown
};

// Hands what child `pid` writes into the pipe `fd` (its read end) to
// `chunk`, in order, until the pipe closes or the child has ended and the
// pipe is empty; then, if the child may live on, waits up to `grace_ms`
// (-1: as long as it takes) for it to end. Closes `fd` before that wait:
// a child still writing then fails rather than blocking on a full pipe.
PipeEnd FollowPipe(pid_t pid, int fd, int grace_ms,
                   const std::function<void(std::string_view chunk)>& chunk);

// Writes all of `text` to `fd` (the worker's output: what a child printed,
// copied), retrying after signals; stops quietly when `fd` takes no more.
void WriteAll(int fd, std::string_view text);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_WORKER_PIPE_FOLLOWER_H_
