#include "runner/listing/binary_listing.h"

#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/input/options.h"
#include "runner/process/cpus.h"
#include "shm/segment.h"

namespace mprun::runner {

namespace {

bool SpawnListing(Spawner& spawner, const ListingJob& job, Listing* l, std::string* err) {
  ProgramSpec spec;
  spec.argv = job.argv;
  spec.dir = job.dir;
  spec.env = job.env;
  spec.separate_stderr = true;
  spec.exec_failed = "cannot run it";
  l->start_ns = shm::MonotonicNs();
  Program listing;
  int error_number = 0;
  if (!spawner.StartProgram(spec, &listing, err, &error_number)) return false;
  l->pid = listing.pid;
  l->out_fd = listing.out_fd;
  l->err_fd = listing.err_fd;
  // Readable once it has ended: its streams close a moment before it can
  // be reaped, and the poll waits for that moment on it (-1 on a kernel
  // without pidfds: then in steps of 2 ms).
  l->exit_fd = static_cast<int>(syscall(SYS_pidfd_open, listing.pid, 0));
  return true;
}

// The listings under way (started and not yet reaped), their pipes
// watched in one poll.
enum class Stream { kOut, kErr, kExit };
struct Watch {
  std::vector<pollfd> fds;
  std::vector<std::pair<size_t, Stream>> who;  // listing, what of it
  uint64_t wait_ns = 1000000000;
};

// Kills the listings past their limit, reaps those whose streams are both
// closed, and gathers the open pipes of the rest.
Watch WatchListings(Spawner& spawner, std::vector<Listing>& ls, size_t started,
                    std::vector<bool>& reaped, uint64_t limit_ns) {
  Watch w;
  const uint64_t now = shm::MonotonicNs();
  for (size_t i = 0; i < started; ++i) {
    if (reaped[i]) continue;
    Listing& l = ls[i];
    if (now >= l.start_ns + limit_ns) {  // too long: killed, judged below
      l.timed_out = true;
      spawner.SignalProgramGroup(l.pid, SIGKILL);
    }
    const bool streams_open = l.out_fd >= 0 || l.err_fd >= 0;
    // Both streams closed: it is done once it has exited.
    if (!streams_open && spawner.ProgramEnded(l.pid, &l.status)) {
      reaped[i] = true;
      if (l.end_ns == 0) l.end_ns = shm::MonotonicNs();
      if (l.exit_fd >= 0) close(l.exit_fd);
      l.exit_fd = -1;
      continue;
    }
    const uint64_t deadline = l.start_ns + limit_ns;
    w.wait_ns = std::min(w.wait_ns, deadline > now ? deadline - now : 0);
    if (l.out_fd >= 0) w.fds.push_back({l.out_fd, POLLIN, 0}), w.who.push_back({i, Stream::kOut});
    if (l.err_fd >= 0) w.fds.push_back({l.err_fd, POLLIN, 0}), w.who.push_back({i, Stream::kErr});
    if (streams_open) continue;
    if (l.exit_fd >= 0) {
      w.fds.push_back({l.exit_fd, POLLIN, 0}), w.who.push_back({i, Stream::kExit});
    } else {
      w.wait_ns = std::min<uint64_t>(w.wait_ns, 2000000);
    }
  }
  return w;
}

// What the poll found ready: read, or closed at the end of the stream.
void ReadListings(const Watch& w, std::vector<Listing>& ls) {
  for (size_t k = 0; k < w.fds.size(); ++k) {
    if (w.fds[k].revents == 0 || w.who[k].second == Stream::kExit) continue;
    Listing& l = ls[w.who[k].first];
    const bool is_out = w.who[k].second == Stream::kOut;
    int& fd = is_out ? l.out_fd : l.err_fd;
    std::string& text = is_out ? l.out : l.err;
    char buf[65536];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
      if (!is_out && text.size() > 65536) text.erase(0, text.size() - 32768);
    } else if (n == 0 || errno != EINTR) {
      close(fd);
      fd = -1;
      if (l.out_fd < 0 && l.err_fd < 0) l.end_ns = shm::MonotonicNs();
    }
  }
}

// False with `err` when the listing of `shown` did not end well.
bool JudgeListing(const std::string& shown, const Listing& l, const ListingWords& words,
                  double timeout_s, std::string* err) {
  auto fail = [&](const std::string& why) {
    *err = shown + ": " + why;
    std::string tail = l.err.size() > 2000 ? l.err.substr(l.err.size() - 2000) : l.err;
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    if (!tail.empty()) *err += "; it wrote to stderr:\n" + tail;
    return false;
  };
  if (l.timed_out) {
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", timeout_s);
    return fail(words.what + " did not finish within " + limit + " s (" + words.limit +
                "); killed");
  }
  if (WIFSIGNALED(l.status)) {
    return fail(words.what + " was killed by signal " + strsignal(WTERMSIG(l.status)));
  }
  if (WEXITSTATUS(l.status) != 0 && !words.exit_is_count) {
    return fail(words.what + " exited with status " + std::to_string(WEXITSTATUS(l.status)) +
                (WEXITSTATUS(l.status) == 127 ? " (could not be run)" : "") + words.hint);
  }
  return true;
}

}  // namespace

bool ListAll(Spawner& spawner, const std::vector<ListingJob>& jobs, const ListingWords& words,
             double timeout_s, size_t parallel, std::vector<Listing>* out, std::string* err) {
  std::vector<Listing>& ls = *out;
  ls.resize(jobs.size());
  const auto limit_ns = static_cast<uint64_t>(timeout_s * 1e9);
  std::vector<bool> reaped(jobs.size(), false);
  size_t next = 0;
  for (;;) {
    size_t running = 0;
    for (size_t i = 0; i < next; ++i) running += reaped[i] ? 0 : 1;
    for (; running < parallel && next < ls.size(); ++next, ++running) {
      if (!SpawnListing(spawner, jobs[next], &ls[next], err)) {
        *err = jobs[next].shown + ": " + *err;
        for (size_t j = 0; j < next; ++j) {
          if (!reaped[j]) spawner.SignalProgramGroup(ls[j].pid, SIGKILL);
        }
        return false;
      }
    }
    if (running == 0) break;
    Watch w = WatchListings(spawner, ls, next, reaped, limit_ns);
    if (std::find(reaped.begin(), reaped.begin() + static_cast<long>(next), false) ==
        reaped.begin() + static_cast<long>(next)) {
      continue;  // every one started has ended: start more, or done
    }
    const int wait_ms = static_cast<int>(w.wait_ns / 1000000 + 1);
    if (poll(w.fds.data(), w.fds.size(), w.fds.empty() ? std::min(wait_ms, 2) : wait_ms) < 0 &&
        errno != EINTR) {
      *err = std::string("poll: ") + std::strerror(errno);
      return false;
    }
    ReadListings(w, ls);
  }
  for (size_t i = 0; i < ls.size(); ++i) {
    const ListingWords& w = jobs[i].words != nullptr ? *jobs[i].words : words;
    if (JudgeListing(jobs[i].shown, ls[i], w, timeout_s, err)) continue;
    if (!jobs[i].may_fail) return false;
    ls[i].failed = std::move(*err);
    err->clear();
  }
  return true;
}

size_t ParallelListings() {
  size_t parallel = static_cast<size_t>(std::clamp(2 * UsableCores(), 4, 64));
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    // Each listing holds two pipe ends; leave room for everything else.
    const auto room = static_cast<size_t>(files.rlim_cur > 48 ? (files.rlim_cur - 32) / 2 : 1);
    parallel = std::max<size_t>(1, std::min(parallel, room));
  }
  return parallel;
}

bool ExecPathOf(const std::string& given, std::string* out, std::string* err) {
  struct stat st;
  if (stat(given.c_str(), &st) != 0) {
    *err = given + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = given + ": not a regular file";
    return false;
  }
  if (access(given.c_str(), X_OK) != 0) {
    *err = given + ": not executable";
    return false;
  }
  char resolved[PATH_MAX];
  if (realpath(given.c_str(), resolved) == nullptr) {
    *err = given + ": " + std::strerror(errno);
    return false;
  }
  *out = resolved;
  return true;
}

void ClearGtestEnvironment() {
  for (const char* v :
       {"MPRUN_PROCESSES", "GTEST_FILTER", "GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX",
        "GTEST_SHARD_STATUS_FILE", "GTEST_OUTPUT", "GTEST_REPEAT", "GTEST_SHUFFLE",
        "GTEST_RANDOM_SEED", "GTEST_FAIL_FAST", "GTEST_LIST_TESTS", "GTEST_BRIEF",
        "GTEST_ALSO_RUN_DISABLED_TESTS", "GTEST_COLOR", "GTEST_PREMATURE_EXIT_FILE"}) {
    unsetenv(v);
  }
  for (const char* v : core::ShardVariables()) unsetenv(v);
}

}  // namespace mprun::runner
