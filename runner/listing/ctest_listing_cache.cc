#include "runner/listing/ctest_listing_cache.h"

#include <cstdio>
#include <deque>
#include <functional>
#include <set>

#include "core/file_io.h"
#include "core/input/ctest_files.h"
#include "runner/listing/listing_cache.h"

namespace mprun::runner {

namespace {

constexpr char kFormat[] = "mprun-ctest-listing 1\n";

// Files of ctest's own configuration it reads beside CTestTestfile.cmake.
// CTestCustom files are scripts of the user's (they can drop tests): with
// one, nothing is kept.
constexpr const char* kConfigFiles[] = {"DartConfiguration.tcl", "CTestConfiguration.ini"};
constexpr const char* kCustomFiles[] = {"CTestCustom.cmake", "CTestCustom.ctest"};

std::string FolderOf(const std::string& file) {
  const size_t slash = file.rfind('/');
  return slash == 0 ? "/" : file.substr(0, slash);
}

// The key's first lines: what the listing was made of besides files.
std::string Head(const CtestCache::Inputs& in) {
  return std::string(kFormat) + "folder " + in.build_dir + "\nconfig " + in.config +
         "\nenvironment " + EnvironmentDigest() + "\n";
}

// Every file ctest reads to list the folder, with its identity: follows
// subdirs(), include() and if(EXISTS) from the folder's CTestTestfile.cmake.
// False with `why` when a file does what cannot be followed.
bool Manifest(const CtestCache::Inputs& in, std::string* lines, std::string* why) {
  for (const char* name : kCustomFiles) {
    if (FileIdentity(in.build_dir + "/" + name) != "absent") {
      *why = std::string(name) + " (a script of its own) is in the folder";
      return false;
    }
  }
  std::set<std::string> seen;
  auto note = [&](const std::string& path) {
    if (seen.insert(path).second) *lines += path + "\t" + FileIdentity(path) + "\n";
  };
  note(in.ctest);
  for (const char* name : kConfigFiles) note(in.build_dir + "/" + name);
  std::deque<std::string> to_read = {in.build_dir + "/CTestTestfile.cmake"};
  std::set<std::string> read;
  while (!to_read.empty()) {
    const std::string file = to_read.front();
    to_read.pop_front();
    if (!read.insert(file).second) continue;
    note(file);
    const std::string text = core::ReadWholeFile(file);
    if (text.empty() && FileIdentity(file) == "absent") continue;  // ctest skips it too
    core::CtestFileRefs refs;
    if (!core::ReadCtestFileRefs(text, &refs, why)) {
      *why = file + ": " + *why;
      return false;
    }
    for (const std::string& sub : refs.subdirs) {
      to_read.push_back((sub[0] == '/' ? sub : FolderOf(file) + "/" + sub) +
                        "/CTestTestfile.cmake");
    }
    for (const std::string& inc : refs.includes) to_read.push_back(inc);
    for (const std::string& path : refs.exists) note(path);
  }
  return true;
}

}  // namespace

std::string CtestCache::PathOf(const Inputs& in) const {
  char name[48];
  std::snprintf(name, sizeof name, "ctest-%016zx.txt",
                std::hash<std::string>{}(in.build_dir + '\0' + in.config));
  return dir_ + "/" + name;
}

bool CtestCache::Find(const Inputs& in, std::string* json) const {
  if (dir_.empty()) return false;
  std::string text = core::ReadWholeFile(PathOf(in));
  // The key's length, the key (its head, then a file a line: path, tab,
  // identity), then the listing.
  const size_t eol = text.find('\n');
  if (eol == std::string::npos) return false;
  const size_t key_size = std::strtoull(text.c_str(), nullptr, 10);
  if (key_size == 0 || eol + 1 + key_size > text.size()) return false;
  const std::string_view key(text.data() + eol + 1, key_size);
  const std::string head = Head(in);
  if (key.substr(0, head.size()) != head) return false;
  for (std::string_view rest = key.substr(head.size()); !rest.empty();) {
    const size_t end = rest.find('\n');
    const size_t tab = rest.find('\t');
    if (end == std::string_view::npos || tab > end) return false;
    if (FileIdentity(std::string(rest.substr(0, tab))) != rest.substr(tab + 1, end - tab - 1)) {
      return false;
    }
    rest.remove_prefix(end + 1);
  }
  text.erase(0, eol + 1 + key_size);
  *json = std::move(text);
  return true;
}

bool CtestCache::Snapshot(const Inputs& in, std::string* files, std::string* why) const {
  files->clear();
  return dir_.empty() || Manifest(in, files, why);
}

bool CtestCache::Store(const Inputs& in, const std::string& snapshot, const std::string& json,
                       const std::vector<std::string>& programs, std::string* why) const {
  if (dir_.empty()) return true;
  std::string files;
  if (!Manifest(in, &files, why)) return false;
  if (files != snapshot) {
    *why = "a file ctest read changed while it listed the tests";
    return false;
  }
  std::set<std::string> distinct(programs.begin(), programs.end());
  for (const std::string& p : distinct) files += p + "\t" + FileIdentity(p) + "\n";
  const std::string key = Head(in) + files;
  WriteCacheFile(dir_, PathOf(in), std::to_string(key.size()) + "\n" + key + json);
  return true;
}

}  // namespace mprun::runner
