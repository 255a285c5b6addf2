// ListingCache: what a GoogleTest binary printed for --gtest_list_tests,
// kept between runs (`mprun ctest`) for as long as it is the same file
// (path, device, inode, size, modification time) listed the same way
// (arguments, directory, environment). One file per listing in a folder
// beside the history; a file that does not match is ignored and replaced.
// Supervisor process only.
#ifndef MPRUN_RUNNER_LISTING_CACHE_H_
#define MPRUN_RUNNER_LISTING_CACHE_H_

#include <string>

#include "runner/listing.h"

namespace mprun::runner {

class ListingCache {
 public:
  // `dir` "" keeps nothing.
  explicit ListingCache(std::string dir) : dir_(std::move(dir)) {}
  // The listing of `job` as it was (its output, and its start-up time as
  // start_ns..end_ns); false when there is none for the file as it is now.
  bool Find(const ListingJob& job, Listing* out) const;
  // Keeps `l` (a listing that succeeded) for the next run; best effort.
  void Store(const ListingJob& job, const Listing& l) const;

 private:
  // What must be equal for a listing to stand; "" when the file cannot be
  // looked at (then nothing is kept).
  static std::string KeyOf(const ListingJob& job);
  std::string PathOf(const std::string& key) const;

  std::string dir_;
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_LISTING_CACHE_H_
