// ctest's dashboard record of a run (`ctest -T Test`): Testing/TAG and
// Testing/<tag>/Test.xml, in the shape CMake 3.25's ctest writes them, so
// CDash uploads (`ctest -T Submit` afterwards) and tools that read the file
// keep working after `mprun ctest -T Test`. Pure; any process.
#ifndef MPRUN_CORE_REPORT_CTEST_DASHBOARD_H_
#define MPRUN_CORE_REPORT_CTEST_DASHBOARD_H_

#include <cstdint>
#include <string>
#include <vector>

namespace mprun::core {

// One ctest test, as Test.xml tells it.
struct DashboardTest {
  std::string name;
  std::string path;          // its folder, relative to the build folder ("." or "./sub")
  std::string command_line;  // as ctest quotes it: the program, then each argument in quotes
  std::string status;        // "passed", "failed" or "notrun"
  std::string exit_code;     // failed: "Failed", "Timeout", "SEGFAULT"...; else ""
  std::string completion;    // "Completed", "Disabled", "Skipped", "Not Run"...
  double seconds = -1;       // its time; below 0: it did not run
  std::string output;
  std::vector<std::string> labels;
};

// The machine and the run.
struct DashboardRun {
  std::string stamp;      // "<tag>-<model>"
  std::string generator;  // "mprun-X.Y.Z"
  std::string hostname, os_name, os_release, os_version, os_platform;
  int logical_cpus = 1;
  int64_t start_s = 0, end_s = 0;    // Unix time
  std::string start_text, end_text;  // "Dec 07 23:14 UTC", as ctest writes them
  std::vector<DashboardTest> tests;  // in ctest's order
};

std::string TestXml(const DashboardRun& run);

// ctest's quoting of a command line in Test.xml: the program as it is,
// each argument after it in double quotes.
std::string DashboardCommandLine(const std::vector<std::string>& argv);

// Testing/TAG: the tag, then the model, twice (ctest 3.25's three lines).
std::string TagFile(const std::string& tag, const std::string& model);

}  // namespace mprun::core

#endif  // MPRUN_CORE_REPORT_CTEST_DASHBOARD_H_
