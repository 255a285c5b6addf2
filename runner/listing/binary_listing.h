// Listings: programs mprun runs before a run to learn its tests (a
// GoogleTest binary's --gtest_list_tests, ctest's --show-only=json-v1),
// many at once, each within a time limit, all through the one Spawner.
// Also the checks every way in makes on a program it will execute.
// Supervisor process only, before any worker is forked.
#ifndef MPRUN_RUNNER_LISTING_BINARY_LISTING_H_
#define MPRUN_RUNNER_LISTING_BINARY_LISTING_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runner/process/spawner.h"

namespace mprun::runner {

// How errors name what a listing ran ("--gtest_list_tests"), and what they
// add to a bad exit status ("; is it a GoogleTest binary?").
struct ListingWords {
  std::string what;
  std::string hint;
  // The listing exits with how many tests it printed (Catch2 v2): any exit
  // status is a listing; only a signal or a time-out fails it.
  bool exit_is_count = false;
  // What set the time limit, as errors name it.
  std::string limit = "--list-timeout";
};

struct ListingJob {
  std::string shown;              // how errors name it
  std::vector<std::string> argv;  // argv[0]: an absolute path
  std::string dir;                // "" = this one's
  std::vector<std::string> env;   // ProgramSpec::env
  // Its own words (a binary of another framework than the rest); null:
  // those given to ListAll.
  const ListingWords* words = nullptr;
  // A listing that fails (a signal, a bad exit status, its time limit)
  // does not fail the others: Listing::failed says why (mprun ctest runs
  // such a program whole, as ctest does).
  bool may_fail = false;
};

struct Listing {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
  int exit_fd = -1;  // a pidfd, while it runs
  std::string out, err;
  int status = 0;
  bool timed_out = false;
  uint64_t start_ns = 0, end_ns = 0;
  // A job that may fail and did: why, as ListAll's error would say it.
  std::string failed;
};

// Runs the jobs, up to `parallel` at a time, each within `timeout_s` of its
// start; false with `err` naming the first that failed (with the tail of
// what it wrote to stderr), unless it may fail (ListingJob::may_fail).
bool ListAll(Spawner& spawner, const std::vector<ListingJob>& jobs, const ListingWords& words,
             double timeout_s, size_t parallel, std::vector<Listing>* out, std::string* err);

// Listings at once: enough to hide each one's start-up, few enough for the
// file-descriptor limit with hundreds of binaries.
size_t ParallelListings();

// The path to execute for `given`, checked: an existing, executable regular
// file; made absolute (a launch may run in another directory).
bool ExecPathOf(const std::string& given, std::string* out, std::string* err);

// The binaries run as plain GoogleTest, unsharded, with mprun's filter:
// nothing in the environment may change what a launch runs or writes.
void ClearGtestEnvironment();

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_LISTING_BINARY_LISTING_H_
