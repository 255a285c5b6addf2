// Parses what a GoogleTest binary prints for --gtest_list_tests, exactly:
//
//   Suite.
//     Test
//   Typed/0.  # TypeParam = int
//     Test
//   Prefix/Param.
//     Test/0  # GetParam() = 1
//
// A suite line starts in column 0 and its name ends in '.'; a test line is
// indented by two spaces; either may end in "  # " and a comment. Names never
// hold spaces (gtest's own rule). Lines before the first suite (gtest_main's
// "Running main() from ...", a logger's banner) are passed over; anything
// else inside the listing is not a listing. Pure; any process.
#ifndef MPRUN_CORE_INPUT_GTEST_LIST_H_
#define MPRUN_CORE_INPUT_GTEST_LIST_H_

#include <string>
#include <string_view>
#include <vector>

namespace mprun::core {

struct ListedTest {
  std::string suite;
  std::string name;
};

// False, with `err` naming the first line that is not a listing (1-based),
// when `text` is not a listing or lists no test.
bool ParseGtestList(std::string_view text, std::vector<ListedTest>* out, std::string* err);

}  // namespace mprun::core

#endif  // MPRUN_CORE_INPUT_GTEST_LIST_H_
