#include "runner/listing/listing_cache.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string_view>
#include <vector>

#include "core/file_io.h"

namespace mprun::runner {

namespace {
// After the start-up time, in the file of a listing that failed.
constexpr char kFailedMark[] = " failed";
}  // namespace

std::string EnvironmentDigest() {
  std::vector<std::string_view> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (v.rfind("OLDPWD=", 0) == 0 || v.rfind("SHLVL=", 0) == 0 || v.rfind("_=", 0) == 0 ||
        v.rfind("MPRUN_", 0) == 0) {
      continue;  // a shell's own, or mprun's (--timings and the like list nothing)
    }
    vars.push_back(v);
  }
  std::sort(vars.begin(), vars.end());
  uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bits
  for (std::string_view v : vars) {
    for (const char c : v) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    h = (h ^ 0) * 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::string FileIdentity(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "absent";
  return std::to_string(st.st_dev) + " " + std::to_string(st.st_ino) + " " +
         std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + " " + std::to_string(st.st_ctim.tv_sec) + "." +
         std::to_string(st.st_ctim.tv_nsec);
}

void WriteCacheFile(const std::string& dir, const std::string& path, const std::string& text) {
  mkdir(dir.substr(0, dir.rfind('/')).c_str(), 0755);  // the history's folder
  mkdir(dir.c_str(), 0755);
  std::string ignored;
  // A cache that cannot be written (a full disk) leaves no empty folder.
  if (!core::WriteFileAtomically(path, text, &ignored)) rmdir(dir.c_str());
}

std::string ListingCache::KeyOf(const ListingJob& job) {
  if (job.argv.empty()) return "";
  const std::string identity = FileIdentity(job.argv[0]);
  if (identity == "absent") return "";
  std::string dir = job.dir;
  if (dir.empty()) {  // mprun's own: it is in the key too (tests may read relative paths)
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == nullptr) return "";
    dir = cwd;
  }
  std::string key = identity + " dir=" + dir;
  // Every word, NUL-separated: no argument can pass for two.
  for (const std::string& a : job.argv) key.append(1, '\0').append(a);
  key += std::string(1, '\0') + "env";
  for (const std::string& e : job.env) key.append(1, '\0').append(e);
  key += std::string(1, '\0') + "environment " + EnvironmentDigest();
  return key;
}

std::string ListingCache::PathOf(const std::string& key) const {
  // Named by how the binary is listed, not by its file's identity or the
  // environment: a rebuilt binary's listing replaces the old one's.
  const std::string how =
      key.substr(key.find(" dir="), key.rfind("environment ") - key.find(" dir="));
  char name[32];
  std::snprintf(name, sizeof name, "%016zx", std::hash<std::string>{}(how));
  return dir_ + "/" + name + ".txt";
}

bool ListingCache::Find(const ListingJob& job, Listing* out) const {
  if (dir_.empty()) return false;
  const std::string key = KeyOf(job);
  if (key.empty()) return false;
  const std::string s = core::ReadWholeFile(PathOf(key));
  // The key (with its length: it holds NULs and newlines), the start-up
  // time in ns, then the listing; or the time, " failed", and why.
  const std::string head = std::to_string(key.size()) + "\n" + key + "\n";
  if (s.compare(0, head.size(), head) != 0) return false;
  const size_t eol = s.find('\n', head.size());
  if (eol == std::string::npos) return false;
  out->start_ns = 0;
  char* end = nullptr;
  out->end_ns = std::strtoull(s.c_str() + head.size(), &end, 10);
  const bool failed = std::string_view(end, s.c_str() + eol) == kFailedMark;
  (failed ? out->failed : out->out) = s.substr(eol + 1);
  return true;
}

void ListingCache::Store(const ListingJob& job, const Listing& l) const {
  if (dir_.empty()) return;
  const std::string key = KeyOf(job);
  if (key.empty()) return;
  WriteCacheFile(dir_, PathOf(key),
                 std::to_string(key.size()) + "\n" + key + "\n" +
                     std::to_string(l.end_ns - l.start_ns) +
                     (l.failed.empty() ? "\n" + l.out : kFailedMark + ("\n" + l.failed)));
}

bool ListWithCache(Spawner& spawner, const ListingCache& cache, const std::vector<ListingJob>& jobs,
                   const ListingWords& words, double timeout_s, std::vector<Listing>* listings,
                   size_t* recalled, std::string* err) {
  listings->assign(jobs.size(), Listing{});
  std::vector<ListingJob> fresh;
  std::vector<size_t> fresh_at;
  for (size_t k = 0; k < jobs.size(); ++k) {
    if (cache.Find(jobs[k], &(*listings)[k])) continue;
    fresh.push_back(jobs[k]);
    fresh_at.push_back(k);
  }
  *recalled = jobs.size() - fresh.size();
  std::vector<Listing> ran;
  if (!ListAll(spawner, fresh, words, timeout_s, ParallelListings(), &ran, err)) return false;
  for (size_t f = 0; f < fresh.size(); ++f) {
    cache.Store(fresh[f], ran[f]);
    (*listings)[fresh_at[f]] = std::move(ran[f]);
  }
  return true;
}

std::string ListingCacheDir(const std::string& history_path, bool no_history,
                            bool no_listing_cache) {
  if (no_history || no_listing_cache) return "";
  const size_t slash = history_path.rfind('/');
  return (slash == std::string::npos ? std::string(".") : history_path.substr(0, slash)) +
         "/listings";
}

}  // namespace mprun::runner
