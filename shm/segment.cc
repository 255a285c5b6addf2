#include "shm/segment.h"

#include <time.h>

#include <algorithm>
#include <boost/interprocess/anonymous_shared_memory.hpp>
#include <boost/interprocess/exceptions.hpp>
#include <cstring>

namespace mprun::shm {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint32_t kMaxWorkers = 4096;
constexpr uint64_t kMaxSegmentBytes = uint64_t{1} << 44;  // 16 TiB of address space

constexpr uint64_t RoundUp(uint64_t n, uint64_t to) { return (n + to - 1) / to * to; }

}  // namespace

uint64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

bool Layout::Compute(const LayoutParams& p, Layout* out, std::string* err) {
  if (p.workers == 0 || p.workers > kMaxWorkers) {
    *err = "worker count " + std::to_string(p.workers) + " out of range 1.." +
           std::to_string(kMaxWorkers);
    return false;
  }
  if (p.tests > WorkDeque::kMaxItems) {
    *err = "too many tests for one run: " + std::to_string(p.tests) + " (at most " +
           std::to_string(WorkDeque::kMaxItems) + ")";
    return false;
  }
  if (p.ring_records < 2 || p.ring_text_bytes < 64) {
    *err = "result ring too small (" + std::to_string(p.ring_records) + " records, " +
           std::to_string(p.ring_text_bytes) + " text bytes)";
    return false;
  }
  if (p.names_bytes > UINT32_MAX) {
    *err = "test names take more than 4 GiB";
    return false;
  }
  const uint64_t w = p.workers;
  const uint64_t t = std::max<uint32_t>(p.tests, 1);
  Layout l{};
  l.slots = RoundUp(sizeof(SegmentHeader), kCacheLine);
  const uint64_t d = w + 1;  // one deque per worker, and the supervisor's
  l.deque_controls = l.slots + w * sizeof(WorkerSlot);
  l.claims = l.deque_controls + d * sizeof(DequeControl);
  l.deque_items = RoundUp(l.claims + t * sizeof(uint32_t), kCacheLine);
  l.rings = RoundUp(l.deque_items + d * RoundUp(t * sizeof(uint32_t), kCacheLine), kPage);
  l.ring_stride = RoundUp(
      sizeof(RingControl) + uint64_t{p.ring_records} * sizeof(ResultRecord) + p.ring_text_bytes,
      kPage);
  l.tests = l.rings + w * l.ring_stride;
  l.names = RoundUp(l.tests + t * sizeof(TestEntry), kCacheLine);
  l.total = RoundUp(l.names + std::max<uint64_t>(p.names_bytes, 1), kPage);
  if (l.total > kMaxSegmentBytes) {
    *err = "shared segment would need " + std::to_string(l.total >> 20) + " MiB";
    return false;
  }
  *out = l;
  return true;
}

std::unique_ptr<Segment> Segment::Create(const LayoutParams& params, std::string* err) {
  Layout layout;
  if (!Layout::Compute(params, &layout, err)) return nullptr;
  boost::interprocess::mapped_region region;
  try {
    region = boost::interprocess::anonymous_shared_memory(layout.total);
  } catch (const boost::interprocess::interprocess_exception& e) {
    *err = "cannot map the shared segment (" + std::to_string(layout.total >> 20) +
           " MiB): " + e.what();
    return nullptr;
  }
  std::unique_ptr<Segment> s(new Segment(std::move(region), params, layout));
  // The mapping is fresh anonymous memory, hence zero-filled: every structure
  // starts empty (deque words 0, claims kUnclaimed, rings empty).
  SegmentHeader& h = s->header();
  h.magic = kSegmentMagic;
  h.version = kSegmentVersion;
  h.header_bytes = sizeof(SegmentHeader);
  h.total_bytes = layout.total;
  h.workers = params.workers;
  h.tests = params.tests;
  h.ring_records = params.ring_records;
  h.ring_text_bytes = params.ring_text_bytes;
  h.names_bytes = params.names_bytes;
  h.epoch_ns = MonotonicNs();
  for (uint32_t w = 0; w < params.workers; ++w) {
    s->slot(w).current.store(kIdleCurrent, std::memory_order_relaxed);
  }
  return s;
}

Segment::Segment(boost::interprocess::mapped_region region, const LayoutParams& params,
                 const Layout& layout)
    : region_(std::move(region)), params_(params), layout_(layout) {}

bool Segment::CheckHeader(const void* base, size_t size, const LayoutParams& expected,
                          std::string* err) {
  auto mismatch = [err](const char* what, uint64_t want, uint64_t got) {
    *err = std::string("shared segment header mismatch: expected ") + what + " " +
           std::to_string(want) + ", found " + std::to_string(got);
    return false;
  };
  if (base == nullptr || size < sizeof(SegmentHeader)) {
    *err = "shared segment too small to hold a header (" + std::to_string(size) + " bytes)";
    return false;
  }
  SegmentHeader h;
  std::memcpy(&h, base, sizeof h);
  if (h.magic != kSegmentMagic) return mismatch("magic", kSegmentMagic, h.magic);
  if (h.version != kSegmentVersion) return mismatch("version", kSegmentVersion, h.version);
  if (h.header_bytes != sizeof(SegmentHeader)) {
    return mismatch("header size", sizeof(SegmentHeader), h.header_bytes);
  }
  Layout layout;
  if (!Layout::Compute(expected, &layout, err)) return false;
  if (h.total_bytes != layout.total) return mismatch("total size", layout.total, h.total_bytes);
  if (h.total_bytes > size) return mismatch("mapping of at least", h.total_bytes, size);
  if (h.workers != expected.workers) return mismatch("workers", expected.workers, h.workers);
  if (h.tests != expected.tests) return mismatch("tests", expected.tests, h.tests);
  if (h.ring_records != expected.ring_records) {
    return mismatch("ring records", expected.ring_records, h.ring_records);
  }
  if (h.ring_text_bytes != expected.ring_text_bytes) {
    return mismatch("ring text bytes", expected.ring_text_bytes, h.ring_text_bytes);
  }
  if (h.names_bytes != expected.names_bytes) {
    return mismatch("names bytes", expected.names_bytes, h.names_bytes);
  }
  return true;
}

bool Segment::Check(std::string* err) const { return CheckHeader(base(), size(), params_, err); }

WorkerSlot& Segment::slot(uint32_t worker) {
  return reinterpret_cast<WorkerSlot*>(at(layout_.slots))[worker];
}

WorkDeque Segment::deque(uint32_t index) {
  auto* controls = reinterpret_cast<DequeControl*>(at(layout_.deque_controls));
  const uint64_t stride = RoundUp(uint64_t{std::max<uint32_t>(params_.tests, 1)} * 4, kCacheLine);
  auto* items = reinterpret_cast<Atomic<uint32_t>*>(at(layout_.deque_items + index * stride));
  return WorkDeque(&controls[index], items, std::max<uint32_t>(params_.tests, 1));
}

ClaimTable Segment::claims() {
  return ClaimTable(reinterpret_cast<Atomic<uint32_t>*>(at(layout_.claims)), params_.tests);
}

RingView Segment::ring(uint32_t worker) {
  char* r = at(layout_.rings + worker * layout_.ring_stride);
  RingView v;
  v.control = reinterpret_cast<RingControl*>(r);
  v.records = reinterpret_cast<ResultRecord*>(r + sizeof(RingControl));
  v.record_capacity = params_.ring_records;
  v.text = r + sizeof(RingControl) + uint64_t{params_.ring_records} * sizeof(ResultRecord);
  v.text_capacity = params_.ring_text_bytes;
  return v;
}

bool Segment::AppendTest(uint32_t binary, std::string_view suite, std::string_view name) {
  if (tests_written_ >= params_.tests) return false;
  auto* table = reinterpret_cast<TestEntry*>(at(layout_.tests));
  TestEntry e{};
  e.binary = binary;
  // Consecutive tests of one suite share its name.
  if (tests_written_ > 0 && SuiteName(tests_written_ - 1) == suite) {
    e.suite_offset = table[tests_written_ - 1].suite_offset;
  } else {
    if (names_used_ + suite.size() > params_.names_bytes) return false;
    std::memcpy(at(layout_.names + names_used_), suite.data(), suite.size());
    e.suite_offset = static_cast<uint32_t>(names_used_);
    names_used_ += suite.size();
  }
  e.suite_length = static_cast<uint32_t>(suite.size());
  if (names_used_ + name.size() > params_.names_bytes) return false;
  std::memcpy(at(layout_.names + names_used_), name.data(), name.size());
  e.name_offset = static_cast<uint32_t>(names_used_);
  e.name_length = static_cast<uint32_t>(name.size());
  names_used_ += name.size();
  table[tests_written_++] = e;
  return true;
}

const TestEntry& Segment::test(uint32_t index) const {
  return reinterpret_cast<const TestEntry*>(at(layout_.tests))[index];
}

void Segment::SetUnit(uint32_t first, uint32_t end) {
  if (end <= first + 1) return;  // a unit of its own: unit_end 0 says so
  header().has_units = 1;
  auto* table = reinterpret_cast<TestEntry*>(at(layout_.tests));
  for (uint32_t t = first; t < end && t < params_.tests; ++t) table[t].unit_end = end;
}

uint32_t Segment::UnitEnd(uint32_t index) const {
  const uint32_t end = test(index).unit_end;
  // A wild value cannot make a worker claim outside the table or backwards.
  return end > index && end <= params_.tests ? end : index + 1;
}

std::string_view Segment::SuiteName(uint32_t index) const {
  const TestEntry& e = test(index);
  return {at(layout_.names + e.suite_offset), e.suite_length};
}

std::string_view Segment::TestName(uint32_t index) const {
  const TestEntry& e = test(index);
  return {at(layout_.names + e.name_offset), e.name_length};
}

uint64_t Segment::NowNs() const {
  return MonotonicNs() - static_cast<const SegmentHeader*>(base())->epoch_ns;
}

}  // namespace mprun::shm
