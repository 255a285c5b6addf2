// A test binary's console stream as driver mode follows it: the first bytes
// choose the group's test names and how the stream is cut into reads.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runner/framework/gtest_console_follower.h"
#include "runner/process/spawner.h"

namespace {

class CheckingSink : public mprun::runner::FollowerSink {
 public:
  void TestStarted(uint32_t test) override {
    if (running_ >= 0 || finished_.count(test)) std::abort();  // one at a time, once
    running_ = static_cast<int>(test);
  }
  void TestFinished(uint32_t test, mprun::core::Outcome, const std::string& message, int,
                    int64_t reported_ms) override {
    if (reported_ms < -1) std::abort();
    if (running_ != static_cast<int>(test)) std::abort();
    if (message.size() > 2 * mprun::runner::ConsoleFollower::kMaxMessage + 4096) std::abort();
    finished_.insert(test);
    running_ = -1;
  }
  void Write(std::string_view text) override { written_ += text.size(); }
  int running_ = -1;
  std::set<uint32_t> finished_;
  size_t written_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // Up to four test names, one per line, until an empty line.
  std::vector<std::string> names;
  while (names.size() < 4 && !in.empty()) {
    const size_t nl = in.find('\n');
    const std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    if (line.empty()) break;
    names.emplace_back(line);
  }
  if (names.empty()) names.push_back("Suite.Test");
  std::vector<uint32_t> group;
  for (uint32_t i = 0; i < names.size(); ++i) group.push_back(10 + i);
  CheckingSink sink;
  mprun::runner::ConsoleFollower follow(sink, group, names);
  // Reads of 1..64 bytes, sized by the data itself.
  size_t i = 0;
  while (i < in.size()) {
    const size_t n = std::min<size_t>(in.size() - i, 1 + static_cast<uint8_t>(in[i]) % 64);
    follow.Feed(in.substr(i, n));
    i += n;
  }
  follow.Close();
  const bool was_running = sink.running_ >= 0;
  // As if the child was killed by SIGSEGV: the running test (if any) crashed.
  if (follow.Ended(mprun::runner::EndOf(/*wait status=*/11)) != was_running || sink.running_ >= 0)
    std::abort();
  // Every test is either finished or given back, never both.
  const std::vector<uint32_t> rest = follow.Unstarted();
  if (rest.size() + sink.finished_.size() != group.size()) std::abort();
  for (uint32_t t : rest) {
    if (sink.finished_.count(t)) std::abort();
  }
  if (follow.stray().size() > 2 * mprun::runner::ConsoleFollower::kStrayKept + 4096) std::abort();
  return 0;
}
