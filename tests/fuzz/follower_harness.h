// The harness every stream follower's fuzzer shares: the first bytes
// choose the group's test names and how the stream is cut into reads; the
// sink checks that tests start one at a time and finish once, and the end
// that every test is finished or given back, never both.
#ifndef MPRUN_TESTS_FUZZ_FOLLOWER_HARNESS_H_
#define MPRUN_TESTS_FUZZ_FOLLOWER_HARNESS_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runner/framework/test_framework.h"
#include "runner/process/spawner.h"

namespace mprun::fuzz {

// Bounds the follower keeps to (its kMaxMessage and kStrayKept).
struct Bounds {
  size_t max_message;
  size_t stray_kept;
};

using MakeFollower = std::function<std::unique_ptr<runner::StreamFollower>(
    runner::FollowerSink&, const std::vector<uint32_t>&, std::vector<std::string>)>;

class CheckingSink : public runner::FollowerSink {
 public:
  explicit CheckingSink(size_t max_message) : max_message_(max_message) {}
  void TestStarted(uint32_t test) override {
    if (running_ >= 0 || finished_.count(test)) std::abort();  // one at a time, once
    running_ = static_cast<int>(test);
  }
  void TestFinished(uint32_t test, core::Outcome, const std::string& message, int,
                    int64_t reported_ms) override {
    if (reported_ms < -1) std::abort();
    if (running_ != static_cast<int>(test)) std::abort();
    if (message.size() > 2 * max_message_ + 4096) std::abort();
    finished_.insert(test);
    running_ = -1;
  }
  void Write(std::string_view text) override { written_ += text.size(); }
  size_t max_message_;
  int running_ = -1;
  std::set<uint32_t> finished_;
  size_t written_ = 0;
};

inline int FuzzFollower(const uint8_t* data, size_t size, const MakeFollower& make, Bounds bounds,
                        const char* default_name) {
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
  if (names.empty()) names.push_back(default_name);
  std::vector<uint32_t> group;
  for (uint32_t i = 0; i < names.size(); ++i) group.push_back(10 + i);
  CheckingSink sink(bounds.max_message);
  const std::unique_ptr<runner::StreamFollower> owned = make(sink, group, names);
  runner::StreamFollower& follow = *owned;
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
  const bool crashed = follow.Ended(runner::EndOf(/*wait status=*/11), "");
  if (sink.running_ >= 0) std::abort();
  if (was_running && !crashed && sink.finished_.empty()) std::abort();
  // Every test is either finished or given back, never both.
  const std::vector<uint32_t> rest = follow.Unstarted();
  if (rest.size() + sink.finished_.size() != group.size()) std::abort();
  for (uint32_t t : rest) {
    if (sink.finished_.count(t)) std::abort();
  }
  if (follow.stray().size() > 2 * bounds.stray_kept + 4096) std::abort();
  return 0;
}

}  // namespace mprun::fuzz

#endif  // MPRUN_TESTS_FUZZ_FOLLOWER_HARNESS_H_
