// Segment: layout, header checks with clear errors, the test table.
#include "shm/segment.h"

#include <gtest/gtest.h>

#include <cstring>

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
