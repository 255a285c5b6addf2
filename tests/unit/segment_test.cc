// Segment: layout, header checks with clear errors, the test table.
#include "shm/segment.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace mprun::shm {
namespace {

LayoutParams Params(uint32_t workers, uint32_t tests) {
  LayoutParams p;
  p.workers = workers;
  p.tests = tests;
  p.ring_records = 64;
  p.ring_text_bytes = 4096;
  p.names_bytes = 1024;
  return p;
}

TEST(SegmentTest, LayoutAlignsSlotsRingsAndDequesForSharing) {
  Layout l;
  std::string err;
  ASSERT_TRUE(Layout::Compute(Params(5, 1000), &l, &err)) << err;
  EXPECT_EQ(l.slots % kCacheLine, 0u);
  EXPECT_EQ(l.deque_controls % kCacheLine, 0u);
  EXPECT_EQ(l.deque_items % kCacheLine, 0u);
  EXPECT_EQ(l.rings % 4096, 0u);
  EXPECT_EQ(l.ring_stride % 4096, 0u);
  EXPECT_GE(l.ring_stride, sizeof(RingControl) + 64 * sizeof(ResultRecord) + 4096);
  EXPECT_GE(l.total, l.names + 1024);
}

TEST(SegmentTest, CreatedSegmentPassesItsOwnHeaderCheck) {
  std::string err;
  auto seg = Segment::Create(Params(3, 10), &err);
  ASSERT_NE(seg, nullptr) << err;
  EXPECT_TRUE(seg->Check(&err)) << err;
  EXPECT_EQ(seg->header().workers, 3u);
  EXPECT_EQ(CurrentTest(seg->slot(2).current.load(std::memory_order_relaxed)), kNoTest);
  EXPECT_EQ(seg->deque(1).SizeGuess(), 0u);
  EXPECT_EQ(seg->claims().Holder(9), kUnclaimed);
}

TEST(SegmentTest, ShapeMismatchIsReportedWithBothValues) {
  std::string err;
  auto seg = Segment::Create(Params(3, 10), &err);
  ASSERT_NE(seg, nullptr) << err;
  EXPECT_FALSE(Segment::CheckHeader(seg->base(), seg->size(), Params(4, 10), &err));
  EXPECT_NE(err.find("total size"), std::string::npos) << err;
  LayoutParams other = Params(3, 10);
  other.ring_text_bytes = 8192;
  EXPECT_FALSE(Segment::CheckHeader(seg->base(), seg->size(), other, &err));
  EXPECT_NE(err.find("expected"), std::string::npos) << err;
}

TEST(SegmentTest, ForeignOrOlderHeaderIsRejected) {
  std::string err;
  auto seg = Segment::Create(Params(2, 4), &err);
  ASSERT_NE(seg, nullptr) << err;
  seg->header().version = kSegmentVersion + 1;
  EXPECT_FALSE(seg->Check(&err));
  EXPECT_EQ(err, "shared segment header mismatch: expected version " +
                     std::to_string(kSegmentVersion) + ", found " +
                     std::to_string(kSegmentVersion + 1));
  seg->header().version = kSegmentVersion;
  seg->header().magic = 0;
  EXPECT_FALSE(seg->Check(&err));
  EXPECT_NE(err.find("magic"), std::string::npos) << err;
  EXPECT_FALSE(Segment::CheckHeader(seg->base(), 8, Params(2, 4), &err));
  EXPECT_NE(err.find("too small"), std::string::npos) << err;
}

TEST(SegmentTest, RefusesShapesItCannotHold) {
  std::string err;
  EXPECT_EQ(Segment::Create(Params(0, 4), &err), nullptr);
  EXPECT_NE(err.find("worker count 0"), std::string::npos) << err;
  EXPECT_EQ(Segment::Create(Params(2, WorkDeque::kMaxItems + 1), &err), nullptr);
  EXPECT_NE(err.find("too many tests"), std::string::npos) << err;
}

TEST(SegmentTest, AMappingRefusedByTheSystemIsAClearError) {
  // In a child held to an address-space limit 8 MiB above what it uses, a
  // segment of about 64 MiB cannot be mapped.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    long pages = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
      std::fclose(f);
    }
    const rlim_t now = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE));
    struct rlimit lim = {now + (8u << 20), RLIM_INFINITY};
    if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(3);
    LayoutParams p = Params(64, 1000);
    p.names_bytes = 64u << 20;
    std::string err;
    const bool refused = Segment::Create(p, &err) == nullptr;
    const bool said_why = err.find("cannot map the shared segment (6") != std::string::npos;
    if (!said_why) std::fprintf(stderr, "refused: %d, err: %s\n", refused, err.c_str());
    _exit(refused && said_why ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizers reserve address space beyond any such limit";
#endif
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: mapped anyway, or no clear message; 3: no limit";
}

TEST(SegmentTest, TheSegmentIsAnonymousSoNoOtherProcessCanOpenIt) {
  auto before = std::filesystem::directory_iterator("/dev/shm");
  std::set<std::string> names;
  for (const auto& e : before) names.insert(e.path().string());
  std::string err;
  auto seg = Segment::Create(Params(2, 8), &err);
  ASSERT_NE(seg, nullptr) << err;
  for (const auto& e : std::filesystem::directory_iterator("/dev/shm")) {
    EXPECT_TRUE(names.count(e.path().string())) << e.path() << " appeared with the segment";
  }
  // /proc/self/maps names what backs it: the kernel's anonymous shared memory.
  std::ifstream maps("/proc/self/maps");
  char want[32];
  std::snprintf(want, sizeof want, "%lx-", reinterpret_cast<unsigned long>(seg->base()));
  std::string line, found;
  while (std::getline(maps, line)) {
    if (line.rfind(want, 0) == 0) found = line;
  }
  ASSERT_FALSE(found.empty());
  EXPECT_NE(found.find("rw-s"), std::string::npos) << found;
  EXPECT_NE(found.find("/dev/zero (deleted)"), std::string::npos) << found;
}

TEST(SegmentTest, TestTableKeepsNamesAndSharesSuiteNames) {
  std::string err;
  auto seg = Segment::Create(Params(1, 3), &err);
  ASSERT_NE(seg, nullptr) << err;
  ASSERT_TRUE(seg->AppendTest(0, "Math", "Adds"));
  ASSERT_TRUE(seg->AppendTest(0, "Math", "Subtracts"));
  ASSERT_TRUE(seg->AppendTest(1, "Io/Param", "Reads/0"));
  EXPECT_FALSE(seg->AppendTest(0, "Extra", "Test")) << "table is full";
  EXPECT_EQ(seg->SuiteName(1), "Math");
  EXPECT_EQ(seg->TestName(1), "Subtracts");
  EXPECT_EQ(seg->test(0).suite_offset, seg->test(1).suite_offset);
  EXPECT_EQ(seg->SuiteName(2), "Io/Param");
  EXPECT_EQ(seg->test(2).binary, 1u);
}

TEST(SegmentTest, TestTableRefusesNamesBeyondItsRoom) {
  std::string err;
  LayoutParams p = Params(1, 2);
  p.names_bytes = 10;
  auto seg = Segment::Create(p, &err);
  ASSERT_NE(seg, nullptr) << err;
  EXPECT_TRUE(seg->AppendTest(0, "Abc", "Def"));
  EXPECT_FALSE(seg->AppendTest(0, "Ghijk", "Lmnop"));
}

TEST(SegmentTest, CurrentWordPacksTestAndStartTogether) {
  const uint64_t w = PackCurrent(123456, 987654321);
  EXPECT_EQ(CurrentTest(w), 123456u);
  EXPECT_EQ(CurrentStartMicros(w), 987654321u);
  EXPECT_EQ(CurrentTest(kIdleCurrent), kNoTest);
}

}  // namespace
}  // namespace mprun::shm
