#include "core/report/shard_cover.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "core/report/json_reporter.h"

namespace mprun::core {
namespace {

RunInfo TwoBinaries() {
  RunInfo run;
  run.binaries = {"/build/a/unit_test", "/elsewhere/io_test"};
  run.tests = {{0, "Math", "Adds"}, {0, "Math", "Subtracts"}, {1, "Io", "Reads"}};
  return run;
}

std::vector<Expectation> Costs(std::vector<double> ms) {
  std::vector<Expectation> e(ms.size());
  for (size_t i = 0; i < ms.size(); ++i) e[i].cost_ms = ms[i];
  return e;
}

TEST(ShardCoverTest, TheKeyIsTheBinaryFileNameAndTheFullName) {
  EXPECT_EQ(ShardKey("unit_test", {0, "Range/Param", "IsSmall/3"}),
            "unit_test/Range/Param.IsSmall/3");
}

TEST(ShardCoverTest, TheBasisDependsOnTheListInOrderAndOnTheCostsOnly) {
  RunInfo run = TwoBinaries();
  const ShardBasis a = MakeShardBasis(run, Costs({1, 2, 3}));
  EXPECT_EQ(a.binaries, (std::vector<std::string>{"unit_test", "io_test"}));
  EXPECT_EQ(a.tests.size(), 3u);
  EXPECT_EQ(a.tests_digest.size(), 16u);
  EXPECT_EQ(a.costs_digest.size(), 16u);

  // The same tests elsewhere on disk: the same basis.
  run.binaries = {"/other/machine/unit_test", "io_test"};
  const ShardBasis moved = MakeShardBasis(run, Costs({1, 2, 3}));
  EXPECT_EQ(moved.tests_digest, a.tests_digest);
  EXPECT_EQ(moved.costs_digest, a.costs_digest);

  // Another duration: the same list, other costs.
  const ShardBasis slower = MakeShardBasis(run, Costs({1, 2.5, 3}));
  EXPECT_EQ(slower.tests_digest, a.tests_digest);
  EXPECT_NE(slower.costs_digest, a.costs_digest);

  // Another order: another list.
  std::swap(run.tests[0], run.tests[1]);
  EXPECT_NE(MakeShardBasis(run, Costs({1, 2, 3})).tests_digest, a.tests_digest);

  // No durations at all: the hash split, no costs digest.
  EXPECT_EQ(MakeShardBasis(run, Costs({0, 0, 0})).costs_digest, "");
  EXPECT_EQ(MakeShardBasis(run, {}).costs_digest, "");
}

TEST(ShardCoverTest, DigestSeparatesItsParts) {
  Digest ab_c, a_bc;
  ab_c.Add("ab");
  ab_c.Add("c");
  a_bc.Add("a");
  a_bc.Add("bc");
  EXPECT_NE(ab_c.Hex(), a_bc.Hex());
  EXPECT_EQ(Digest().Hex(), "cbf29ce484222325");  // FNV-1a's offset basis: nothing added
}

TEST(ShardCoverTest, CountsHaveThousandsSeparators) {
  EXPECT_EQ(WithThousands(0), "0");
  EXPECT_EQ(WithThousands(999), "999");
  EXPECT_EQ(WithThousands(2057), "2,057");
  EXPECT_EQ(WithThousands(1234567), "1,234,567");
}

TEST(ShardCoverTest, NameSomeSaysHowManyAreLeftOut) {
  EXPECT_EQ(NameSome({"A.a", "A.b"}, 2, 10), "A.a, A.b");
  EXPECT_EQ(NameSome({"A.a", "A.b", "A.c"}, 2057, 2), "A.a, A.b (and 2,055 more)");
  EXPECT_EQ(NameSome({}, 0, 10), "");
}

// A report of shard `shard` whose split selected t0..t{selected-1} of
// binary b and which ran t{from}..t{to-1}.
CoverReport Shard(uint32_t shard, int from, int to, int selected = 40,
                  const std::string& costs = "c1") {
  CoverReport r;
  r.path = "s" + std::to_string(shard) + ".json";
  r.shard = shard;
  r.has_basis = true;
  r.selected = static_cast<uint64_t>(selected);
  r.tests_digest = "list" + std::to_string(selected);
  r.costs_digest = costs;
  for (int t = 0; t < selected; ++t) r.selected_keys.push_back("b/S.t" + std::to_string(t));
  for (int t = from; t < to; ++t) r.ran.emplace_back("b/S.t" + std::to_string(t), 1);
  return r;
}

TEST(ShardCoverTest, AnExactCoverHasNoError) {
  EXPECT_TRUE(CheckCover({Shard(1, 0, 20), Shard(2, 20, 40)}).empty());
  // --gtest_repeat: each test once per iteration.
  CoverReport twice = Shard(1, 0, 40);
  for (int t = 0; t < 40; ++t) twice.ran.emplace_back("b/S.t" + std::to_string(t), 2);
  EXPECT_TRUE(CheckCover({twice}).empty());
}

TEST(ShardCoverTest, DuplicatesAndDroppedTestsAreNamedAtMostTenEach) {
  const std::vector<std::string> errors = CheckCover({Shard(1, 0, 25), Shard(2, 10, 28)});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0],
            "15 tests are reported twice: S.t10, S.t11, S.t12, S.t13, S.t14, S.t15, S.t16, S.t17, "
            "S.t18, S.t19 (and 5 more)");
  EXPECT_EQ(errors[1],
            "12 selected tests ran in no shard: S.t28, S.t29, S.t30, S.t31, S.t32, S.t33, S.t34, "
            "S.t35, S.t36, S.t37 (and 2 more)");
  EXPECT_EQ(CheckCover({Shard(1, 0, 20), Shard(2, 19, 39)}),
            (std::vector<std::string>{"1 test is reported twice: S.t19",
                                      "1 selected test ran in no shard: S.t39"}));
}

TEST(ShardCoverTest, NamesKeepTheirBinaryWhenThereAreSeveral) {
  CoverReport r = Shard(1, 0, 0, 1);
  r.selected_keys.push_back("c/T.u");
  EXPECT_EQ(CheckCover({r}), (std::vector<std::string>{"2 selected tests ran in no shard: b/S.t0, "
                                                       "c/T.u"}));
}

TEST(ShardCoverTest, DifferentInputsAreOneLineNamingTheOddShardsOut) {
  // Shards 3 and 4 split by another history; the majority is the reference.
  std::vector<std::string> errors = CheckCover(
      {Shard(1, 0, 10), Shard(2, 10, 20), Shard(3, 20, 30, 40, "c2"), Shard(4, 30, 40, 40, "c2")});
  ASSERT_EQ(errors.size(), 1u);  // (this split happens to cover: no other line)
  EXPECT_EQ(errors[0],
            "the shards were computed from different inputs: shards 3, 4 differ from shard 1 in "
            "their history (every shard of a run must see the same tests and history)");

  // One odd shard out, first: it is the one named.
  errors = CheckCover({Shard(1, 0, 10, 40, "c2"), Shard(2, 10, 20), Shard(3, 20, 40)});
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].rfind("the shards were computed from different inputs: shard 1 differs from "
                            "shard 2 in its history (",
                            0),
            0u)
      << errors[0];

  // Another test list and another history at once.
  errors = CheckCover(
      {Shard(1, 0, 20), Shard(2, 20, 30), Shard(3, 30, 40, 40, "c2"), Shard(4, 30, 39, 39)});
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].rfind("the shards were computed from different inputs: shard 3 differs from "
                            "shard 1 in its history; shard 4 in its test list (",
                            0),
            0u)
      << errors[0];
}

TEST(ShardCoverTest, ReportsWithoutABasisStillHaveTheirDuplicatesNamed) {
  CoverReport a = Shard(1, 0, 25), b = Shard(2, 10, 30);
  for (CoverReport* r : {&a, &b}) {
    r->has_basis = false;
    r->selected_keys.clear();
  }
  EXPECT_EQ(CheckCover({a, b}),
            (std::vector<std::string>{"15 tests are reported twice: S.t10, S.t11, S.t12, S.t13, "
                                      "S.t14, S.t15, S.t16, S.t17, S.t18, S.t19 (and 5 more)"}));
  // One old and one new report: what the new one selected is checked.
  EXPECT_EQ(CheckCover({a, Shard(2, 25, 38)}),
            (std::vector<std::string>{"2 selected tests ran in no shard: S.t38, S.t39"}));
}

TEST(ShardCoverTest, TheReportRecordsTheBasisCompactly) {
  RunInfo run = TwoBinaries();
  run.shard = {0, 2};
  run.shard_basis = std::make_shared<const ShardBasis>(MakeShardBasis(run, Costs({1, 2, 3})));
  const ShardBasis& basis = *run.shard_basis;
  run.tests.resize(1);  // this shard's part
  const std::string text = RenderJsonReport(run, Ledger(1), RunSummary());
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  const rapidjson::Value& shard = doc["shard"];
  EXPECT_EQ(shard["index"].GetInt(), 1);
  EXPECT_EQ(shard["selected"].GetInt(), 3);
  EXPECT_EQ(std::string(shard["tests_digest"].GetString()), basis.tests_digest);
  EXPECT_EQ(std::string(shard["costs_digest"].GetString()), basis.costs_digest);
  EXPECT_EQ(std::string(shard["split"].GetString()), "durations");
  EXPECT_NE(text.find(R"("tests":[{"binary":"unit_test","suites":[["Math","Adds","Subtracts"]]},)"
                      R"({"binary":"io_test","suites":[["Io","Reads"]]}])"),
            std::string::npos)
      << text;

  run.shard_basis = std::make_shared<const ShardBasis>(MakeShardBasis(TwoBinaries(), {}));
  const std::string hashed = RenderJsonReport(run, Ledger(1), RunSummary());
  EXPECT_NE(hashed.find(R"("split":"hash")"), std::string::npos) << hashed;
  EXPECT_EQ(hashed.find("costs_digest"), std::string::npos) << hashed;
}

}  // namespace
}  // namespace mprun::core
