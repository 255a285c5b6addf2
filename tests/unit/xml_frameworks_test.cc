// Catch2 v2 and doctest as TestFrameworks: their binaries known from the
// file, their listings, what a launch is given, what a ctest command asks,
// and XmlReportFollower over streams their XML reporters really write
// (with a test's prints mixed in), fed whole and a byte at a time.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "runner/framework/test_framework.h"
#include "runner/framework/xml_report_follower.h"
#include "runner/process/spawner.h"
#include "tests/e2e/e2e_util.h"
#include "tests/unit/recording_sink.h"

namespace mprun::runner {
namespace {

using core::Outcome;
using testing_util::Event;
using testing_util::RecordingSink;

TEST(Catch2FrameworkTest, RecognisesAV2BinaryFromItsFileAndNothingElse) {
  const TestFramework& catch2 = Catch2Framework();
  const std::string elf(
      "\x7f"
      "ELF",
      4);
  EXPECT_TRUE(catch2.Recognises(elf + "..--list-test-names-only.. is a Catch v.."));
  EXPECT_FALSE(catch2.Recognises(elf + "..--list-tests.. is a Catch v.."));  // not v2
  EXPECT_FALSE(catch2.Recognises("#!/bin/sh\n--list-test-names-only is a Catch v\n"));
  EXPECT_FALSE(GoogleTestFramework().Recognises(elf + "--list-test-names-only is a Catch v"));
}

TEST(Catch2FrameworkTest, ListsNamesAsTheyAreWithAHashNameUnquoted) {
  std::vector<core::ListedTest> out;
  std::string err;
  ASSERT_TRUE(
      Catch2Framework().ParseListing("a, b [not a tag]\n\"#hash\"\nquote \" here\n", &out, &err))
      << err;
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].name, "a, b [not a tag]");
  EXPECT_EQ(out[1].name, "#hash");
  EXPECT_EQ(out[2].name, "quote \" here");
  for (const auto& t : out) EXPECT_EQ(t.suite, "");
  EXPECT_FALSE(Catch2Framework().ParseListing("\n", &out, &err));
}

TEST(Catch2FrameworkTest, ALaunchNamesEachCaseQuotedInAFileWithWhatWouldSplitItEscaped) {
  testing_util::ScratchDir dir;
  std::vector<std::string> args;
  std::string file, err;
  ASSERT_TRUE(Catch2Framework().LaunchArgs({{"", "a, b [x]"}, {"", "q\"b\\s"}, {"", "#h"}}, false,
                                           dir.path(), &args, &file, &err))
      << err;
  EXPECT_EQ(args, (std::vector<std::string>{"-f", file, "-r", "xml", "-d", "yes"}));
  EXPECT_EQ(testing_util::ReadFile(file), "\"a\\, b [x]\"\n\"q\\\"b\\\\s\"\n\"#h\"\n");
  unlink(file.c_str());
  EXPECT_FALSE(
      Catch2Framework().LaunchArgs({{"", "x"}}, false, dir.File("no/dir"), &args, &file, &err));
  EXPECT_NE(err.find("could not write its list of test cases"), std::string::npos) << err;
}

TEST(Catch2FrameworkTest, ReadsOneExactCaseFromACatchDiscoverTestsCommandAndNothingLooser) {
  using Asks = TestFramework::Asks;
  const TestFramework& catch2 = Catch2Framework();
  core::ListedTest test;
  std::vector<std::string> rest;
  // catch_discover_tests escapes ',', '[' and ']', and adds two empty
  // arguments (no reporter, no output folder).
  EXPECT_EQ(catch2.ReadCommand({"a\\, b \\[x\\]", "", ""}, &test, &rest), Asks::kOneTest);
  EXPECT_EQ(test.name, "a, b [x]");
  EXPECT_EQ(test.suite, "");
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(catch2.ReadCommand({}, &test, &rest), Asks::kWholeBinary);
  EXPECT_EQ(catch2.ReadCommand({"", ""}, &test, &rest), Asks::kWholeBinary);
  for (const std::vector<std::string>& looser :
       std::vector<std::vector<std::string>>{{"[tag]"},
                                             {"a*"},
                                             {"*a"},
                                             {"~a"},
                                             {"a,b"},
                                             {"a", "b"},
                                             {"\"a\""},
                                             {"exclude:a"},
                                             {"a", "--order", "rand"},
                                             {"-r", "junit"}}) {
    EXPECT_EQ(catch2.ReadCommand(looser, &test, &rest), Asks::kAsItIs) << looser[0];
  }
}

// What Catch2 2.13 wrote for three cases (a failed CHECK in a section, a
// pass with a print and std::cout captured, a segfault), with a print
// that had no newline landing before the reporter's next element.
const char kStream[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<Catch name="probe">
  <Group name="probe">
    <TestCase name="a section fails" tags="[sections]" filename="p.cc" line="48">
      <Section name="bad one" filename="p.cc" line="51">
        <Expression success="false" type="CHECK" filename="p.cc" line="51">
          <Original>
            x == 2
          </Original>
          <Expanded>
            1 == 2
          </Expanded>
        </Expression>
        <OverallResults successes="0" failures="1" expectedFailures="0" durationInSeconds="3.7e-05"/>
      </Section>
      <OverallResult success="false" durationInSeconds="0.002236"/>
    </TestCase>
    <TestCase name="prints &lt;a &amp; b&gt; &quot;q&quot;" filename="p.cc" line="80">
printed by printf
no newline      <OverallResult success="true" durationInSeconds="1.5">
        <StdOut>
through cout &amp; more
        </StdOut>
      </OverallResult>
    </TestCase>
    <TestCase name="segfaults" tags="[bad]" filename="p.cc" line="62">
      <FatalErrorCondition filename="p.cc" line="62">
        SIGSEGV - Segmentation violation signal
      </FatalErrorCondition>
      <OverallResult success="false" durationInSeconds="6.8e-05"/>
    </TestCase>
)";

const std::vector<std::string> kNames = {"a section fails", "prints <a & b> \"q\"", "segfaults",
                                         "never reached"};
const std::vector<uint32_t> kGroup = {7, 8, 9, 10};

void ExpectTheStreamsVerdicts(const RecordingSink& sink, const XmlReportFollower& follow) {
  ASSERT_EQ(sink.events.size(), 6u);
  EXPECT_EQ(sink.events[0].what, "start");
  EXPECT_EQ(sink.events[0].test, 7u);
  EXPECT_EQ(sink.events[1].outcome, Outcome::kFailed);
  EXPECT_EQ(
      sink.events[1].text,
      "p.cc:51: Failure\nin section: bad one\n  CHECK( x == 2 )\nwith expansion:\n  1 == 2\n");
  EXPECT_EQ(sink.events[1].reported_ms, 2);
  EXPECT_EQ(sink.events[2].test, 8u);
  EXPECT_EQ(sink.events[3].outcome, Outcome::kPassed);
  EXPECT_EQ(sink.events[3].reported_ms, 1500);
  EXPECT_EQ(sink.events[4].test, 9u);
  EXPECT_EQ(sink.events[5].what, "finish");
  EXPECT_EQ(sink.events[5].outcome, Outcome::kCrashed);
  EXPECT_EQ(sink.events[5].signal, 11);
  EXPECT_NE(sink.events[5].text.find("fatal error condition: SIGSEGV"), std::string::npos);
  EXPECT_NE(sink.written.find("printed by printf\nno newline"), std::string::npos) << sink.written;
  EXPECT_NE(sink.written.find("through cout & more\n"), std::string::npos) << sink.written;
  EXPECT_EQ(follow.Unstarted(), std::vector<uint32_t>{10});
  EXPECT_TRUE(follow.ran_any());
}

TEST(XmlReportFollowerTest, Catch2FollowsCasesFailuresOutputAndHoldsAFatalCaseForTheSignal) {
  RecordingSink sink;
  XmlReportFollower follow(Catch2Dialect(), sink, kGroup, kNames);
  follow.Feed(kStream);
  follow.Close();
  // Catch2 reported the segfault and ended the case; the signal decides.
  ASSERT_EQ(sink.events.size(), 5u);
  EXPECT_TRUE(follow.Ended(EndOf(/*wait status: SIGSEGV*/ 11), ""));
  ExpectTheStreamsVerdicts(sink, follow);
}

TEST(XmlReportFollowerTest, Catch2AStreamCutIntoSingleBytesGivesTheSameVerdicts) {
  RecordingSink sink;
  XmlReportFollower follow(Catch2Dialect(), sink, kGroup, kNames);
  for (const char* c = kStream; *c != '\0'; ++c) follow.Feed(std::string_view(c, 1));
  follow.Close();
  EXPECT_TRUE(follow.Ended(EndOf(11), ""));
  ExpectTheStreamsVerdicts(sink, follow);
}

TEST(XmlReportFollowerTest, Catch2ACaseWithoutItsResultIsCrashedEvenWhenTheProcessExitedZero) {
  RecordingSink sink;
  XmlReportFollower follow(Catch2Dialect(), sink, kGroup, kNames);
  follow.Feed(R"(<Catch name="p"><Group name="p">
    <TestCase name="segfaults" filename="p.cc" line="1">
leaving now
)");
  follow.Close();
  EXPECT_TRUE(follow.Ended(EndOf(/*exit status 0*/ 0), ""));
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].outcome, Outcome::kCrashed);
  EXPECT_NE(sink.events[1].text.find("exit status 0"), std::string::npos) << sink.events[1].text;
  EXPECT_EQ(sink.written, "leaving now\n");
  EXPECT_EQ(follow.Unstarted(), (std::vector<uint32_t>{7, 8, 10}));
}

TEST(XmlReportFollowerTest,
     Catch2AFatalConditionWithoutTheSignalIsAFailureAndACaseNotGivenIsIgnored) {
  RecordingSink sink;
  XmlReportFollower follow(Catch2Dialect(), sink, kGroup, kNames);
  follow.Feed(R"(<TestCase name="Segfaults" filename="p.cc" line="1">
foreign print
      <OverallResult success="true"/>
    </TestCase>
    <TestCase name="segfaults" filename="p.cc" line="1">
      <FatalErrorCondition filename="p.cc" line="62">
        SIGABRT - Abort
      </FatalErrorCondition>
      <OverallResult success="false"/>
    </TestCase>
)");
  follow.Close();
  EXPECT_FALSE(follow.Ended(EndOf(/*exit status 3*/ 3 << 8), ""));
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[0].test, 9u);
  EXPECT_EQ(sink.events[1].outcome, Outcome::kFailed);
  EXPECT_NE(follow.stray().find("foreign print"), std::string::npos) << follow.stray();
}

TEST(DoctestFrameworkTest, RecognisesItsBinaryListsUnskippedCasesAndEscapesItsFilter) {
  const TestFramework& doctest = DoctestFramework();
  const std::string elf(
      "\x7f"
      "ELF",
      4);
  EXPECT_TRUE(doctest.Recognises(elf + "..doctest version is \"..--list-test-cases.."));
  EXPECT_FALSE(doctest.Recognises(elf + "..--list-test-cases.."));
  EXPECT_FALSE(Catch2Framework().Recognises(elf + "doctest version is \" --list-test-cases"));

  // What doctest 2.4.9 prints for --list-test-cases --reporters=xml.
  std::vector<core::ListedTest> out;
  std::string err;
  ASSERT_TRUE(doctest.ParseListing(R"(<?xml version="1.0" encoding="UTF-8"?>
<doctest binary="./d2" version="2.4.9">
  <Options order_by="file" rand_seed="0" first="0" last="4294967295"/>
  <TestCase name="a, b &quot;x&quot;" testsuite="S" filename="d2.cc" line="6" skipped="false"/>
  <TestCase name="gone" filename="d2.cc" line="7" skipped="true"/>
  <TestCase name="b" filename="d2.cc" line="9" skipped="false"/>
  <OverallResultsTestCases unskipped="2"/>
</doctest>
)",
                                   &out, &err))
      << err;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "a, b \"x\"");
  EXPECT_EQ(out[0].suite, "S");  // doctest's test suite is the table's
  EXPECT_EQ(out[1].name, "b");
  EXPECT_EQ(out[1].suite, "");
  EXPECT_FALSE(doctest.ParseListing("[doctest] listing all test case names\nb\n", &out, &err));

  std::vector<std::string> args;
  std::string file;
  ASSERT_TRUE(doctest.LaunchArgs({{"", "a, b"}, {"", "back\\slash"}, {"S", "c"}}, false,
                                 "/nonexistent", &args, &file, &err));
  EXPECT_EQ(args,
            (std::vector<std::string>{"--test-case=a\\, b,back\\\\slash,c", "--case-sensitive=true",
                                      "--reporters=xml", "--duration=true"}));
  EXPECT_TRUE(file.empty());
  // Every case in a suite: the suites narrow it (a name in two suites).
  ASSERT_TRUE(doctest.LaunchArgs({{"S,1", "a"}, {"T", "a"}, {"T", "b"}}, false, "/nonexistent",
                                 &args, &file, &err));
  EXPECT_EQ(args, (std::vector<std::string>{"--test-case=a,a,b", "--test-suite=S\\,1,T",
                                            "--case-sensitive=true", "--reporters=xml",
                                            "--duration=true"}));
  EXPECT_GT(doctest.MaxSelectionBytes(), 0u);
  EXPECT_LT(doctest.MaxSelectionBytes(), 128u * 1024);  // the kernel's limit on one argument
}

TEST(DoctestFrameworkTest, ReadsOneExactCaseFromADoctestDiscoverTestsCommandAndNothingLooser) {
  using Asks = TestFramework::Asks;
  const TestFramework& doctest = DoctestFramework();
  core::ListedTest test;
  std::vector<std::string> rest;
  EXPECT_EQ(doctest.ReadCommand({"--test-case=a\\, b [x]", ""}, &test, &rest), Asks::kOneTest);
  EXPECT_EQ(test.name, "a, b [x]");
  EXPECT_EQ(doctest.ReadCommand({}, &test, &rest), Asks::kWholeBinary);
  for (const std::vector<std::string>& looser :
       std::vector<std::vector<std::string>>{{"--test-case=a*"},
                                             {"--test-case=a,b"},
                                             {"--test-case=a?"},
                                             {"--test-case=a", "--test-case=b"},
                                             {"--test-case=a", "--reporters=junit"},
                                             {"--test-suite=S"},
                                             {"--test-case="}}) {
    EXPECT_EQ(doctest.ReadCommand(looser, &test, &rest), Asks::kAsItIs) << looser[0];
  }
}

// What doctest 2.4.9 wrote: a pass in a suite, a print without newline, a
// failed CHECK in a subcase, a skipped case, a thrown exception, and a
// segfault it reported before re-raising.
const char kDoctestStream[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<doctest binary="./d2" version="2.4.9">
  <Options order_by="file" rand_seed="0"/>
  <TestSuite name="S">
    <TestCase name="prints" filename="d2.cc" line="7">
hello      <OverallResultsAsserts successes="1" failures="0" test_case_success="true" duration="1.9e-05"/>
    </TestCase>
  </TestSuite>
  <TestSuite>
    <TestCase name="b" filename="d2.cc" line="9">
      <SubCase name="sub1" filename="d2.cc" line="9">
        <Expression success="false" type="CHECK" filename="d2.cc" line="9">
          <Original>
            x == 1
          </Original>
          <Expanded>
            2 == 1
          </Expanded>
        </Expression>
      </SubCase>
      <SubCase name="sub2" filename="d2.cc" line="9">
      </SubCase>
      <OverallResultsAsserts successes="1" failures="1" test_case_success="false" duration="0.25"/>
    </TestCase>
    <TestCase name="skipped" filename="d2.cc" line="10" skipped="true"/>
    <TestCase name="throws" filename="d2.cc" line="11">
      <Exception crash="false">
        unknown exception
      </Exception>
      <OverallResultsAsserts successes="0" failures="0" test_case_success="false" duration="0.000141"/>
    </TestCase>
    <TestCase name="segv" filename="d2.cc" line="12">
      <Exception crash="true">
        SIGSEGV - Segmentation violation signal
      </Exception>
      <OverallResultsAsserts successes="0" failures="0" test_case_success="false" duration="6.3e-05"/>
    </TestCase>
  </TestSuite>
)";

TEST(XmlReportFollowerTest, DoctestCasesSubcasesThrowsAndASignalHeldForTheProcessEnd) {
  const std::vector<uint32_t> group = {1, 2, 3, 4, 5};
  for (const size_t piece : {sizeof kDoctestStream, size_t{1}, size_t{7}}) {
    RecordingSink sink;
    // "prints" is in suite S: the table knows it as S.prints.
    XmlReportFollower follow(DoctestDialect(), sink, group,
                             {"S.prints", "b", "throws", "segv", "skipped"});
    const std::string_view all(kDoctestStream);
    for (size_t at = 0; at < all.size(); at += piece) follow.Feed(all.substr(at, piece));
    follow.Close();
    EXPECT_TRUE(follow.Ended(EndOf(/*wait status: SIGSEGV*/ 11), ""));
    ASSERT_EQ(sink.events.size(), 8u) << piece;
    EXPECT_EQ(sink.events[1].outcome, Outcome::kPassed);
    EXPECT_EQ(sink.events[3].outcome, Outcome::kFailed);
    EXPECT_EQ(sink.events[3].text,
              "d2.cc:9: Failure\nin section: sub1\n  CHECK( x == 1 )\nwith expansion:\n  2 == 1\n");
    EXPECT_EQ(sink.events[3].reported_ms, 250);
    EXPECT_EQ(sink.events[5].outcome, Outcome::kFailed);
    EXPECT_EQ(sink.events[5].text, "d2.cc:11: Failure\nexception thrown: unknown exception\n");
    EXPECT_EQ(sink.events[7].outcome, Outcome::kCrashed);
    EXPECT_EQ(sink.events[7].signal, 11);
    EXPECT_EQ(sink.written, "hello");
    // doctest skipped it: never started, so the workers would get it back.
    EXPECT_EQ(follow.Unstarted(), std::vector<uint32_t>{5});
  }
}

TEST(Catch2V3FrameworkTest, RecognisesAV3BinaryAndListsItsCasesFromTheXmlListing) {
  const TestFramework& v3 = Catch2V3Framework();
  const std::string elf(
      "\x7f"
      "ELF",
      4);
  EXPECT_TRUE(v3.Recognises(elf + "..Catch2TestRun..--list-tests.."));
  EXPECT_FALSE(v3.Recognises(elf + "..Catch2TestRun..--list-tests..--list-test-names-only"));
  EXPECT_FALSE(Catch2Framework().Recognises(elf + "..Catch2TestRun..--list-tests.."));
  // What Catch2 3.7 prints for --list-tests --reporter xml.
  std::vector<core::ListedTest> out;
  std::string err;
  ASSERT_TRUE(v3.ParseListing(R"(<?xml version="1.0" encoding="UTF-8"?>
<MatchingTests>
  <TestCase>
    <Name>a, b &lt;x&gt; &amp; &quot;q&quot;</Name>
    <ClassName/>
    <Tags>[names]</Tags>
    <SourceInfo>
      <File>p.cc</File>
      <Line>70</Line>
    </SourceInfo>
  </TestCase>
  <TestCase>
    <Name>many a01</Name>
    <ClassName/>
    <Tags>[many]</Tags>
  </TestCase>
</MatchingTests>
)",
                              &out, &err))
      << err;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "a, b <x> & \"q\"");
  EXPECT_EQ(out[1].name, "many a01");
  EXPECT_FALSE(v3.ListingExitIsACount());
  EXPECT_FALSE(v3.ParseListing("many a01\n", &out, &err));
}

// What Catch2 3.7 wrote for a SKIP() with a reason, a print and a FAIL.
TEST(XmlReportFollowerTest, Catch2V3SkipsAreSkippedWithTheirReason) {
  const char stream[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<Catch2TestRun name="skip" rng-seed="3800346683" xml-format-version="3" catch2-version="3.7.1">
  <TestCase name="skips with a reason" filename="skip.cc" line="3">
    <Skip filename="skip.cc" line="3">
      not on this machine
    </Skip>
    <OverallResult success="true" skips="1" durationInSeconds="0.000248"/>
  </TestCase>
  <TestCase name="prints then passes" filename="skip.cc" line="4">
out    <OverallResult success="true" skips="0" durationInSeconds="2.7e-05"/>
  </TestCase>
  <TestCase name="fails with FAIL" filename="skip.cc" line="5">
    <Failure filename="skip.cc" line="5">
      explicitly
    </Failure>
    <OverallResult success="false" skips="0" durationInSeconds="3.8e-05"/>
  </TestCase>
  <OverallResults successes="1" failures="1" expectedFailures="0" skips="1"/>
</Catch2TestRun>
)";
  const std::vector<uint32_t> group = {0, 1, 2};
  RecordingSink sink;
  XmlReportFollower follow(Catch2V3Dialect(), sink, group,
                           {"skips with a reason", "prints then passes", "fails with FAIL"});
  follow.Feed(stream);
  follow.Close();
  EXPECT_FALSE(follow.Ended(EndOf(/*exit status 42*/ 42 << 8), ""));
  ASSERT_EQ(sink.events.size(), 6u);
  EXPECT_EQ(sink.events[1].outcome, Outcome::kSkipped);
  EXPECT_EQ(sink.events[1].text, "skip.cc:3: Skipped\nnot on this machine\n");
  EXPECT_EQ(sink.events[3].outcome, Outcome::kPassed);
  EXPECT_EQ(sink.events[5].outcome, Outcome::kFailed);
  EXPECT_EQ(sink.events[5].text, "skip.cc:5: Failure\nexplicitly\n");
  EXPECT_EQ(sink.written, "out");
  EXPECT_TRUE(follow.Unstarted().empty());
}

}  // namespace
}  // namespace mprun::runner
