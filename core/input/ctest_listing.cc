#include "core/input/ctest_listing.h"

#include <rapidjson/document.h>
#include <regex.h>

#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "core/json_fields.h"

namespace mprun::core {

namespace {

using Value = rapidjson::Value;

// A property's value as a list of strings: ctest writes a list property
// as an array, a one-element one sometimes as a plain string.
std::vector<std::string> Strings(const Value& v) {
  std::vector<std::string> out;
  if (v.IsString()) out.push_back(JsonString(v));
  if (v.IsArray()) {
    for (const Value& e : v.GetArray()) {
      if (e.IsString()) out.push_back(JsonString(e));
    }
  }
  return out;
}

// RESOURCE_GROUPS: [{"requirements": [{".type": T, "slots": N}, ...]}, ...]
// (what is not that is left out: ctest wrote it).
std::vector<std::vector<std::pair<std::string, int>>> Groups(const Value& v) {
  std::vector<std::vector<std::pair<std::string, int>>> groups;
  if (!v.IsArray()) return groups;
  for (const Value& g : v.GetArray()) {
    if (!g.IsObject() || !g.HasMember("requirements") || !g["requirements"].IsArray()) continue;
    auto& group = groups.emplace_back();
    for (const Value& r : g["requirements"].GetArray()) {
      if (!r.IsObject() || !r.HasMember(".type") || !r[".type"].IsString() ||
          !r.HasMember("slots") || !r["slots"].IsInt()) {
        continue;
      }
      group.emplace_back(JsonString(r[".type"]), r["slots"].GetInt());
    }
  }
  return groups;
}

// ctest writes a boolean property as true/false or as a number.
bool Bool(const Value& v) { return v.IsBool() ? v.GetBool() : JsonNumber(v) != 0; }

using Setter = std::function<void(const Value&, CtestTest*)>;

// The properties mprun honours, and where each goes. Any other property
// ctest reports is listed in `unhonoured` (LABELS and COST are read too).
const std::map<std::string, Setter>& Setters() {
  static const std::map<std::string, Setter> setters = {
      {"WORKING_DIRECTORY",
       [](const Value& v, CtestTest* t) { t->working_directory = JsonString(v); }},
      {"TIMEOUT", [](const Value& v, CtestTest* t) { t->timeout_s = JsonNumber(v); }},
      {"ENVIRONMENT", [](const Value& v, CtestTest* t) { t->environment = Strings(v); }},
      {"ENVIRONMENT_MODIFICATION",
       [](const Value& v, CtestTest* t) { t->environment_modification = Strings(v); }},
      {"DISABLED", [](const Value& v, CtestTest* t) { t->disabled = Bool(v); }},
      {"WILL_FAIL", [](const Value& v, CtestTest* t) { t->will_fail = Bool(v); }},
      {"RUN_SERIAL", [](const Value& v, CtestTest* t) { t->run_serial = Bool(v); }},
      {"SKIP_RETURN_CODE",
       [](const Value& v, CtestTest* t) { t->skip_return_code = static_cast<int>(JsonNumber(v)); }},
      {"PASS_REGULAR_EXPRESSION", [](const Value& v, CtestTest* t) { t->pass_regex = Strings(v); }},
      {"FAIL_REGULAR_EXPRESSION", [](const Value& v, CtestTest* t) { t->fail_regex = Strings(v); }},
      {"SKIP_REGULAR_EXPRESSION", [](const Value& v, CtestTest* t) { t->skip_regex = Strings(v); }},
      {"LABELS", [](const Value& v, CtestTest* t) { t->labels = Strings(v); }},
      {"RESOURCE_LOCK", [](const Value& v, CtestTest* t) { t->resource_locks = Strings(v); }},
      {"FIXTURES_SETUP", [](const Value& v, CtestTest* t) { t->fixtures_setup = Strings(v); }},
      {"FIXTURES_CLEANUP", [](const Value& v, CtestTest* t) { t->fixtures_cleanup = Strings(v); }},
      {"FIXTURES_REQUIRED",
       [](const Value& v, CtestTest* t) { t->fixtures_required = Strings(v); }},
      {"DEPENDS", [](const Value& v, CtestTest* t) { t->depends = Strings(v); }},
      {"COST", [](const Value& v, CtestTest* t) { t->cost = JsonNumber(v); }},
      {"RESOURCE_GROUPS", [](const Value& v, CtestTest* t) { t->resource_groups = Groups(v); }},
      {"PROCESSORS",
       [](const Value& v, CtestTest* t) { t->processors = static_cast<int>(JsonNumber(v)); }},
  };
  return setters;
}

bool ParseTest(const Value& v, CtestTest* t, std::string* err) {
  if (!v.IsObject() || !v.HasMember("name") || !v["name"].IsString()) {
    *err = "a test without a name";
    return false;
  }
  t->name = JsonString(v["name"]);
  if (v.HasMember("command")) t->command = Strings(v["command"]);
  if (!v.HasMember("properties") || !v["properties"].IsArray()) return true;
  for (const Value& p : v["properties"].GetArray()) {
    if (!p.IsObject() || !p.HasMember("name") || !p["name"].IsString() || !p.HasMember("value")) {
      continue;
    }
    const std::string name = JsonString(p["name"]);
    const auto it = Setters().find(name);
    if (it == Setters().end()) {
      t->unhonoured.push_back(name);
    } else {
      it->second(p["value"], t);
    }
  }
  return true;
}

// An extended regular expression, matched anywhere in the text.
class Regex {
 public:
  bool Compile(const std::string& pattern, const char* what, std::string* err) {
    const int rc = regcomp(&re_, pattern.c_str(), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
      char why[256];
      regerror(rc, &re_, why, sizeof why);
      *err = std::string(what) + ": '" + pattern + "' is not a regular expression (" + why + ")";
      return false;
    }
    compiled_ = true;
    return true;
  }
  bool Finds(const std::string& text) const {
    return compiled_ && regexec(&re_, text.c_str(), 0, nullptr, 0) == 0;
  }
  ~Regex() {
    if (compiled_) regfree(&re_);
  }

 private:
  regex_t re_;
  bool compiled_ = false;
};

bool AnyFinds(const std::vector<std::string>& patterns, const std::string& text) {
  for (const std::string& p : patterns) {
    Regex re;
    std::string ignored;
    if (re.Compile(p, "", &ignored) && re.Finds(text)) return true;
  }
  return false;
}

bool AnyLabel(const Regex& re, const std::vector<std::string>& labels) {
  for (const std::string& l : labels) {
    if (re.Finds(l)) return true;
  }
  return false;
}

// Set-up and clean-up tests of the fixtures the selected tests require,
// until nothing more comes in (a set-up may require a fixture itself).
void AddFixtures(const std::vector<CtestTest>& tests, std::vector<bool>* selected) {
  for (bool grew = true; grew;) {
    grew = false;
    std::set<std::string> required;
    for (size_t i = 0; i < tests.size(); ++i) {
      if ((*selected)[i])
        required.insert(tests[i].fixtures_required.begin(), tests[i].fixtures_required.end());
    }
    for (size_t i = 0; i < tests.size(); ++i) {
      if ((*selected)[i]) continue;
      for (const auto* list : {&tests[i].fixtures_setup, &tests[i].fixtures_cleanup}) {
        for (const std::string& f : *list) {
          if (required.count(f) != 0 && !(*selected)[i]) (*selected)[i] = grew = true;
        }
      }
    }
  }
}

}  // namespace

bool ParseCtestJson(std::string_view text, std::vector<CtestTest>* out, std::string* err) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    *err = "not JSON";
    return false;
  }
  if (StringMember(doc, "kind") != "ctestInfo" || !doc.HasMember("version") ||
      !doc["version"].IsObject() || !doc["version"].HasMember("major") ||
      !doc["version"]["major"].IsInt() || doc["version"]["major"].GetInt() != 1) {
    *err = "not ctest's json-v1 (kind ctestInfo, version 1)";
    return false;
  }
  out->clear();
  if (!doc.HasMember("tests")) return true;
  if (!doc["tests"].IsArray()) {
    *err = "\"tests\" is not a list";
    return false;
  }
  out->reserve(doc["tests"].Size());
  for (const Value& v : doc["tests"].GetArray()) {
    CtestTest t;
    if (!ParseTest(v, &t, err)) return false;
    out->push_back(std::move(t));
  }
  return true;
}

bool SelectCtestTests(const std::vector<CtestTest>& tests, const CtestSelection& how,
                      std::vector<bool>* selected, std::string* err) {
  Regex include, exclude, label, label_exclude;
  if ((!how.include.empty() && !include.Compile(how.include, "-R", err)) ||
      (!how.exclude.empty() && !exclude.Compile(how.exclude, "-E", err)) ||
      (!how.label.empty() && !label.Compile(how.label, "-L", err)) ||
      (!how.label_exclude.empty() && !label_exclude.Compile(how.label_exclude, "-LE", err))) {
    return false;
  }
  selected->assign(tests.size(), false);
  for (size_t i = 0; i < tests.size(); ++i) {
    const CtestTest& t = tests[i];
    (*selected)[i] = (how.include.empty() || include.Finds(t.name)) &&
                     (how.exclude.empty() || !exclude.Finds(t.name)) &&
                     (how.label.empty() || AnyLabel(label, t.labels)) &&
                     (how.label_exclude.empty() || !AnyLabel(label_exclude, t.labels));
  }
  AddFixtures(tests, selected);
  return true;
}

CommandVerdict JudgeCommand(const CtestTest& test, const ProcessEnd& end, std::string_view output) {
  const std::string text(output);
  if (AnyFinds(test.skip_regex, text))
    return {Outcome::kSkipped, "SKIP_REGULAR_EXPRESSION matched"};
  if (!end.signaled && test.skip_return_code && end.code == *test.skip_return_code) {
    return {Outcome::kSkipped, "exited with SKIP_RETURN_CODE " + std::to_string(end.code)};
  }
  // A crash is a failure whatever the properties say (ctest's "Exception").
  if (end.signaled) {
    return {Outcome::kCrashed, std::string("killed by signal ") + strsignal(end.code)};
  }
  bool passed = false;
  std::string why;
  if (!test.pass_regex.empty() || !test.fail_regex.empty()) {
    // As ctest: with either expression the exit status no longer counts.
    passed = test.pass_regex.empty() || AnyFinds(test.pass_regex, text);
    if (!passed) why = "no PASS_REGULAR_EXPRESSION matched its output";
    if (passed && AnyFinds(test.fail_regex, text)) {
      passed = false;
      why = "a FAIL_REGULAR_EXPRESSION matched its output";
    }
  } else {
    passed = end.code == 0;
    why = "exited with status " + std::to_string(end.code);
  }
  if (test.will_fail) {
    if (passed) return {Outcome::kFailed, "WILL_FAIL is set, and it passed"};
    return {Outcome::kPassed, ""};
  }
  if (passed) return {Outcome::kPassed, ""};
  return {Outcome::kFailed, why};
}

std::vector<std::string> CtestEnvironment(const CtestTest& test,
                                          const std::function<const char*(const char*)>& getenv,
                                          std::vector<std::string>* bad) {
  std::map<std::string, std::optional<std::string>> changed;  // nullopt: unset
  auto value = [&](const std::string& name) -> std::optional<std::string> {
    if (const auto it = changed.find(name); it != changed.end()) return it->second;
    const char* v = getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  std::vector<std::string> order;
  auto set = [&](const std::string& name, std::optional<std::string> v) {
    if (changed.count(name) == 0) order.push_back(name);
    changed[name] = std::move(v);
  };
  for (const std::string& e : test.environment) {
    const size_t eq = e.find('=');
    if (eq != std::string::npos) set(e.substr(0, eq), e.substr(eq + 1));
  }
  for (const std::string& m : test.environment_modification) {
    const size_t eq = m.find('='), colon = m.find(':', eq == std::string::npos ? 0 : eq);
    if (eq == std::string::npos || colon == std::string::npos) {
      bad->push_back(m);
      continue;
    }
    const std::string name = m.substr(0, eq), op = m.substr(eq + 1, colon - eq - 1);
    const std::string v = m.substr(colon + 1);
    const std::optional<std::string> now = value(name);
    const std::string old = now.value_or("");
    const char* sep = op.rfind("path_list", 0) == 0 ? ":" : ";";
    if (op == "reset") {
      const char* given = getenv(name.c_str());
      set(name, given ? std::optional<std::string>(given) : std::nullopt);
    } else if (op == "set") {
      set(name, v);
    } else if (op == "unset") {
      set(name, std::nullopt);
    } else if (op == "string_append") {
      set(name, old + v);
    } else if (op == "string_prepend") {
      set(name, v + old);
    } else if (op == "path_list_append" || op == "cmake_list_append") {
      set(name, old.empty() ? v : old + sep + v);
    } else if (op == "path_list_prepend" || op == "cmake_list_prepend") {
      set(name, old.empty() ? v : v + sep + old);
    } else {
      bad->push_back(m);
    }
  }
  std::vector<std::string> out;
  for (const std::string& name : order) {
    const std::optional<std::string>& v = changed[name];
    out.push_back(v ? name + "=" + *v : name);
  }
  return out;
}

}  // namespace mprun::core
