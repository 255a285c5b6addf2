// XmlReportFollower: reads one launch of a binary run with its framework's
// XML reporter on stdout (Catch2 v2 `-r xml -d yes`, doctest
// `--reporters=xml --duration=true`, Catch2 v3 as v2 under another root
// with SKIP(); the tests' own prints in the same
// pipe) for the test cases it was given, and tells a sink which case
// started, what it printed, and how it ended. The two reporters share
// their shape (Catch2's XmlWriter is doctest's ancestor); an XmlDialect
// names where they differ. Worker processes only; a parser of outside
// input, fuzzed (tests/fuzz).
//
// Both flush the stream at every new line: `<TestCase ...>` is out before
// the case runs, its result element (Catch2 `<OverallResult success=...>`,
// doctest `<OverallResultsAsserts test_case_success=...>`) as it ends. A
// case that fails an assertion, throws or fails explicitly is failed, with
// the reporter's account of each failure (file:line, the expression and
// its expansion, the section or subcase it was in) as its message. On a
// signal both report it (Catch2 a FatalErrorCondition, doctest an
// Exception with crash="true"), end the case and re-raise: that case is
// held until the process has ended, and is then crashed with the signal.
// A case with no result when the process ends (an _Exit(0) in the middle,
// a kill) is crashed, never passed. A case the launch ran that is not in
// its group (both match names without case by default; a '*' or '?' in a
// name is a wildcard) is not reported; its output is the launch's stray
// output. A case skipped by its framework (doctest's self-closed
// `<TestCase ... skipped="true"/>`) never starts.
#ifndef MPRUN_RUNNER_FRAMEWORK_XML_REPORT_FOLLOWER_H_
#define MPRUN_RUNNER_FRAMEWORK_XML_REPORT_FOLLOWER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/outcome.h"
#include "runner/framework/test_framework.h"
#include "runner/framework/xml_stream.h"

namespace mprun::runner {

struct XmlDialect {
  std::vector<std::string_view> elements;  // every element the reporter writes
  // The element around cases that names their suite ("": none): a case is
  // then known as "Suite.Name", or by its name alone where the group was
  // given names only (a ctest test names none).
  std::string_view suite;
  std::string_view section;   // "Section", "SubCase"
  std::string_view result;    // the case's result element
  std::string_view success;   // its attribute: "true" or "false"
  std::string_view duration;  // its attribute: seconds
  std::string_view skips;     // its attribute: skips counted ("": none)
  std::string_view fatal;     // the element a signal is reported in
  // Whether `fatal` means a signal only with crash="true" (doctest's
  // Exception, also a thrown exception's).
  bool fatal_needs_crash_attribute = false;
};

const XmlDialect& Catch2Dialect();
const XmlDialect& Catch2V3Dialect();
const XmlDialect& DoctestDialect();

class XmlReportFollower : public StreamFollower, private XmlStream::Handler {
 public:
  // `group[i]` is the test case whose name is `names[i]`.
  XmlReportFollower(const XmlDialect& dialect, FollowerSink& sink,
                    const std::vector<uint32_t>& group, std::vector<std::string> names);

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

  void CaseStarts(const XmlTag& tag);
  void InCase(const XmlTag& tag);
  void ExpressionEnds();
  // The end of an element whose text was gathered (Original, Exception...).
  void TextElementEnds(std::string_view name);
  void Result(const XmlTag& tag);
  // Passes on the first `length` bytes of raw_ (the current case's output,
  // or stray).
  void Settle(size_t length);
  void Finish(core::Outcome outcome, int signal);
  // The outcome the result element gave.
  core::Outcome Reported() const;
  void Output(std::string_view text);
  void Flush();
  void Stray(std::string_view text);
  void Say(std::string_view text);  // into the message, up to kMaxMessage
  std::string Failure() const;      // "file:line: Failure\n" and the section

  const XmlDialect& dialect_;
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
  bool fatal_ = false;    // the current case reported a signal
  bool has_result_ = false;
  bool success_ = false;
  bool skipped_ = false;  // Catch2 v3's SKIP()
  int64_t reported_ms_ = -1;
  std::string suite_;  // the suite the stream is in
  std::vector<std::string> sections_;
  // The element whose text is being gathered, and what it said of itself.
  std::string text_element_;
  std::string text_;
  bool crash_ = false;        // crash="true"
  std::string message_type_;  // doctest's <Message type=...>
  // The failed expression being read (else expression_ is false).
  bool expression_ = false;
  std::string expression_type_, original_, expanded_, thrown_;
  std::string where_;       // file:line of the current failure
  std::string case_where_;  // file:line of the current case
  std::string message_;
  std::string raw_;  // text between elements, not yet passed on
  std::string out_;
  std::string stray_;
};

}  // namespace mprun::runner

#endif  // MPRUN_RUNNER_FRAMEWORK_XML_REPORT_FOLLOWER_H_
