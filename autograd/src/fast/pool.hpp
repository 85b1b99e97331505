// fast/pool.hpp — recycled memory for tensors. SPEED CODE: skip on first reading.
//
// Two pools, one reason.
//
// Training makes the same tensors every step: a new tape, the same ops, the same shapes, all
// freed when the step ends. Going back to malloc for each of them costs more than the arithmetic
// for small tensors, and for large ones the C library hands freed memory back to the system at
// the end of each step and page-faults it in again at the next (the nn benchmarks spent about a
// fifth of their time there). So freed memory is kept, per thread, for the next step:
//
//   BlockPool  one size of block, for TensorImpl objects (one per op);
//   ArrayPool  the number arrays of tensors with two or more elements, kept by exact size
//              (a training step asks for the same sizes again), up to kMaxCachedBytes.
//
// Why it exists: micrograd-style code makes one tensor per scalar op, tens of thousands per
// training step, and frees them all when the step's tape ends. With plain `new`, each op pays for
// a general-purpose malloc and free. Here, blocks of one size are cut from 64 KiB slabs and
// recycled through a per-thread free list, so making a tensor is popping a pointer. The readable
// path is simply std::make_shared<TensorImpl>(); new_tensor_impl() below, which
// detail::make_impl (op_support.hpp) calls, uses this allocator with std::allocate_shared
// instead, and nothing else changes. tests/autograd/fast_test.cpp holds pooled against fresh.
//
// Slabs are never returned to the system (they are reused by the next step); they stay reachable
// from a global list, so leak checkers do not count them. A block freed on another thread joins
// that thread's free list, which is harmless.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "autograd/tensor.hpp"

namespace ag::detail::fast {

// Under AddressSanitizer the pools step aside: every block and array comes from operator new and
// goes back to operator delete. A pool hands freed memory to the next tensor, so a read of a
// dead tensor's numbers would quietly see another tensor's instead of being reported; the
// sanitizer builds (./run sanitize, ./run fuzz) are there to report it. (GCC says ASan with
// __SANITIZE_ADDRESS__, clang with __has_feature.)
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kPoolsStepAside = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kPoolsStepAside = true;
#else
inline constexpr bool kPoolsStepAside = false;
#endif
#else
inline constexpr bool kPoolsStepAside = false;
#endif

class BlockPool {
 public:
  static constexpr size_t kBlock = 112;  // bytes: a TensorImpl and its shared_ptr control block
  // (Slabs come from operator new, aligned for any type; so is every block, being a multiple.)
  static_assert(kBlock % alignof(std::max_align_t) == 0);
  static constexpr size_t kSlab = 64 * 1024;

  static void* allocate() {
    if constexpr (kPoolsStepAside) return ::operator new(kBlock);
    Local& local = local_pool();
    if (local.free == nullptr) local.refill();
    FreeBlock* block = local.free;
    local.free = block->next;
    return block;
  }

  static void deallocate(void* p) {
    if constexpr (kPoolsStepAside) return ::operator delete(p);
    Local& local = local_pool();
    auto* block = static_cast<FreeBlock*>(p);
    block->next = local.free;
    local.free = block;
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct Local {
    FreeBlock* free = nullptr;
    void refill() {
      char* slab = static_cast<char*>(::operator new(kSlab));
      {
        std::lock_guard lock(slabs_mutex());
        slabs().push_back(slab);
      }
      for (size_t at = kSlab / kBlock; at-- > 0;) {  // thread the slab onto the free list
        auto* block = reinterpret_cast<FreeBlock*>(slab + at * kBlock);
        block->next = free;
        free = block;
      }
    }
  };
  static Local& local_pool() {
    thread_local Local local;
    return local;
  }
  static std::vector<char*>& slabs() {
    static auto* all = new std::vector<char*>();  // never destroyed: blocks may outlive statics
    return *all;
  }
  static std::mutex& slabs_mutex() {
    static auto* m = new std::mutex();
    return *m;
  }
};

// Arrays of doubles, recycled by exact size. Memory parked here was touched in an earlier step
// and is wanted again, so keeping it does not raise the peak memory of a training loop; the cap
// stops a one-off giant tensor from being held forever.
class ArrayPool {
 public:
  static constexpr size_t kMaxCachedBytes = size_t{256} << 20;
  // Every array starts on a cache line (64 bytes): AVX-512 loads and stores of 64 bytes then
  // never straddle two lines, and every run of a program sees the same alignment.
  static constexpr std::align_val_t kAlign{64};

  static double* allocate(size_t n) {
    if constexpr (kPoolsStepAside) {
      return static_cast<double*>(::operator new(n * sizeof(double), kAlign));
    }
    Local* local = local_pool();
    if (local != nullptr) {
      auto it = local->free.find(n);
      if (it != local->free.end() && !it->second.empty()) {
        double* p = it->second.back();
        it->second.pop_back();
        local->cached_bytes -= n * sizeof(double);
        return p;
      }
    }
    return static_cast<double*>(::operator new(n * sizeof(double), kAlign));
  }

  static void deallocate(double* p, size_t n) {
    if constexpr (kPoolsStepAside) return ::operator delete(p, kAlign);
    Local* local = local_pool();
    if (local == nullptr || local->cached_bytes + n * sizeof(double) > kMaxCachedBytes) {
      ::operator delete(p, kAlign);
      return;
    }
    local->free[n].push_back(p);
    local->cached_bytes += n * sizeof(double);
  }

 private:
  struct Local {
    std::unordered_map<size_t, std::vector<double*>> free;
    size_t cached_bytes = 0;
    Local() = default;
    Local(const Local&) = delete;  // it owns the blocks on its lists
    Local& operator=(const Local&) = delete;
    ~Local() {
      for (auto& [n, list] : free)
        for (double* p : list) ::operator delete(p, kAlign);
      gone() = true;  // tensors freed after this (statics at exit) go straight to delete
    }
  };
  static bool& gone() {
    thread_local bool flag = false;  // trivially destructible: still readable after ~Local
    return flag;
  }
  static Local* local_pool() {
    if (gone()) return nullptr;
    thread_local Local local;
    return &local;
  }
};

// A standard allocator over BlockPool for objects that fit a block (others use operator new).
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    if (n == 1 && sizeof(T) <= BlockPool::kBlock && alignof(T) <= alignof(std::max_align_t)) {
      return static_cast<T*>(BlockPool::allocate());
    }
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if (n == 1 && sizeof(T) <= BlockPool::kBlock && alignof(T) <= alignof(std::max_align_t)) {
      BlockPool::deallocate(p);
    } else {
      ::operator delete(p);
    }
  }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const {
    return true;
  }
};

// std::make_shared<TensorImpl>(), with the object and its control block from BlockPool.
inline std::shared_ptr<TensorImpl> new_tensor_impl() {
  // The control block of allocate_shared holds the TensorImpl plus two 4-byte counts and a
  // vtable pointer (libstdc++). A larger block would still work, from operator new: slower.
  static_assert(sizeof(TensorImpl) + 16 <= BlockPool::kBlock, "TensorImpl outgrew its pool block");
  return std::allocate_shared<TensorImpl>(PoolAllocator<TensorImpl>{});
}

}  // namespace ag::detail::fast
