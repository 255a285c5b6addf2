// CtestFileRefs: which other files a CTestTestfile.cmake (or a file it
// includes) makes ctest read, so that mprun ctest can tell whether ctest's
// listing of a build folder can have changed since it was kept
// (runner/listing/ctest_listing_cache.h). The tests themselves always come from ctest; this
// only follows `subdirs("...")`, `include("...")` and `if(EXISTS "...")`.
//
// Only what CMake itself writes is followed: comments, add_test,
// set_tests_properties, set_directory_properties, subdirs, include,
// if(EXISTS "literal")/else()/endif() (gtest_discover_tests' include file)
// and set() of a plain variable (its TEST_LIST, which nothing can read, as
// no argument may refer to a variable), each argument a literal (quoted,
// bracketed or bare). Any
// other command, or a reference through a variable, means the file's
// effect cannot be told from the files it names (a script that runs
// programs, reads the environment or globs): then nothing is kept. Pure;
// any process.
#ifndef MPRUN_CORE_INPUT_CTEST_FILES_H_
#define MPRUN_CORE_INPUT_CTEST_FILES_H_

#include <string>
#include <string_view>
#include <vector>

namespace mprun::core {

struct CtestFileRefs {
  std::vector<std::string> subdirs;   // as written: relative to the file's folder, or absolute
  std::vector<std::string> includes;  // absolute paths
  std::vector<std::string> exists;    // paths whose existence decides something (if(EXISTS))
};

// The references of one file's `text`; false with `why` (naming the line)
// when it holds anything else.
bool ReadCtestFileRefs(std::string_view text, CtestFileRefs* out, std::string* why);

}  // namespace mprun::core

#endif  // MPRUN_CORE_INPUT_CTEST_FILES_H_
