// ctest's resource spec and its allocation for one test alone.
#include "core/input/ctest_resources.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mprun::core {
namespace {

using Groups = std::vector<std::vector<std::pair<std::string, int>>>;

ResourceSpec Spec(const std::string& text) {
  ResourceSpec spec;
  std::string err;
  EXPECT_TRUE(ParseResourceSpec(text, &spec, &err)) << err;
  return spec;
}

// The most free slots first, ties by id (ctest keeps resources in a map);
// a group's types by name; several of one type in a group joined by ';'.
TEST(CtestResourcesTest, AllocatesAsCtestDoesForATestAlone) {
  const ResourceSpec spec = Spec(R"({"version": {"major": 1, "minor": 0}, "local": [{
      "gpus": [{"id": "b", "slots": 2}, {"id": "a", "slots": 2}, {"id": "c", "slots": 1}],
      "fpga": [{"id": "x"}]}]})");
  std::vector<std::string> env;
  std::string why;
  ASSERT_TRUE(AllocateResources(
      spec, Groups{{{"gpus", 2}, {"fpga", 1}}, {{"gpus", 1}, {"gpus", 1}}}, &env, &why))
      << why;
  EXPECT_EQ(env, (std::vector<std::string>{
                     "CTEST_RESOURCE_GROUP_COUNT=2",
                     "CTEST_RESOURCE_GROUP_0_FPGA=id:x,slots:1",
                     "CTEST_RESOURCE_GROUP_0_GPUS=id:a,slots:2",
                     "CTEST_RESOURCE_GROUP_0=fpga,gpus",
                     "CTEST_RESOURCE_GROUP_1_GPUS=id:b,slots:1;id:b,slots:1",
                     "CTEST_RESOURCE_GROUP_1=gpus",
                 }));
  env.clear();
  EXPECT_FALSE(AllocateResources(spec, Groups{{{"gpus", 3}}}, &env, &why));
  EXPECT_EQ(why, "insufficient resources: gpus slots 3 do not fit the spec's 3 gpus");
  EXPECT_FALSE(AllocateResources(spec, Groups{{{"tpus", 1}}}, &env, &why));
  EXPECT_EQ(why, "insufficient resources: tpus slots 1 do not fit (the spec has no tpus)");
  EXPECT_FALSE(AllocateResources(spec, Groups{{{"fpga", 1}}, {{"fpga", 1}}}, &env, &why));
}

TEST(CtestResourcesTest, ASpecThatIsNotOneIsAnErrorSayingWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "not JSON"},
      {R"({"local": []})", "no \"version\""},
      {R"({"version": {"major": 1, "minor": 1}, "local": []})", "version 1.1 (ctest reads 1.0)"},
      {R"({"version": {"major": 1, "minor": 0}})", "\"local\" is not an array of one object"},
      {R"({"version": {"major": 1, "minor": 0}, "local": [{}, {}]})", "\"local\" is not an array"},
      {R"({"version": {"major": 1, "minor": 0}, "local": [{"9gpus": []}]})",
       "resource type '9gpus' is not a name"},
      {R"({"version": {"major": 1, "minor": 0}, "local": [{"gpus": {}}]})",
       "resource type 'gpus' is not an array of resources"},
      {R"({"version": {"major": 1, "minor": 0}, "local": [{"gpus": [{"slots": 1}]}]})",
       "a resource of type 'gpus' has no \"id\""},
      {R"({"version": {"major": 1, "minor": 0}, "local": [{"gpus": [{"id": "A"}]}]})",
       "resource 'A' of type 'gpus': an id is lowercase"},
      {R"({"version": {"major": 1, "minor": 0}, "local": [{"gpus": [{"id": "a"}, {"id": "a"}]}]})",
       "once per type"},
      {R"({"version": {"major": 1, "minor": 0}, "local": [{"gpus": [{"id": "a", "slots": -1}]}]})",
       "slots is not a whole number"},
  };
  for (const auto& [text, message] : cases) {
    ResourceSpec spec;
    std::string err;
    EXPECT_FALSE(ParseResourceSpec(text, &spec, &err)) << text;
    EXPECT_NE(err.find(message), std::string::npos) << text << ": " << err;
  }
}

}  // namespace
}  // namespace mprun::core
