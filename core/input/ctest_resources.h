// ctest's resource allocation (RESOURCE_GROUPS and --resource-spec-file):
// the spec file read, and a test's groups given resources as ctest gives
// them, with the CTEST_RESOURCE_GROUP_* variables it sets. mprun ctest runs
// each such test with nothing else holding resources, so the allocation is
// the one ctest makes for the test alone (its round-robin bin packing over
// free resources), and no slot is ever shared.
#ifndef MPRUN_CORE_INPUT_CTEST_RESOURCES_H_
#define MPRUN_CORE_INPUT_CTEST_RESOURCES_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mprun::core {

// Per resource type, its resources (id, slots) in the file's order.
struct ResourceSpec {
  std::map<std::string, std::vector<std::pair<std::string, int>>> types;
};

// A resource spec file's text (version 1.0); false with `err` naming what
// is wrong.
bool ParseResourceSpec(std::string_view text, ResourceSpec* out, std::string* err);

// The variables for a test whose groups are `groups` (per group: (type,
// slots) requirements): CTEST_RESOURCE_GROUP_COUNT, _<n> and _<n>_<TYPE>
// as "NAME=VALUE". False with `why` when the spec cannot hold the groups
// at all (ctest: "Insufficient resources"; the test is not run).
bool AllocateResources(const ResourceSpec& spec,
                       const std::vector<std::vector<std::pair<std::string, int>>>& groups,
                       std::vector<std::string>* env, std::string* why);

}  // namespace mprun::core

#endif  // MPRUN_CORE_INPUT_CTEST_RESOURCES_H_
