// Whole files: the one reader and the one atomic writer, so that every file
// mprun reads whole (reports, the history, listing caches, CTest files,
// /proc and cgroup files) is read one way and every file it writes is
// replaced one way. No state; any process.
#ifndef MPRUN_CORE_FILE_IO_H_
#define MPRUN_CORE_FILE_IO_H_

#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

namespace mprun::core {

// The whole file at `path` in `text`, read in place (no stream copying a
// large file several times: each copy faults in fresh pages) and to its end
// whatever size it claims (/proc and sysfs files claim 0 or a page). False
// with `err` ("PATH: cannot be read: " and errno's words, so that a missing
// file reads "No such file or directory") when it cannot be opened or read.
bool ReadFile(const std::string& path, std::string* text, std::string* err);
// The same where a file that cannot be read is as good as an empty one (a
// cache, a history not written yet, a /proc file of a process just gone).
std::string ReadWholeFile(const std::string& path);

// Writes `content` to `path` through a temporary file in the same directory
// and rename(2), so readers never see a half-written file. False with `err`.
bool WriteFileAtomically(const std::string& path, std::string_view content, std::string* err);
// The same, with the content streamed by `write` into the temporary file
// (false from it abandons the file).
bool WriteFileAtomicallyWith(const std::string& path, const std::function<bool(std::FILE*)>& write,
                             std::string* err);

}  // namespace mprun::core

#endif  // MPRUN_CORE_FILE_IO_H_
