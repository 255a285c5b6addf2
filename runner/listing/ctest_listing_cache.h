// CtestCache: ctest's own listing of a build folder (--show-only=json-v1),
// kept beside the history and used again while nothing it depends on has
// changed. ctest builds that listing by running the folder's CMake files
// (about 40 ms per thousand tests, most of a run of small tests); mprun
// ctest asks it again whenever one of these differs from when the listing
// was kept:
//   - every file ctest reads for it: the folder's CTestTestfile.cmake, those
//     of its subdirs(), every file they include() (gtest_discover_tests'
//     include and tests files), every path an if(EXISTS) looks at, and
//     ctest's own configuration files (present or absent, by device, inode,
//     size and times);
//   - ctest itself, the -C configuration, the whole environment (PATH finds
//     the programs; a file may read a variable), the folder;
//   - every program the tests run (rebuilt, or gone).
// Files that do more than CMake writes into them (core/input/ctest_files.h: a
// script that runs programs, globs or reads a variable) are never kept:
// ctest is asked every run. Supervisor process only.
#ifndef MPRUN_RUNNER_LISTING_CTEST_LISTING_CACHE_H_
#define MPRUN_RUNNER_LISTING_CTEST_LISTING_CACHE_H_

#include <string>
#include <vector>

namespace mprun::runner {

class CtestCache {
 public:
  // Where ctest's listing was made: its folder (absolute), -C and the ctest
  // executed (absolute).
  struct Inputs {
    std::string build_dir, config, ctest;
  };

  // `dir` "" keeps nothing.
  explicit CtestCache(std::string dir) : dir_(std::move(dir)) {}
  // The listing kept for `in`, when nothing it depends on changed since.
  bool Find(const Inputs& in, std::string* json) const;
  // What the listing about to be made depends on, file by file, taken
  // before ctest runs: a file a build rewrites while ctest reads it must not
  // be kept as the one ctest read. False with `why` when the folder's files
  // cannot be followed (then ctest is asked every run).
  bool Snapshot(const Inputs& in, std::string* files, std::string* why) const;
  // Keeps `json`, ctest's listing for `in` made after `snapshot`, whose
  // tests run `programs` (absolute paths); best effort. False with `why`
  // when a file changed meanwhile or the folder cannot be followed.
  bool Store(const Inputs& in, const std::string& snapshot, const std::string& json,
             const std::vector<std::string>& programs, std::string* why) const;

 private:
  std::string PathOf(const Inputs& in) const;

  std::string dir_;
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_LISTING_CTEST_LISTING_CACHE_H_
