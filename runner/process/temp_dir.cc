#include "runner/process/temp_dir.h"

#include <ftw.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mprun::runner {

bool MakeRunTempDir(std::string* path, std::string* err) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/mprun-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {  // mode 0700, fresh name: no one else's files
    *err = "cannot create a temporary directory " + tmpl + ": " + std::strerror(errno);
    return false;
  }
  *path = buf.data();
  return true;
}

void RemoveTree(const std::string& path) {
  if (path.empty()) return;
  nftw(
      path.c_str(),
      [](const char* p, const struct stat*, int type, struct FTW*) {
        if (type == FTW_DP) {
          rmdir(p);
        } else {
          unlink(p);
        }
        return 0;
      },
      16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace mprun::runner
