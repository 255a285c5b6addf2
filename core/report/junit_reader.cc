#include "core/report/junit_reader.h"

#include <cstdlib>

// cereal's rapidxml needs cereal's macros first (kept in this order).
#include <cereal/macros.hpp>
// clang-format off
#include <cereal/external/rapidxml/rapidxml.hpp>
// clang-format on

namespace mprun::core {

namespace {

using Node = cereal::rapidxml::xml_node<>;

std::string Attribute(const Node* node, const char* name) {
  const auto* a = node->first_attribute(name);
  return a == nullptr ? "" : std::string(a->value(), a->value_size());
}

// Every <testcase> below `node`, at any depth (<testsuites>, <testsuite>,
// nested suites).
void Collect(const Node* node, MergedReports* out) {
  for (const Node* child = node->first_node(); child != nullptr; child = child->next_sibling()) {
    const std::string tag(child->name(), child->name_size());
    if (tag != "testcase") {
      Collect(child, out);
      continue;
    }
    TestName name;
    name.suite = Attribute(child, "classname");
    name.name = Attribute(child, "name");
    if (name.name.empty()) continue;
    TestResult r;
    r.outcome = Outcome::kPassed;
    if (child->first_node("failure") != nullptr || child->first_node("error") != nullptr) {
      r.outcome = Outcome::kFailed;
    } else if (child->first_node("skipped") != nullptr) {
      r.outcome = Outcome::kSkipped;
    }
    const double seconds = std::strtod(Attribute(child, "time").c_str(), nullptr);
    r.duration_ns = seconds > 0 && seconds < 1e7 ? static_cast<uint64_t>(seconds * 1e9) : 0;
    out->run.tests.push_back(std::move(name));
    out->results.push_back(std::move(r));
  }
}

}  // namespace

bool ReadJunit(const std::string& path, std::string text, MergedReports* out, std::string* err) {
  *out = MergedReports{};
  out->run.binaries = {""};
  cereal::rapidxml::xml_document<> doc;
  try {
    doc.parse<0>(text.data());
  } catch (const std::exception& e) {
    *err = path + ": not XML (" + e.what() + ")";
    return false;
  }
  Collect(&doc, out);
  if (out->run.tests.empty()) {
    *err = path + ": no <testcase> in it (not a JUnit XML report)";
    return false;
  }
  return true;
}

}  // namespace mprun::core
