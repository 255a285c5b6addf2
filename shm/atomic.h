// The only atomic type allowed inside the shared segment, and the checks that
// make a struct fit to live there. Any process that maps the segment may use it.
//
// Why not std::atomic<T> members: a struct holding std::atomic is not
// trivially copyable, so "every shared struct is trivially copyable, standard
// layout and pointer-free" could not be static_assert-ed. Atomic<T> is a plain
// integer field that can only be reached through std::atomic_ref, which has the
// same code generation and is understood by ThreadSanitizer.
#ifndef MPRUN_SHM_ATOMIC_H_
#define MPRUN_SHM_ATOMIC_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace mprun::shm {

inline constexpr std::size_t kCacheLine = 64;

// Across processes only lock-free atomics of at most 8 bytes work: a lock-based
// atomic would keep its lock in process-private memory. Every Atomic<T>
// instantiation proves this at compile time.
template <typename T>
class Atomic {
  static_assert(std::is_integral_v<T>, "shared atomics hold integers only");
  static_assert(sizeof(T) <= 8, "shared atomics must be 8 bytes or less");
  static_assert(std::atomic_ref<T>::is_always_lock_free, "shared atomics must be always lock-free");

 public:
  T load(std::memory_order mo) const { return Ref().load(mo); }
  void store(T v, std::memory_order mo) { Ref().store(v, mo); }
  T exchange(T v, std::memory_order mo) { return Ref().exchange(v, mo); }
  T fetch_add(T v, std::memory_order mo) { return Ref().fetch_add(v, mo); }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure) {
    return Ref().compare_exchange_strong(expected, desired, success, failure);
  }
  // For futex(2), which needs the address of a 32-bit word.
  void* address() { return &v_; }

 private:
  std::atomic_ref<T> Ref() const { return std::atomic_ref<T>(const_cast<T&>(v_)); }
  alignas(std::atomic_ref<T>::required_alignment) T v_;
};

// A struct may live in the segment when it is trivially copyable (no hidden
// state, fine to map in any process), standard layout (offsets are stable) and
// trivially default-constructible (the segment is zero-filled memory, never
// constructed). "Pointer-free" cannot be checked by the compiler: shared structs
// hold integers, Atomic<integer> and arrays of them only, by convention, and
// every offset into the segment is relative to its base.
template <typename T>
inline constexpr bool kFitsSegment = std::is_trivially_copyable_v<T>&&
    std::is_standard_layout_v<T>&& std::is_trivially_default_constructible_v<T>;

#define MPRUN_SHARED_STRUCT(T)                 \
  static_assert(::mprun::shm::kFitsSegment<T>, \
                #T " must be trivially copyable and standard layout to be shared")

}  // namespace mprun::shm

#endif  // MPRUN_SHM_ATOMIC_H_
