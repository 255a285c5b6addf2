// Catch2 v2 and v3: a launch given its exact cases in a file (-f),
// followed through the XML reporter (XmlReportFollower); v2 lists with
// --list-test-names-only, v3 with its XML listing.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runner/framework/test_framework.h"
#include "runner/framework/xml_report_follower.h"
#include "runner/framework/xml_stream.h"

namespace mprun::runner {

namespace {

// A name as a line of a -f file: quoted, so that brackets, '~' and spaces
// are the name's; '\' escapes what would end or split it. (A leading or
// trailing '*' stays a wildcard: Catch2 has no escape for it; the follower
// ignores a case it was not given.)
std::string InputLine(std::string_view name) {
  std::string line = "\"";
  for (char c : name) {
    if (c == '\\' || c == '"' || c == ',') line += '\\';
    line += c;
  }
  line += "\"\n";
  return line;
}

// What Catch2 v2 and v3 share: a launch's -f file and XML reporter, and
// what catch_discover_tests gives a test.
class Catch2Common : public TestFramework {
 public:
  bool LaunchArgs(const std::vector<Selected>& selected, bool also_run_disabled,
                  const std::string& scratch_dir, std::vector<std::string>* args, std::string* file,
                  std::string* err) const override {
    (void)also_run_disabled;  // a hidden case ([.]) runs when named
    args->clear();
    *file = scratch_dir + "/mprun-cases-" + std::to_string(getpid()) + ".txt";
    FILE* f = std::fopen(file->c_str(), "w");
    bool ok = f != nullptr;
    for (size_t i = 0; ok && i < selected.size(); ++i) {
      ok = std::fputs(InputLine(selected[i].name).c_str(), f) >= 0;
    }
    if (f != nullptr && std::fclose(f) != 0) ok = false;
    if (!ok) {
      *err = "mprun could not write its list of test cases " + *file + ": " + std::strerror(errno);
      return false;
    }
    *args = {"-f", *file, "-r", "xml", "-d", "yes"};
    return true;
  }

  // catch_discover_tests gives the case's name with ',', '[' and ']'
  // escaped by '\', then its EXTRA_ARGS, then two arguments for a reporter
  // and an output file that are empty unless asked for. An option (a
  // reporter, an output file, an order, a section) changes what a launch
  // runs or writes: such a test runs as it is.
  Asks ReadCommand(const std::vector<std::string>& args, core::ListedTest* test,
                   std::vector<std::string>* rest) const override {
    int specs = 0;
    std::string spec;
    for (const std::string& a : args) {
      if (a.empty()) continue;
      if (a[0] == '-') return Asks::kAsItIs;
      ++specs;
      spec = a;
    }
    rest->clear();
    if (specs == 0) return Asks::kWholeBinary;
    if (specs > 1) return Asks::kAsItIs;
    // One exact name: no tag, no wildcard, no exclusion, no list, no quote.
    std::string name;
    for (size_t i = 0; i < spec.size(); ++i) {
      const char c = spec[i];
      if (c == '\\' && i + 1 < spec.size()) {
        name += spec[++i];
        continue;
      }
      if (c == ',' || c == '[' || c == ']' || c == '"' || c == '\\' ||
          (c == '*' && (i == 0 || i + 1 == spec.size())) || (c == '~' && i == 0)) {
        return Asks::kAsItIs;
      }
      name += c;
    }
    if (name.rfind("exclude:", 0) == 0 || name.empty()) return Asks::kAsItIs;
    *test = {"", name};
    return Asks::kOneTest;
  }
};

class Catch2V2 : public Catch2Common {
 public:
  const char* name() const override { return "Catch2 v2"; }

  // An ELF file holding Catch2 v2's session (its flag for names only, gone
  // in v3, and the banner that ends "is a Catch v" and the version).
  bool Recognises(std::string_view bytes) const override {
    return ElfHolding(bytes, {"--list-test-names-only", " is a Catch v"});
  }

  std::vector<std::string> ListArgs() const override { return {"--list-test-names-only"}; }
  std::string ListingName() const override { return "--list-test-names-only"; }
  std::string NotABinaryHint() const override { return "; is it a Catch2 v2 binary?"; }
  // Catch2 v2 ends its listing with the number of cases as its exit status.
  bool ListingExitIsACount() const override { return true; }

  // One name per line, as Catch2 runs them; a name that starts with '#' is
  // quoted (Catch2's own rule: such a line would read as a comment).
  bool ParseListing(std::string_view text, std::vector<core::ListedTest>* out,
                    std::string* err) const override {
    out->clear();
    size_t from = 0;
    while (from < text.size()) {
      size_t nl = text.find('\n', from);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(from, nl - from);
      from = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      if (line.size() >= 3 && line.front() == '"' && line[1] == '#' && line.back() == '"') {
        line = line.substr(1, line.size() - 2);
      }
      out->push_back({"", std::string(line)});
    }
    if (out->empty()) {
      *err = "lists no test case";
      return false;
    }
    return true;
  }

  std::unique_ptr<StreamFollower> Follow(FollowerSink& sink, const std::vector<uint32_t>& group,
                                         std::vector<std::string> names) const override {
    return std::make_unique<XmlReportFollower>(Catch2Dialect(), sink, group, std::move(names));
  }
};

class Catch2V3 : public Catch2Common {
 public:
  const char* name() const override { return "Catch2 v3"; }

  // An ELF file holding Catch2 v3's session: its XML reporter's root
  // element and its listing flag (v2 has neither the one nor the other's
  // absence of --list-test-names-only).
  bool Recognises(std::string_view bytes) const override {
    return ElfHolding(bytes, {"Catch2TestRun", "--list-tests"}) &&
           bytes.find("--list-test-names-only") == std::string_view::npos;
  }

  std::vector<std::string> ListArgs() const override {
    return {"--list-tests", "--reporter", "xml"};
  }
  std::string ListingName() const override { return "--list-tests --reporter xml"; }
  // Since 3.3, a run whose every test skipped exits with 4.
  bool ExitSaysFailed(int code, bool all_skipped) const override {
    return code != 0 && !(code == 4 && all_skipped);
  }
  std::string NotABinaryHint() const override { return "; is it a Catch2 v3 binary?"; }

  // The XML listing, in the order Catch2 runs the cases; hidden ones ([.])
  // are left out, as Catch2 does.
  bool ParseListing(std::string_view text, std::vector<core::ListedTest>* out,
                    std::string* err) const override {
    // <MatchingTests><TestCase><Name>...</Name>...</TestCase>...
    out->clear();
    bool in_name = false;
    std::string name;
    size_t n = 0;
    return ReadXmlListing(
        text, {"?xml", "TestCase", "Name", "ClassName", "Tags", "SourceInfo", "File", "Line"},
        "MatchingTests", "Catch2's",
        [&](const XmlTag& tag) {
          if (tag.name != "Name") return;
          in_name = !tag.closing && !tag.self_closing;
          if (tag.closing) {
            out->push_back({"", XmlDecode(name)});
            ++n;
          }
          name.clear();
        },
        [&](std::string_view t) {
          if (in_name) name.append(t);
        },
        &n, err);
  }

  std::unique_ptr<StreamFollower> Follow(FollowerSink& sink, const std::vector<uint32_t>& group,
                                         std::vector<std::string> names) const override {
    return std::make_unique<XmlReportFollower>(Catch2V3Dialect(), sink, group, std::move(names));
  }
};

}  // namespace

const TestFramework& Catch2Framework() {
  static const Catch2V2 kCatch2;
  return kCatch2;
}

const TestFramework& Catch2V3Framework() {
  static const Catch2V3 kCatch2V3;
  return kCatch2V3;
}

}  // namespace mprun::runner
