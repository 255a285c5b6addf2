// ReadJunit: the tests of a JUnit XML file read back, for --history-from:
// mprun's own --junit-xml, GoogleTest's --gtest_output=xml, and any other
// runner's (each <testcase> with name, classname and time). Only what a
// placement needs: names, durations and outcomes; no binary (JUnit has none).
// Pure; any process.
#ifndef MPRUN_CORE_REPORT_JUNIT_READER_H_
#define MPRUN_CORE_REPORT_JUNIT_READER_H_

#include <string>

#include "core/report/report_reader.h"

namespace mprun::core {

// `text` (modified in place: the parser is destructive) as reports merged:
// one test per <testcase> (its classname as the suite), passed unless it
// has a <failure>, <error> or <skipped>. False, with `err` naming `path`
// and the problem, when it is not XML or holds no <testcase>.
bool ReadJunit(const std::string& path, std::string text, MergedReports* out, std::string* err);

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_JUNIT_READER_H_
