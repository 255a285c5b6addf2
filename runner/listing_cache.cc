#include "runner/listing_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

namespace mprun::runner {

std::string ListingCache::KeyOf(const ListingJob& job) {
  struct stat st;
  if (job.argv.empty() || stat(job.argv[0].c_str(), &st) != 0) return "";
  std::string key = std::to_string(st.st_dev) + " " + std::to_string(st.st_ino) + " " +
                    std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
                    std::to_string(st.st_mtim.tv_nsec) + " dir=" + job.dir;
  // Every word, NUL-separated: no argument can pass for two.
  for (const std::string& a : job.argv) key.append(1, '\0').append(a);
  key += std::string(1, '\0') + "env";
  for (const std::string& e : job.env) key.append(1, '\0').append(e);
  return key;
}

std::string ListingCache::PathOf(const std::string& key) const {
  // Named by how the binary is listed, not by its file's identity: a
  // rebuilt binary's listing replaces the old one's.
  const std::string how = key.substr(key.find(" dir="));
  char name[32];
  std::snprintf(name, sizeof name, "%016zx", std::hash<std::string>{}(how));
  return dir_ + "/" + name + ".txt";
}

bool ListingCache::Find(const ListingJob& job, Listing* out) const {
  if (dir_.empty()) return false;
  const std::string key = KeyOf(job);
  if (key.empty()) return false;
  std::ifstream in(PathOf(key), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  // The key (with its length: it holds NULs and newlines), the start-up
  // time in ns, then the listing.
  const std::string head = std::to_string(key.size()) + "\n" + key + "\n";
  if (!in || s.compare(0, head.size(), head) != 0) return false;
  const size_t eol = s.find('\n', head.size());
  if (eol == std::string::npos) return false;
  out->start_ns = 0;
  out->end_ns = std::strtoull(s.c_str() + head.size(), nullptr, 10);
  out->out = s.substr(eol + 1);
  return true;
}

void ListingCache::Store(const ListingJob& job, const Listing& l) const {
  if (dir_.empty()) return;
  const std::string key = KeyOf(job);
  if (key.empty()) return;
  mkdir(dir_.substr(0, dir_.rfind('/')).c_str(), 0755);  // the history's folder
  mkdir(dir_.c_str(), 0755);
  const std::string path = PathOf(key);
  const std::string tmp = path + ".tmp" + std::to_string(getpid());
  // A new file, never through a link someone placed there (as the history).
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const std::string text = std::to_string(key.size()) + "\n" + key + "\n" +
                           std::to_string(l.end_ns - l.start_ns) + "\n" + l.out;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0 || done != text.size()) {
    unlink(tmp.c_str());
    return;
  }
  // Renamed into place: a run reading it meanwhile sees the old or the new.
  if (rename(tmp.c_str(), path.c_str()) != 0) unlink(tmp.c_str());
}

}  // namespace mprun::runner
