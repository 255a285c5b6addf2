// Segment: the one anonymous MAP_SHARED mapping a run shares between the
// supervisor and its workers. The supervisor creates and fills it before any
// fork; workers inherit it and check its header before use.
//
// Layout (offsets from the base, each region cache-line aligned, each ring
// page aligned):
//   header | slots[W] | deque controls[W+1] | claim words[T] | deque items[W+1][T]
//   | rings[W] {control, records[R], text[X]} | test table[T] | names
// Each deque can hold every test (a dead worker's deque may receive all the
// work that is left); untouched pages of an anonymous mapping cost nothing.
//
// Killed at any instruction: the header is written once before the first
// fork and only read afterwards; see each structure for the rest.
#ifndef MPRUN_SHM_SEGMENT_H_
#define MPRUN_SHM_SEGMENT_H_

#include <boost/interprocess/mapped_region.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "shm/atomic.h"
#include "shm/claims.h"
#include "shm/result_ring.h"
#include "shm/work_deque.h"
#include "shm/worker_slot.h"

namespace mprun::shm {

inline constexpr uint64_t kSegmentMagic = 0x4745534e5552504dull;  // "MPRUNSEG" in memory
// 2: WorkerSlot::child_group, 3: launches_ran, 4: timeout (was backtrace_written),
// 5: ResultRecord::suite_set_up_us (was attempt)
inline constexpr uint32_t kSegmentVersion = 5;

struct LayoutParams {
  uint32_t workers = 0;
  uint32_t tests = 0;
  uint32_t ring_records = 4096;
  uint32_t ring_text_bytes = 256 * 1024;
  uint64_t names_bytes = 0;  // room for the test table's names
};

struct Layout {
  uint64_t slots, deque_controls, claims, deque_items, rings, ring_stride, tests, names, total;
  // Fails (with a message naming the limit) for sizes the segment cannot hold.
  static bool Compute(const LayoutParams& p, Layout* out, std::string* err);
};

struct SegmentHeader {
  uint64_t magic;
  uint32_t version;
  uint32_t header_bytes;
  uint64_t total_bytes;
  uint32_t workers;
  uint32_t tests;
  uint32_t ring_records;
  uint32_t ring_text_bytes;
  uint64_t names_bytes;
  uint64_t epoch_ns;  // CLOCK_MONOTONIC at creation; every time in the segment is relative to it
  Atomic<uint32_t> supervisor_sleeping;  // the doorbell's word
  Atomic<uint32_t> stop;                 // nonzero: workers take no more tests
  uint32_t has_units;  // some deque item stands for several tests (written before fork)
};
MPRUN_SHARED_STRUCT(SegmentHeader);

// One test of the run, as the supervisor and driver-mode workers name it.
struct TestEntry {
  uint32_t binary;  // index into the run's list of binaries (0 in linked mode)
  uint32_t flags;
  // Tests dispatched as one unit (a suite with suite fixtures) are listed in
  // the deques by one item; item t stands for the tests [t, unit_end) still
  // unclaimed. 0 means the test is a unit of its own.
  uint32_t unit_end;
  uint32_t suite_offset;  // into the names region
  uint32_t suite_length;
  uint32_t name_offset;
  uint32_t name_length;
};
MPRUN_SHARED_STRUCT(TestEntry);

class Segment {
 public:
  // Maps and zero-fills a segment, writes its header. Null with `err` set when
  // the sizes are out of range or the mapping fails.
  static std::unique_ptr<Segment> Create(const LayoutParams& params, std::string* err);
  // What every user of a segment does before trusting it: checks magic,
  // version, size and shape against what the user expects.
  static bool CheckHeader(const void* base, size_t size, const LayoutParams& expected,
                          std::string* err);
  bool Check(std::string* err) const;

  SegmentHeader& header() { return *static_cast<SegmentHeader*>(base()); }
  const LayoutParams& params() const { return params_; }
  uint32_t workers() const { return params_.workers; }
  uint32_t tests() const { return params_.tests; }

  WorkerSlot& slot(uint32_t worker);
  // Deques 0..workers-1 belong to the workers; deque `workers()` is the
  // supervisor's: only it pushes there (re-runs, and tests handed back),
  // at any time, and workers steal from it like from any other.
  WorkDeque deque(uint32_t index);
  uint32_t deques() const { return params_.workers + 1; }
  uint32_t supervisor_deque() const { return params_.workers; }
  ClaimTable claims();
  RingView ring(uint32_t worker);

  // Supervisor, before forking: appends the next test to the table. False
  // when the table or the names region is full.
  bool AppendTest(uint32_t binary, std::string_view suite, std::string_view name);
  uint32_t tests_written() const { return tests_written_; }
  const TestEntry& test(uint32_t index) const;
  // Supervisor, before forking: tests [first, end) go out as one unit.
  void SetUnit(uint32_t first, uint32_t end);
  // End of the unit that a deque item `index` stands for (index + 1 for a
  // test that is a unit of its own). Any process.
  uint32_t UnitEnd(uint32_t index) const;
  std::string_view SuiteName(uint32_t index) const;
  std::string_view TestName(uint32_t index) const;

  // Monotonic nanoseconds since the segment's epoch (any process).
  uint64_t NowNs() const;

  void* base() const { return region_.get_address(); }
  size_t size() const { return region_.get_size(); }

 private:
  Segment(boost::interprocess::mapped_region region, const LayoutParams& params,
          const Layout& layout);
  char* at(uint64_t offset) const { return static_cast<char*>(base()) + offset; }

  boost::interprocess::mapped_region region_;
  LayoutParams params_;
  Layout layout_;
  uint32_t tests_written_ = 0;
  uint64_t names_used_ = 0;
};

// Monotonic clock in nanoseconds (CLOCK_MONOTONIC).
uint64_t MonotonicNs();

}  // namespace mprun::shm

#endif  // MPRUN_SHM_SEGMENT_H_
