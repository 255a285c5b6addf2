#include "core/report/junit_reader.h"

#include <cstdlib>
#include <cstring>
#include <pugixml.hpp>
#include <string>

namespace mprun::core {

namespace {

// Every <testcase>, at any depth (<testsuites>, <testsuite>, nested
// suites). A walker, not recursion: a report nested thousands deep must
// not exhaust the stack.
class TestCaseCollector : public pugi::xml_tree_walker {
 public:
  explicit TestCaseCollector(MergedReports* out) : out_(out) {}
  bool for_each(pugi::xml_node& node) override {
    if (node.type() != pugi::node_element || std::strcmp(node.name(), "testcase") != 0) {
      return true;
    }
    TestName name;
    name.suite = node.attribute("classname").value();
    name.name = node.attribute("name").value();
    if (name.name.empty()) return true;
    TestResult r;
    r.outcome = Outcome::kPassed;
    if (node.child("failure") || node.child("error")) {
      r.outcome = Outcome::kFailed;
    } else if (node.child("skipped")) {
      r.outcome = Outcome::kSkipped;
    }
    const double seconds = std::strtod(node.attribute("time").value(), nullptr);
    r.duration_ns = seconds > 0 && seconds < 1e7 ? static_cast<uint64_t>(seconds * 1e9) : 0;
    out_->run.tests.push_back(std::move(name));
    out_->results.push_back(std::move(r));
    return true;
  }

 private:
  MergedReports* out_;
};

}  // namespace

bool ReadJunit(const std::string& path, std::string text, MergedReports* out, std::string* err) {
  *out = MergedReports{};
  out->run.binaries = {""};
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer_inplace(text.data(), text.size());
  if (!parsed) {
    *err = path + ": not XML (" + parsed.description() + " at byte " +
           std::to_string(parsed.offset) + ")";
    return false;
  }
  TestCaseCollector collector(out);
  doc.traverse(collector);
  if (out->run.tests.empty()) {
    *err = path + ": no <testcase> in it (not a JUnit XML report)";
    return false;
  }
  return true;
}

}  // namespace mprun::core
