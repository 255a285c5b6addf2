// Temporary directories of a run: one root per run, one private directory per
// worker process inside it. Supervisor only (creation and removal).
#ifndef MPRUN_RUNNER_PROCESS_TEMP_DIR_H_
#define MPRUN_RUNNER_PROCESS_TEMP_DIR_H_

#include <string>

namespace mprun::runner {

// Creates a fresh mode-0700 directory "mprun-XXXXXX" under $TMPDIR (or /tmp).
bool MakeRunTempDir(std::string* path, std::string* err);
// Removes `path` and everything under it, without following symlinks.
void RemoveTree(const std::string& path);

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_PROCESS_TEMP_DIR_H_
