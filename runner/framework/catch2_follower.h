// Catch2Follower: reads one launch of a Catch2 v2 binary run with its XML
// reporter (`-r xml -d yes`, on stdout, the tests' own prints in the same
// pipe) for the test cases it was given, and tells a sink which case
// started, what it printed, and how it ended. Worker processes only; a
// parser of outside input, fuzzed (tests/fuzz).
//
// Catch2 flushes the reporter's stream at every new line: `<TestCase ...>`
// is out before the case runs, its `<OverallResult success=...>` as it
// ends. A case that fails an assertion, throws or calls FAIL is failed,
// with the reporter's account of each failure (file:line, the expression
// and its expansion, the section it was in) as its message. On a signal
// Catch2 reports a FatalErrorCondition, ends the case and re-raises: that
// case is held until the process has ended, and is then crashed with the
// signal. A case with no OverallResult when the process ends (an _Exit(0)
// in the middle, a kill) is crashed, never passed. A case the launch ran
// that is not in its group (Catch2 matches names without case, and a name
// beginning or ending in '*' is a wildcard) is not reported; its output is
// the launch's stray output.
#ifndef MPRUN_RUNNER_FRAMEWORK_CATCH2_FOLLOWER_H_
#define MPRUN_RUNNER_FRAMEWORK_CATCH2_FOLLOWER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/outcome.h"
#include "runner/framework/test_framework.h"
#include "runner/framework/xml_stream.h"

namespace mprun::runner {

class Catch2Follower : public StreamFollower, private XmlStream::Handler {
 public:
  // `group[i]` is the test case whose name is `names[i]`.
  Catch2Follower(FollowerSink& sink, const std::vector<uint32_t>& group,
                 std::vector<std::string> names);

  void Feed(std::string_view chunk) override;
  void Close() override;
  bool Ended(const core::ProcessEnd& end, std::string_view note) override;
  std::vector<uint32_t> Unstarted() const override;
  bool ran_any() const override { return ran_any_; }
  const std::string& stray() const override { return stray_; }

  static constexpr size_t kStrayKept = 8192;
  static constexpr size_t kMaxMessage = 1 << 16;
  static constexpr size_t kOutputChunk = 1 << 16;

 private:
  void Element(const XmlTag& tag) override;
  void Text(std::string_view text) override;
  // Passes on the first `length` bytes of raw_ (the current case's output,
  // or stray).
  void Settle(size_t length);

  void CaseStarts(const XmlTag& tag);
  void InCase(const XmlTag& tag);
  // The end of an element whose text was gathered (Original, Exception...).
  void TextElementEnds(std::string_view name);
  void Result(const XmlTag& tag);
  void Finish(core::Outcome outcome, int signal);
  void Output(std::string_view text);
  void Flush();
  void Stray(std::string_view text);
  void Say(std::string_view text);  // into the message, up to kMaxMessage

  FollowerSink& sink_;
  const std::vector<uint32_t>& group_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<bool> done_;
  XmlStream xml_;

  int current_ = -1;      // the case open in the stream (its place in group_)
  bool foreign_ = false;  // a case not in the group is open
  bool ran_any_ = false;
  bool printed_ = false;  // the current case printed something
  bool fatal_ = false;    // the current case reported a FatalErrorCondition
  bool finish_at_case_end_ = false;
  bool success_ = false;
  bool expression_failed_ = false;
  std::string expression_type_;
  int64_t reported_ms_ = -1;
  std::vector<std::string> sections_;
  std::string text_element_;  // the element whose text is being gathered
  std::string text_;
  std::string where_;  // file:line of the current failure
  std::string original_;
  std::string message_;
  std::string raw_;  // text between elements, not yet passed on
  std::string out_;
  std::string stray_;
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_FRAMEWORK_CATCH2_FOLLOWER_H_
