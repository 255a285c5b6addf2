// ListingCache: what a GoogleTest binary printed for --gtest_list_tests,
// kept between runs (driver mode and `mprun ctest`, beside the history) for
// as long as it is the same file (path, device, inode, size, modification
// time) listed the same way (arguments, working directory, the whole
// environment). One file per listing in a folder beside the history; a
// file that does not match is ignored and replaced. Supervisor process
// only.
//
// What it cannot see: a binary whose tests come from elsewhere at start-up
// (parameters read from a data folder, tests registered from files) lists
// the tests it had when it was kept until the binary changes, as CMake's
// gtest_discover_tests does. `--no-listing-cache` (or --no-history) lists
// every binary every run.
#ifndef MPRUN_RUNNER_LISTING_LISTING_CACHE_H_
#define MPRUN_RUNNER_LISTING_LISTING_CACHE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "runner/listing/binary_listing.h"

namespace mprun::runner {

class ListingCache {
 public:
  // `dir` "" keeps nothing.
  explicit ListingCache(std::string dir) : dir_(std::move(dir)) {}
  // The listing of `job` as it was (its output, and its start-up time as
  // start_ns..end_ns; or Listing::failed, why it failed); false when there
  // is none for the file as it is now.
  bool Find(const ListingJob& job, Listing* out) const;
  // Keeps `l` for the next run (a listing that succeeded, or one that may
  // fail and did: the program is not listed again until it changes); best
  // effort.
  void Store(const ListingJob& job, const Listing& l) const;

 private:
  // What must be equal for a listing to stand; "" when the file cannot be
  // looked at (then nothing is kept).
  static std::string KeyOf(const ListingJob& job);
  std::string PathOf(const std::string& key) const;

  std::string dir_;
};

// The listings of `jobs`: from `cache` for the programs unchanged since it
// kept them, the others run (as ListAll: at once, each within `timeout_s`)
// and kept; `*recalled` says how many came from the cache.
bool ListWithCache(Spawner& spawner, const ListingCache& cache, const std::vector<ListingJob>& jobs,
                   const ListingWords& words, double timeout_s, std::vector<Listing>* listings,
                   size_t* recalled, std::string* err);

// What the cache files share.
// A digest of the environment a listing inherits, in order, leaving out
// what a shell changes by itself from one command to the next and mprun's
// own MPRUN_* settings: what a binary's tests depend on (a variable that
// selects them) is in it, and no value of it is written to the cache
// folder.
std::string EnvironmentDigest();
// "DEV INO SIZE MTIME CTIME" of the file at `path`, or "absent".
std::string FileIdentity(const std::string& path);
// `text` into `path` in `dir` (made beside the history if need be), through
// a new file renamed into place (core::WriteFileAtomically); best effort.
void WriteCacheFile(const std::string& dir, const std::string& path, const std::string& text);

// Where a run keeps its listings: beside its history, unless it keeps no
// history or was told not to ("": nowhere).
std::string ListingCacheDir(const std::string& history_path, bool no_history,
                            bool no_listing_cache);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_LISTING_LISTING_CACHE_H_
