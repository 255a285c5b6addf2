#include "core/history.h"

#include <sys/stat.h>

#include <algorithm>
#include <cereal/archives/json.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <fstream>
#include <sstream>

#include "core/json.h"

namespace mprun::core {

template <class Archive>
void serialize(Archive& ar, TestHistory& t) {
  ar(cereal::make_nvp("durations_ms", t.durations_ms),
     cereal::make_nvp("last_outcome", t.last_outcome),
     cereal::make_nvp("flaky_count", t.flaky_count));
}

namespace {

constexpr char kFormat[] = "mprun-history";

// Appends `from`'s recent figures to `into`'s.
void Merge(const TestHistory& from, TestHistory* into) {
  into->durations_ms.insert(into->durations_ms.end(), from.durations_ms.begin(),
                            from.durations_ms.end());
  if (into->durations_ms.size() > History::kKeep) {
    into->durations_ms.erase(into->durations_ms.begin(),
                             into->durations_ms.end() - static_cast<long>(History::kKeep));
  }
  if (!from.last_outcome.empty()) into->last_outcome = from.last_outcome;
  into->flaky_count += from.flaky_count;
}

bool ReadTests(const std::string& text, std::map<std::string, TestHistory>* tests,
               std::string* why) {
  try {
    std::istringstream in(text);
    cereal::JSONInputArchive ar(in);
    std::string format;
    int version = 0;
    ar(cereal::make_nvp("format", format));
    if (format != kFormat) {
      *why = "not an mprun history file";
      return false;
    }
    ar(cereal::make_nvp("version", version));
    if (version > History::kVersion) {
      *why = "written by a newer mprun (version " + std::to_string(version) + ")";
      return false;
    }
    ar(cereal::make_nvp("tests", *tests));
    return true;
  } catch (const std::exception& e) {
    *why = std::string("unreadable: ") + e.what();
    return false;
  }
}

}  // namespace

double TestHistory::EstimateMs() const {
  if (durations_ms.empty()) return 0;
  std::vector<double> d = durations_ms;
  std::nth_element(d.begin(), d.begin() + static_cast<long>(d.size() / 2), d.end());
  return d[d.size() / 2];
}

History History::Load(const std::string& path, std::string* warning) {
  warning->clear();
  History h;
  std::ifstream in(path);
  if (!in) return h;  // no history yet
  std::stringstream text;
  text << in.rdbuf();
  std::string why;
  if (!ReadTests(text.str(), &h.tests_, &why)) {
    h.tests_.clear();
    *warning = "ignoring history " + path + ": " + why;
  }
  return h;
}

bool History::Save(const std::string& path, std::string* err) const {
  // Merge with the file as it is now: another run may have written since we
  // loaded it.
  std::map<std::string, TestHistory> merged;
  {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::string ignored;
    if (!text.str().empty() && !ReadTests(text.str(), &merged, &ignored)) merged.clear();
  }
  for (const auto& [key, t] : recorded_) Merge(t, &merged[key]);
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) mkdir(path.substr(0, slash).c_str(), 0755);
  std::ostringstream out;
  {
    cereal::JSONOutputArchive ar(out);
    ar(cereal::make_nvp("format", std::string(kFormat)), cereal::make_nvp("version", kVersion),
       cereal::make_nvp("tests", merged));
  }
  return WriteFileAtomically(path, out.str() + "\n", err);
}

const TestHistory* History::Find(const std::string& key) const {
  const auto it = tests_.find(key);
  return it == tests_.end() ? nullptr : &it->second;
}

void History::Record(const std::string& key, double duration_ms, Outcome outcome, bool flaky) {
  TestHistory& t = recorded_[key];
  if (outcome != Outcome::kNotRun && outcome != Outcome::kSkipped)
    t.durations_ms.push_back(duration_ms);
  t.last_outcome = std::string(OutcomeName(outcome));
  t.flaky_count += flaky;
}

std::string HistoryKey(const std::string& binary, const std::string& test) {
  const size_t slash = binary.rfind('/');
  return (slash == std::string::npos ? binary : binary.substr(slash + 1)) + "::" + test;
}

}  // namespace mprun::core
