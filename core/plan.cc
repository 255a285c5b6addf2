#include "core/plan.h"

#include <algorithm>
#include <random>

namespace mprun::core {

bool ParseDist(std::string_view text, Dist* out) {
  if (text == "auto") return *out = Dist::kAuto, true;
  if (text == "test") return *out = Dist::kTest, true;
  if (text == "suite") return *out = Dist::kSuite, true;
  return false;
}

Plan MakePlan(const std::vector<uint32_t>& suite_of, const std::vector<SuiteTraits>& suites,
              Dist dist) {
  Plan plan;
  const auto n = static_cast<uint32_t>(suite_of.size());
  plan.units.reserve(n);
  for (uint32_t begin = 0; begin < n;) {
    uint32_t end = begin + 1;
    while (end < n && suite_of[end] == suite_of[begin]) ++end;
    const SuiteTraits& traits = suites[suite_of[begin]];
    const char* why = nullptr;
    if (dist == Dist::kSuite) {
      why = "--dist=suite";
    } else if (dist == Dist::kAuto && traits.has_fixtures && !traits.split) {
      why = "SetUpTestSuite/TearDownTestSuite";
    }
    if (why != nullptr && end - begin > 1) {
      plan.units.push_back({begin, end, true, traits.serial, why});
    } else {
      for (uint32_t t = begin; t < end; ++t)
        plan.units.push_back({t, t + 1, false, traits.serial, ""});
    }
    if (traits.serial) plan.serial_tests += end - begin;
    begin = end;
  }
  return plan;
}

std::vector<std::vector<uint32_t>> DealUnits(const Plan& plan, int workers,
                                             std::optional<uint32_t> shuffle_seed) {
  std::vector<const Unit*> units;
  size_t total = 0;
  for (const Unit& u : plan.units) {
    if (u.serial) continue;
    units.push_back(&u);
    total += u.end - u.first;
  }
  if (shuffle_seed) {
    std::mt19937 rng(*shuffle_seed);
    std::shuffle(units.begin(), units.end(), rng);
  }
  std::vector<std::vector<uint32_t>> shares(static_cast<size_t>(std::max(workers, 1)));
  // Contiguous shares of about total/workers tests each.
  size_t dealt = 0;
  size_t share = 0;
  for (const Unit* u : units) {
    while (share + 1 < shares.size() && dealt >= total * (share + 1) / shares.size()) ++share;
    shares[share].push_back(u->first);
    dealt += u->end - u->first;
  }
  return shares;
}

std::vector<uint32_t> SerialItems(const Plan& plan) {
  std::vector<uint32_t> items;
  for (const Unit& u : plan.units) {
    if (u.serial) items.push_back(u.first);
  }
  return items;
}

}  // namespace mprun::core
