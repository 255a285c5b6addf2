// ResultRing: order, wrap-around, back-pressure, long texts, and what a
// producer killed mid-write leaves behind (simulated here; the real SIGKILL
// case is in shm_process_test.cc).
#include "shm/result_ring.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "shm/segment.h"

namespace mprun::shm {
namespace {

std::unique_ptr<Segment> MakeSegment(uint32_t records, uint32_t text_bytes) {
  std::string err;
  LayoutParams p;
  p.workers = 1;
  p.tests = 1;
  p.ring_records = records;
  p.ring_text_bytes = text_bytes;
  auto s = Segment::Create(p, &err);
  EXPECT_NE(s, nullptr) << err;
  return s;
}

ResultRecord Rec(uint32_t test) {
  ResultRecord r{};
  r.test = test;
  r.kind = static_cast<uint8_t>(RecordKind::kTestResult);
  r.duration_ns = test * 10;
  return r;
}

std::string TextFor(uint32_t i) { return std::string(i % 300, static_cast<char>('a' + i % 26)); }

struct Got {
  uint32_t test;
  std::string text;
  uint16_t flags;
  uint32_t full_len;
};

std::vector<Got> DrainAll(RingConsumer& c) {
  std::vector<Got> out;
  c.Drain([&](const ResultRecord& r, std::string_view text) {
    out.push_back({r.test, std::string(text), r.flags, r.text_full_len});
  });
  return out;
}

TEST(ResultRingTest, RecordsComeOutInOrderWithTheirText) {
  auto seg = MakeSegment(8, 256);
  RingProducer p(seg->ring(0), nullptr);
  RingConsumer c(seg->ring(0));
  p.Write(Rec(1), "first failure");
  p.Write(Rec(2), "");
  p.Write(Rec(3), "third");
  auto got = DrainAll(c);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].test, 1u);
  EXPECT_EQ(got[0].text, "first failure");
  EXPECT_EQ(got[1].text, "");
  EXPECT_EQ(got[2].text, "third");
  EXPECT_TRUE(DrainAll(c).empty());
}

TEST(ResultRingTest, RecordsAndTextWrapAroundManyTimes) {
  auto seg = MakeSegment(16, 1024);
  RingProducer p(seg->ring(0), nullptr);
  RingConsumer c(seg->ring(0));
  uint32_t next_expected = 0;
  for (uint32_t i = 0; i < 20000; ++i) {
    // Drain whenever the next write might not fit, so Write never blocks here.
    if (c.SizeGuess() >= 3) {
      for (const Got& g : DrainAll(c)) {
        ASSERT_EQ(g.test, next_expected);
        ASSERT_EQ(g.text, TextFor(next_expected));
        ++next_expected;
      }
    }
    p.Write(Rec(i), TextFor(i));
  }
  for (const Got& g : DrainAll(c)) {
    ASSERT_EQ(g.test, next_expected);
    ASSERT_EQ(g.text, TextFor(next_expected));
    ++next_expected;
  }
  EXPECT_EQ(next_expected, 20000u);
  EXPECT_EQ(c.dropped(), 0u);
}

TEST(ResultRingTest, FullRingBlocksTheProducerUntilTheConsumerDrains) {
  auto seg = MakeSegment(4, 512);
  std::atomic<int> asked{0};
  constexpr uint32_t kCount = 5000;
  std::thread producer([&] {
    RingProducer p(seg->ring(0), [&] { asked.fetch_add(1); });
    for (uint32_t i = 0; i < kCount; ++i) p.Write(Rec(i), TextFor(i));
  });
  RingConsumer c(seg->ring(0));
  uint32_t next = 0;
  int asked_before = 0;
  while (next < kCount) {
    // Drain only when the producer is stuck on a full ring (records or text)
    // and has asked, or has finished: it must block many times.
    while (asked.load() == asked_before && next + c.SizeGuess() < kCount) {
      std::this_thread::yield();
    }
    asked_before = asked.load();
    for (const Got& g : DrainAll(c)) {
      ASSERT_EQ(g.test, next);
      ASSERT_EQ(g.text, TextFor(next));
      ++next;
    }
  }
  producer.join();
  EXPECT_GT(asked.load(), 0) << "the producer never met a full ring";
}

TEST(ResultRingTest, MessageLongerThanARecordArrivesWhole) {
  auto seg = MakeSegment(4, 4096);
  RingProducer p(seg->ring(0), nullptr);
  RingConsumer c(seg->ring(0));
  std::string message;
  for (int i = 0; i < 100; ++i) message += "line " + std::to_string(i) + " of a long failure\n";
  ASSERT_GT(message.size(), sizeof(ResultRecord) * 10);
  p.Write(Rec(5), message);
  auto got = DrainAll(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, message);
  EXPECT_EQ(got[0].flags & kRecordTextTruncated, 0);
}

TEST(ResultRingTest, MessageLongerThanTheTextAreaIsTruncatedAndSaysSo) {
  auto seg = MakeSegment(4, 256);
  RingProducer p(seg->ring(0), nullptr);
  RingConsumer c(seg->ring(0));
  const std::string message(1000, 'x');
  p.Write(Rec(1), message);
  auto got = DrainAll(c);  // the text area is full now
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, std::string(256, 'x'));
  EXPECT_NE(got[0].flags & kRecordTextTruncated, 0);
  EXPECT_EQ(got[0].full_len, 1000u);
  p.Write(Rec(2), "after");
  got = DrainAll(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, "after");
  EXPECT_EQ(got[0].flags & kRecordTextTruncated, 0);
}

TEST(ResultRingTest, HalfWrittenRecordOfADeadProducerStaysInvisible) {
  auto seg = MakeSegment(8, 256);
  RingView v = seg->ring(0);
  {
    RingProducer p(v, nullptr);
    p.Write(Rec(1), "complete");
  }
  // What a producer killed mid-write leaves: bytes in the next record slot
  // and in the text area, but no store to head.
  std::memset(&v.records[1], 0xAB, sizeof(ResultRecord) / 2);
  std::memcpy(v.text + 8, "garbage", 7);
  RingConsumer c(v);
  auto got = DrainAll(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, "complete");
  EXPECT_TRUE(DrainAll(c).empty());
  // The supervisor resets the ring for the replacement producer.
  c.Reset();
  RingProducer replacement(v, nullptr);
  replacement.Write(Rec(2), "fresh");
  got = DrainAll(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].test, 2u);
  EXPECT_EQ(got[0].text, "fresh");
}

TEST(ResultRingTest, RecordWhoseTextDoesNotLineUpIsDroppedNotTrusted) {
  auto seg = MakeSegment(8, 256);
  RingView v = seg->ring(0);
  RingProducer p(v, nullptr);
  p.Write(Rec(1), "ok");
  // A wild write publishes a record claiming text far away.
  ResultRecord bad = Rec(2);
  bad.text_pos = 9999;
  bad.text_len = 10;
  bad.text_full_len = 10;
  std::memcpy(&v.records[1], &bad, sizeof bad);
  v.control->head.store(2, std::memory_order_release);
  RingConsumer c(v);
  auto got = DrainAll(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].test, 1u);
  EXPECT_EQ(c.dropped(), 1u);
}

}  // namespace
}  // namespace mprun::shm
