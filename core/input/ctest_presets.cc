#include "core/input/ctest_presets.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cctype>
#include <deque>
#include <map>
#include <set>

namespace mprun::core {

namespace {

using rapidjson::Value;

// Every preset of one kind by name, and the folder of the file it is in
// (${fileDir}).
struct Preset {
  const Value* json = nullptr;
  std::string file, file_dir;
};
using Presets = std::map<std::string, Preset>;

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

class Reader {
 public:
  Reader(const PresetsReader& read, std::string* err) : read_(read), err_(err) {}

  // Loads `path` and what it includes; `must` when it has to exist.
  bool Load(const std::string& path, bool must) {
    if (!seen_.insert(path).second) return true;  // included twice: once is enough
    std::string text;
    if (!read_(path, &text)) {
      if (must) *err_ = path + ": cannot be read (included by a presets file)";
      return !must;
    }
    rapidjson::Document& doc = docs_.emplace_back();
    if (doc.Parse(text.c_str()).HasParseError()) {
      *err_ = path + ": not JSON: " + rapidjson::GetParseError_En(doc.GetParseError()) +
              " at byte " + std::to_string(doc.GetErrorOffset());
      return false;
    }
    if (!doc.IsObject()) return Fail(path, "not a JSON object");
    if (!Collect(doc, "configurePresets", path, &configure_) ||
        !Collect(doc, "testPresets", path, &test_)) {
      return false;
    }
    if (!doc.HasMember("include")) return true;
    const Value& include = doc["include"];
    if (!include.IsArray()) return Fail(path, "\"include\" is not an array");
    for (const Value& i : include.GetArray()) {
      if (!i.IsString()) return Fail(path, "an \"include\" entry is not a string");
      const std::string file = i.GetString();
      if (!Load(file.rfind('/', 0) == 0 ? file : DirOf(path) + "/" + file, true)) return false;
    }
    return true;
  }

  // The preset `name` of `kind` with what it inherits: its own fields, then
  // each parent's (earlier parents first) where it has none; objects merge
  // field by field, as CMake merges them.
  bool Resolve(bool test, const std::string& name, rapidjson::Document* out, Preset* where) {
    const Presets& all = test ? test_ : configure_;
    const char* kind = test ? "test preset" : "configure preset";
    const auto it = all.find(name);
    if (it == all.end()) {
      *err_ = std::string(kind) + " '" + name + "': no such preset";
      return false;
    }
    if (!resolving_.insert(name + (test ? "/t" : "/c")).second) {
      *err_ = std::string(kind) + " '" + name + "' inherits from itself";
      return false;
    }
    *where = it->second;
    out->SetObject();
    out->CopyFrom(*it->second.json, out->GetAllocator());
    if (out->HasMember("inherits")) {
      std::vector<std::string> parents;
      const Value& inherits = (*out)["inherits"];
      if (inherits.IsString()) parents.push_back(inherits.GetString());
      if (inherits.IsArray()) {
        for (const Value& p : inherits.GetArray()) {
          if (p.IsString()) parents.push_back(p.GetString());
        }
      }
      if (!inherits.IsString() && parents.size() != (inherits.IsArray() ? inherits.Size() : 1)) {
        *err_ = std::string(kind) + " '" + name + "': \"inherits\" is not a name or names";
        return false;
      }
      for (const std::string& p : parents) {
        rapidjson::Document parent;
        Preset ignored;
        if (!Resolve(test, p, &parent, &ignored)) return false;
        Merge(out, parent, out->GetAllocator());
      }
    }
    resolving_.erase(name + (test ? "/t" : "/c"));
    return true;
  }

 private:
  bool Fail(const std::string& path, const std::string& why) {
    *err_ = path + ": " + why;
    return false;
  }

  bool Collect(const Value& doc, const char* member, const std::string& path, Presets* into) {
    if (!doc.HasMember(member)) return true;
    const Value& list = doc[member];
    if (!list.IsArray()) return Fail(path, std::string("\"") + member + "\" is not an array");
    for (const Value& p : list.GetArray()) {
      if (!p.IsObject() || !p.HasMember("name") || !p["name"].IsString()) {
        return Fail(path, std::string("an entry of \"") + member + "\" has no name");
      }
      const std::string name = p["name"].GetString();
      if (!into->emplace(name, Preset{&p, path, DirOf(path)}).second) {
        return Fail(path, "preset '" + name + "' is defined twice");
      }
    }
    return true;
  }

  // Adds to `into` each field of `from` it does not have; both objects:
  // field by field. A preset's name, inheritance and visibility are its own.
  static void Merge(Value* into, const Value& from, rapidjson::Document::AllocatorType& a) {
    for (const auto& m : from.GetObject()) {
      const std::string key = m.name.GetString();
      if (key == "name" || key == "inherits" || key == "hidden" || key == "description" ||
          key == "displayName") {
        continue;
      }
      if (!into->HasMember(m.name)) {
        into->AddMember(Value(m.name, a), Value(m.value, a), a);
      } else if ((*into)[m.name].IsObject() && m.value.IsObject() && key != "repeat") {
        Merge(&(*into)[m.name], m.value, a);
      }
    }
  }

  const PresetsReader& read_;
  std::string* err_;
  std::set<std::string> seen_, resolving_;
  std::deque<rapidjson::Document> docs_;  // a deque: presets point into them
  Presets configure_, test_;
};

// CMake's macros in a preset's string (${sourceDir}, $env{NAME}, ...).
class Macros {
 public:
  Macros(std::string source_dir, std::string preset, std::string file_dir, std::string generator,
         const std::map<std::string, std::optional<std::string>>& env, const PresetsGetEnv& getenv)
      : source_dir_(std::move(source_dir)),
        preset_(std::move(preset)),
        file_dir_(std::move(file_dir)),
        generator_(std::move(generator)),
        env_(env),
        getenv_(getenv) {}

  bool Expand(const std::string& in, std::string* out, std::string* err, int depth = 0) const {
    if (depth > 16) {
      *err = "'" + in + "': $env{} refers to itself";
      return false;
    }
    out->clear();
    for (size_t i = 0; i < in.size();) {
      const size_t dollar = in.find('$', i);
      if (dollar == std::string::npos) {
        out->append(in, i, std::string::npos);
        break;
      }
      // $NS{NAME}, NS letters only (none: ${NAME}); anything else is text.
      size_t open = dollar + 1;
      while (open < in.size() && std::isalpha(static_cast<unsigned char>(in[open]))) ++open;
      const size_t close = open < in.size() && in[open] == '{' ? in.find('}', open) : open;
      if (close == open || close == std::string::npos) {
        out->append(in, i, dollar + 1 - i);
        i = dollar + 1;
        continue;
      }
      out->append(in, i, dollar - i);
      std::string value;
      if (!Lookup(in.substr(dollar + 1, open - dollar - 1), in.substr(open + 1, close - open - 1),
                  &value, err, depth)) {
        return false;
      }
      out->append(value);
      i = close + 1;
    }
    return true;
  }

 private:
  bool Lookup(const std::string& ns, const std::string& name, std::string* value, std::string* err,
              int depth) const {
    if (ns.empty()) {
      const std::string parent = DirOf(source_dir_);
      const std::map<std::string, std::string> fixed = {
          {"sourceDir", source_dir_},
          {"sourceParentDir", parent},
          {"sourceDirName", source_dir_.substr(source_dir_.rfind('/') + 1)},
          {"presetName", preset_},
          {"generator", generator_},
          {"hostSystemName", "Linux"},
          {"fileDir", file_dir_},
          {"dollar", "$"},
          {"pathListSep", ":"}};
      const auto it = fixed.find(name);
      if (it == fixed.end()) {
        *err = "${" + name + "}: not a macro CMake's presets know";
        return false;
      }
      *value = it->second;
      return true;
    }
    if (ns == "env") {
      if (const auto it = env_.find(name); it != env_.end()) {
        if (!it->second) return true;  // unset: empty
        return Expand(*it->second, value, err, depth + 1);
      }
    }
    if (ns == "env" || ns == "penv") {
      const char* v = getenv_(name.c_str());
      *value = v ? v : "";
      return true;
    }
    if (ns == "vendor") return true;  // another vendor's macro: empty, as CMake does
    *err = "$" + ns + "{" + name + "}: not a macro CMake's presets know";
    return false;
  }

  std::string source_dir_, preset_, file_dir_, generator_;
  const std::map<std::string, std::optional<std::string>>& env_;
  const PresetsGetEnv& getenv_;
};

// The preset's environment, configure preset's first: name -> value
// (nullopt: unset), before expansion.
bool Environment(const Value& v, std::map<std::string, std::optional<std::string>>* env,
                 const std::string& who, std::string* err) {
  if (!v.HasMember("environment")) return true;
  const Value& e = v["environment"];
  if (!e.IsObject()) {
    *err = who + ": \"environment\" is not an object";
    return false;
  }
  for (const auto& m : e.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    if (name.empty() || name.find('=') != std::string::npos ||
        name.find('\0') != std::string::npos) {
      *err = who + ": '" + name + "' is not a name for an environment variable";
      return false;
    }
    if (m.value.IsNull()) {
      (*env)[name] = std::nullopt;
    } else if (m.value.IsString()) {
      (*env)[name] = std::string(m.value.GetString());
    } else {
      *err = who + ": environment variable " + name + " is not a string or null";
      return false;
    }
  }
  return true;
}

// One preset field to one ctest option.
struct Field {
  const char* object;  // "execution", "output", or "" for the preset itself
  const char* name;
  enum Type { kBool, kWhole, kText, kPath } type;
  const char* option;  // for kBool: given when true
  bool when = true;    // kBool: the value that gives the option
};
constexpr Field kFields[] = {
    {"", "configuration", Field::kText, "--build-config"},
    {"execution", "stopOnFailure", Field::kBool, "--stop-on-failure"},
    {"execution", "enableFailover", Field::kBool, "-F"},
    {"execution", "jobs", Field::kWhole, "--parallel"},
    {"execution", "resourceSpecFile", Field::kPath, "--resource-spec-file"},
    {"execution", "testLoad", Field::kWhole, "--test-load"},
    {"execution", "showOnly", Field::kText, "--show-only"},
    {"execution", "interactiveDebugging", Field::kBool, "--interactive-debug-mode"},
    {"execution", "scheduleRandom", Field::kBool, "--schedule-random"},
    {"execution", "timeout", Field::kWhole, "--timeout"},
    {"execution", "noTestsAction", Field::kText, "--no-tests"},
    {"output", "shortProgress", Field::kBool, "--progress"},
    {"output", "debug", Field::kBool, "--debug"},
    {"output", "outputOnFailure", Field::kBool, "--output-on-failure"},
    {"output", "quiet", Field::kBool, "--quiet-ctest"},
    {"output", "outputLogFile", Field::kPath, "--output-log"},
    {"output", "outputJUnitFile", Field::kPath, "--output-junit"},
    {"output", "labelSummary", Field::kBool, "--no-label-summary", false},
    {"output", "subprojectSummary", Field::kBool, "--no-subproject-summary", false},
    {"output", "maxPassedTestOutputSize", Field::kWhole, "--test-output-size-passed"},
    {"output", "maxFailedTestOutputSize", Field::kWhole, "--test-output-size-failed"},
    {"output", "testOutputTruncation", Field::kText, "--test-output-truncation"},
    {"output", "maxTestNameWidth", Field::kWhole, "--max-width"},
};

bool Options(const Value& preset, const std::string& who, const Macros& macros,
             std::vector<std::string>* out, std::string* err) {
  for (const Field& f : kFields) {
    const Value* in = &preset;
    if (*f.object != '\0') {
      if (!preset.HasMember(f.object)) continue;
      in = &preset[f.object];
      if (!in->IsObject()) {
        *err = who + ": \"" + f.object + "\" is not an object";
        return false;
      }
    }
    if (!in->HasMember(f.name)) continue;
    const Value& v = (*in)[f.name];
    const std::string field = std::string(f.object) + (*f.object ? "." : "") + f.name;
    auto bad = [&](const char* what) {
      *err = who + ": " + field + " is not " + what;
      return false;
    };
    switch (f.type) {
      case Field::kBool:
        if (!v.IsBool()) return bad("true or false");
        if (std::string(f.option) == "--interactive-debug-mode") {
          out->insert(out->end(), {f.option, v.GetBool() ? "1" : "0"});
        } else if (v.GetBool() == f.when) {
          out->push_back(f.option);
        }
        break;
      case Field::kWhole:
        if (!v.IsInt()) return bad("a whole number");
        out->insert(out->end(), {f.option, std::to_string(v.GetInt())});
        break;
      case Field::kText:
      case Field::kPath: {
        if (!v.IsString()) return bad("a string");
        std::string text;
        if (!macros.Expand(v.GetString(), &text, err)) {
          *err = who + ": " + field + ": " + *err;
          return false;
        }
        if (std::string(f.option) == "--no-tests" && text == "default") break;
        out->insert(out->end(), {f.option, text});
        break;
      }
    }
  }
  return true;
}

// ctest's --repeat from execution.repeat {mode, count}.
bool Repeat(const Value& preset, const std::string& who, std::vector<std::string>* out,
            std::string* err) {
  if (!preset.HasMember("execution") || !preset["execution"].IsObject() ||
      !preset["execution"].HasMember("repeat")) {
    return true;
  }
  const Value& r = preset["execution"]["repeat"];
  if (!r.IsObject() || !r.HasMember("mode") || !r["mode"].IsString() || !r.HasMember("count") ||
      !r["count"].IsInt()) {
    *err = who + ": execution.repeat is not {\"mode\": ..., \"count\": N}";
    return false;
  }
  out->insert(out->end(), {"--repeat", std::string(r["mode"].GetString()) + ":" +
                                           std::to_string(r["count"].GetInt())});
  return true;
}

}  // namespace

bool ReadCtestPreset(const std::string& source_dir, const std::string& name,
                     const PresetsReader& read, const PresetsGetEnv& getenv, CtestPreset* out,
                     std::string* err) {
  Reader reader(read, err);
  if (!reader.Load(source_dir + "/CMakePresets.json", false) ||
      !reader.Load(source_dir + "/CMakeUserPresets.json", false)) {
    return false;
  }
  rapidjson::Document test;
  Preset where;
  if (!reader.Resolve(true, name, &test, &where)) {
    *err +=
        " (in " + source_dir + "/CMakePresets.json, CMakeUserPresets.json or what they include)";
    return false;
  }
  const std::string who = "test preset '" + name + "' (" + where.file + ")";
  std::map<std::string, std::optional<std::string>> env;
  std::string generator, binary_dir;
  if (test.HasMember("configurePreset")) {
    if (!test["configurePreset"].IsString()) {
      *err = who + ": configurePreset is not a name";
      return false;
    }
    rapidjson::Document configure;
    Preset at;
    const std::string configure_name = test["configurePreset"].GetString();
    if (!reader.Resolve(false, configure_name, &configure, &at)) {
      *err = who + ": " + *err;
      return false;
    }
    if (configure.HasMember("generator") && configure["generator"].IsString()) {
      generator = configure["generator"].GetString();
    }
    const bool inherit = !test.HasMember("inheritConfigureEnvironment") ||
                         !test["inheritConfigureEnvironment"].IsBool() ||
                         test["inheritConfigureEnvironment"].GetBool();
    std::map<std::string, std::optional<std::string>> configure_env;
    if (!Environment(configure, &configure_env, who + ": its configure preset", err)) return false;
    if (inherit) env = configure_env;
    if (!configure.HasMember("binaryDir") || !configure["binaryDir"].IsString()) {
      *err = who + ": its configure preset '" + configure_name +
             "' has no binaryDir (give the build folder with --test-dir)";
      return false;
    }
    const Macros in_configure(source_dir, configure_name, at.file_dir, generator, configure_env,
                              getenv);
    if (!in_configure.Expand(configure["binaryDir"].GetString(), &binary_dir, err)) {
      *err = who + ": its configure preset's binaryDir: " + *err;
      return false;
    }
    if (binary_dir.empty() || binary_dir[0] != '/') binary_dir = source_dir + "/" + binary_dir;
  } else {
    *err = who + ": no configurePreset (give the build folder with --test-dir)";
    return false;
  }
  if (!Environment(test, &env, who, err)) return false;
  const Macros macros(source_dir, name, where.file_dir, generator, env, getenv);
  CtestPreset p;
  p.binary_dir = binary_dir;
  if (!Options(test, who, macros, &p.options, err) || !Repeat(test, who, &p.options, err)) {
    return false;
  }
  for (const auto& [var, value] : env) {
    if (!value) {
      p.environment.emplace_back(var, std::nullopt);
      continue;
    }
    std::string text;
    if (!macros.Expand(*value, &text, err)) {
      *err = who + ": environment variable " + var + ": " + *err;
      return false;
    }
    p.environment.emplace_back(var, std::move(text));
  }
  *out = std::move(p);
  return true;
}

}  // namespace mprun::core
