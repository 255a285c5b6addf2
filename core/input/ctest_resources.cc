#include "core/input/ctest_resources.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace mprun::core {

namespace {

// ctest's rules for names: a type starts with a lowercase letter or an
// underscore; then (and in an id) lowercase letters, digits, underscores.
bool GoodName(const std::string& s, bool type) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool ok = std::islower(c) || c == '_' || (std::isdigit(c) && (!type || i > 0));
    if (!ok) return false;
  }
  return true;
}

struct Resource {
  std::string id;
  int slots = 0;
  int locked = 0;
  int Free() const { return slots - locked; }
};

// One requirement of the test on resources of one type.
struct Need {
  size_t group;
  int slots;
  std::string id;  // once allocated
};

// ctest's round-robin bin packing (cmCTestBinPacker): requirements from
// the largest down, each on the resource with the most free slots (ties:
// the first by id), trying the next distinct amount of free slots when
// what follows finds no room.
bool Pack(std::vector<Resource> sorted, std::vector<Need*>& needs, size_t at) {
  size_t r = 0;
  while (r < sorted.size()) {
    if (sorted[r].Free() >= needs[at]->slots) {
      needs[at]->id = sorted[r].id;
      if (at + 1 == needs.size()) return true;
      std::vector<Resource> after = sorted;
      after[r].locked += needs[at]->slots;
      // Down the list while the next one has more free slots.
      for (size_t i = r; i + 1 < after.size() && after[i + 1].Free() > after[i].Free(); ++i) {
        std::swap(after[i], after[i + 1]);
      }
      if (Pack(std::move(after), needs, at + 1)) return true;
    }
    needs[at]->id.clear();
    const int free = sorted[r].Free();
    do {
      ++r;
    } while (r < sorted.size() && sorted[r].Free() == free);
  }
  return false;
}

}  // namespace

bool ParseResourceSpec(std::string_view text, ResourceSpec* out, std::string* err) {
  rapidjson::Document doc;
  if (doc.Parse(text.data(), text.size()).HasParseError()) {
    *err = std::string("not JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
           " at byte " + std::to_string(doc.GetErrorOffset());
    return false;
  }
  if (!doc.IsObject() || !doc.HasMember("version") || !doc["version"].IsObject() ||
      !doc["version"].HasMember("major") || !doc["version"]["major"].IsInt() ||
      !doc["version"].HasMember("minor") || !doc["version"]["minor"].IsInt()) {
    *err = "no \"version\": {\"major\": 1, \"minor\": 0}";
    return false;
  }
  if (doc["version"]["major"].GetInt() != 1 || doc["version"]["minor"].GetInt() != 0) {
    *err = "version " + std::to_string(doc["version"]["major"].GetInt()) + "." +
           std::to_string(doc["version"]["minor"].GetInt()) + " (ctest reads 1.0)";
    return false;
  }
  if (!doc.HasMember("local") || !doc["local"].IsArray() || doc["local"].Size() > 1) {
    *err = "\"local\" is not an array of one object";
    return false;
  }
  ResourceSpec spec;
  for (const auto& local : doc["local"].GetArray()) {
    if (!local.IsObject()) {
      *err = "\"local\" is not an array of one object";
      return false;
    }
    for (const auto& type : local.GetObject()) {
      const std::string name(type.name.GetString(), type.name.GetStringLength());
      if (!GoodName(name, true)) {
        *err = "resource type '" + name +
               "' is not a name (lowercase letters, digits, underscores; not a digit first)";
        return false;
      }
      if (!type.value.IsArray()) {
        *err = "resource type '" + name + "' is not an array of resources";
        return false;
      }
      auto& resources = spec.types[name];
      std::set<std::string> ids;
      for (const auto& r : type.value.GetArray()) {
        if (!r.IsObject() || !r.HasMember("id") || !r["id"].IsString()) {
          *err = "a resource of type '" + name + "' has no \"id\"";
          return false;
        }
        const std::string id(r["id"].GetString(), r["id"].GetStringLength());
        if (!GoodName(id, false) || !ids.insert(id).second) {
          *err = "resource '" + id + "' of type '" + name +
                 "': an id is lowercase letters, digits and underscores, once per type";
          return false;
        }
        int slots = 1;  // ctest's default
        if (r.HasMember("slots")) {
          if (!r["slots"].IsInt() || r["slots"].GetInt() < 0) {
            *err = "resource '" + id + "' of type '" + name + "': slots is not a whole number";
            return false;
          }
          slots = r["slots"].GetInt();
        }
        resources.emplace_back(id, slots);
      }
    }
  }
  *out = std::move(spec);
  return true;
}

bool AllocateResources(const ResourceSpec& spec,
                       const std::vector<std::vector<std::pair<std::string, int>>>& groups,
                       std::vector<std::string>* env, std::string* why) {
  std::map<std::string, std::vector<Need>> by_type;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const auto& [type, slots] : groups[g]) by_type[type].push_back({g, slots, ""});
  }
  for (auto& [type, needs] : by_type) {
    const auto it = spec.types.find(type);
    std::vector<Resource> sorted;
    if (it != spec.types.end()) {
      for (const auto& [id, slots] : it->second) sorted.push_back({id, slots, 0});
    }
    // By id (ctest keeps them in a map), then the most free slots first.
    std::sort(sorted.begin(), sorted.end(),
              [](const Resource& a, const Resource& b) { return a.id < b.id; });
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Resource& a, const Resource& b) { return a.Free() > b.Free(); });
    std::vector<Need*> order;
    for (Need& n : needs) order.push_back(&n);
    std::stable_sort(order.begin(), order.end(),
                     [](const Need* a, const Need* b) { return a->slots > b->slots; });
    if (!Pack(sorted, order, 0)) {
      std::string asked;
      for (const Need& n : needs) asked += (asked.empty() ? "" : ", ") + std::to_string(n.slots);
      *why =
          "insufficient resources: " + type + " slots " + asked + " do not fit " +
          (it == spec.types.end() ? "(the spec has no " + type + ")"
                                  : "the spec's " + std::to_string(it->second.size()) + " " + type);
      return false;
    }
  }
  env->push_back("CTEST_RESOURCE_GROUP_COUNT=" + std::to_string(groups.size()));
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::string prefix = "CTEST_RESOURCE_GROUP_" + std::to_string(g);
    std::string types;
    for (const auto& [type, needs] : by_type) {  // by type name, as ctest
      std::string value;
      for (const Need& n : needs) {
        if (n.group != g) continue;
        value += (value.empty() ? "" : ";") + std::string("id:") + n.id +
                 ",slots:" + std::to_string(n.slots);
      }
      if (value.empty()) continue;
      types += (types.empty() ? "" : ",") + type;
      std::string upper = type;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      env->push_back(prefix + "_" + upper + "=" + value);
    }
    env->push_back(prefix + "=" + types);
  }
  return true;
}

}  // namespace mprun::core
