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
// from a global list, so leak checkers do not count them.
//
// Threads. A block freed on another thread joins that thread's free list. If one thread makes
// tensors and another frees them (a data-loading thread handing batches to a training thread),
// the maker would take a new slab for every 585 tensors and the freeing thread's list would grow
// without end. So a thread keeps at most two batches of free blocks (kBatch each, as Bonwick's
// "magazines"): when its list reaches a batch it is set aside whole, and when a second batch is
// full the first goes to a shared list under a lock, where a thread that runs out takes it back
// before it cuts a new slab. A thread that frees what it made meets the lock at most once per
// kBatch blocks of difference (a whole tape freed at the end of a step), and its fast paths only
// count; at its exit its lists go to the shared one. tests/autograd/threading_test.cpp holds a
// producer and a consumer to the bound. (The ArrayPool below needs no shared list: a thread keeps
// only the frees that balance its own allocations, "Which frees are kept", up to kMaxCachedBytes,
// and hands the rest back to operator delete.)
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
  static constexpr size_t kBlocksPerSlab = kSlab / kBlock;  // 585
  // The most free blocks a thread keeps is two batches (see "Threads" above): 512 KiB.
  static constexpr size_t kBatch = 4 * kBlocksPerSlab;

  // The fast paths pop and push on this thread's list and nothing else; everything rarer (an
  // empty list, a full batch, a thread's first and last use) is out of line, below.
  static void* allocate() {
    if constexpr (kPoolsStepAside) return ::operator new(kBlock);
    Local& local = local_pool();
    FreeBlock* block = local.free;
    if (block == nullptr) [[unlikely]]
      return allocate_from_elsewhere();
    local.free = block->next;
    --local.count;
    return block;
  }

  static void deallocate(void* p) {
    if constexpr (kPoolsStepAside) return ::operator delete(p);
    Local& local = local_pool();
    auto* block = static_cast<FreeBlock*>(p);
    block->next = local.free;
    local.free = block;
    if (++local.count >= local.limit) [[unlikely]]
      list_reached_limit();
  }

  // How many slabs all threads have cut so far (tests/autograd/threading_test.cpp).
  static size_t slab_count() {
    std::lock_guard lock(mutex());
    return slabs().size();
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct Chain {  // a linked list of free blocks and its length
    FreeBlock* head;
    size_t count;
  };
  // One thread's free blocks. Trivially destructible, so it is reached without a guard (and is
  // still there while the thread's other destructors free tensors); Owner below hands its
  // blocks to the shared list when the thread ends.
  struct Local {
    FreeBlock* free = nullptr;  // count blocks, fewer than kBatch
    size_t count = 0;
    size_t limit = 0;           // kBatch once Owner is set up; 0 before, and after the thread's end
    FreeBlock* full = nullptr;  // a batch set aside: exactly kBatch blocks, or none
    bool gone = false;          // the thread is ending: Owner's destructor has run
  };
  static Local& local_pool() {
    thread_local Local local;
    return local;
  }
  struct Owner {
    Owner() = default;
    Owner(const Owner&) = delete;
    Owner& operator=(const Owner&) = delete;
    ~Owner() {
      Local& local = local_pool();
      if (local.free != nullptr) share({local.free, local.count});
      if (local.full != nullptr) share({local.full, kBatch});
      local = Local{.free = nullptr, .count = 0, .limit = 0, .full = nullptr, .gone = true};
    }
  };
  // The first time a thread gets here, its Owner is made (and its destructor registered).
  static void own_local_pool() {
    thread_local Owner owner;
    local_pool().limit = kBatch;
  }

  // The list is empty: the batch set aside, else a batch from the shared list, else a new slab;
  // then allocate()'s pop.
  [[gnu::noinline]] static void* allocate_from_elsewhere() {
    Local& local = local_pool();
    if (local.gone) return ::operator new(kBlock);  // a tensor made by a destructor at exit
    if (local.limit == 0) own_local_pool();
    if (local.full != nullptr) {
      local.free = local.full;
      local.count = kBatch;
      local.full = nullptr;
    } else {
      std::lock_guard lock(mutex());
      if (!shared().empty()) {
        local.free = shared().back().head;
        local.count = shared().back().count;
        shared().pop_back();
      } else {
        char* slab = static_cast<char*>(::operator new(kSlab));
        slabs().push_back(slab);
        for (size_t at = kBlocksPerSlab; at-- > 0;) {  // thread the slab onto the free list
          auto* block = reinterpret_cast<FreeBlock*>(slab + at * kBlock);
          block->next = local.free;
          local.free = block;
        }
        local.count = kBlocksPerSlab;
      }
    }
    FreeBlock* block = local.free;
    local.free = block->next;
    --local.count;
    return block;
  }

  // The list has reached a batch: set it aside, sending the batch set aside before to the
  // shared list. (Or this is the thread's first free, or it is ending.)
  [[gnu::noinline]] static void list_reached_limit() {
    Local& local = local_pool();
    if (local.gone) {  // a tensor freed by a destructor at exit: straight to the shared list
      share({local.free, local.count});
      local.free = nullptr;
      local.count = 0;
      return;
    }
    if (local.limit == 0) {
      own_local_pool();
      if (local.count < local.limit) return;
    }
    if (local.full != nullptr) share({local.full, kBatch});
    local.full = local.free;
    local.free = nullptr;
    local.count = 0;
  }

  static void share(Chain chain) {
    std::lock_guard lock(mutex());
    shared().push_back(chain);
  }
  // Never destroyed, all three: blocks may outlive statics.
  static std::vector<char*>& slabs() {
    static auto* all = new std::vector<char*>();
    return *all;
  }
  static std::vector<Chain>& shared() {
    static auto* chains = new std::vector<Chain>();
    return *chains;
  }
  static std::mutex& mutex() {  // guards slabs() and shared()
    static auto* m = new std::mutex();
    return *m;
  }
};

// Arrays of doubles, recycled by exact size. Memory parked here was touched in an earlier step
// and is wanted again, so keeping it does not raise the peak memory of a training loop; the cap
// stops a one-off giant tensor from being held forever.
//
// Which frees are kept. A thread's cache is for that thread's next allocations, so a free is
// kept only if it balances an allocation of the same size: for each size n, `out` counts the
// arrays of size n the thread has handed out (from its cache or from operator new) and not had
// back, and a free of size n on the thread is cached only while out is above zero. A training
// loop frees what it allocated, so every free is kept and the next step finds them all, as
// before. A thread that only frees (a consumer of tensors another thread made) has nothing out,
// so it keeps nothing: its frees go straight to operator delete. The count is by size, not by
// array: an array made elsewhere may take the place of one of the thread's own, which then goes
// to operator delete when it comes back. Either way a thread never keeps more arrays of a size
// than it once had out at the same time. (Nor does the count cost a lookup: it lives in the same
// map entry as the list. A thread that only allocates keeps a count per size it made, a few
// bytes each, and nothing else.)
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
      auto it = local->sizes.find(n);
      if (it == local->sizes.end()) it = local->sizes.try_emplace(n).first;  // a size new here
      SizeClass& size = it->second;
      ++size.out;
      if (!size.free.empty()) {
        double* p = size.free.back();
        size.free.pop_back();
        local->cached_bytes -= n * sizeof(double);
        return p;
      }
    }
    return static_cast<double*>(::operator new(n * sizeof(double), kAlign));
  }

  static void deallocate(double* p, size_t n) {
    if constexpr (kPoolsStepAside) return ::operator delete(p, kAlign);
    Local* local = local_pool();
    if (local == nullptr) return ::operator delete(p, kAlign);
    auto it = local->sizes.find(n);
    if (it == local->sizes.end() || it->second.out == 0) {  // balances no allocation of ours
      ::operator delete(p, kAlign);
      return;
    }
    SizeClass& size = it->second;
    --size.out;
    if (local->cached_bytes + n * sizeof(double) > kMaxCachedBytes) {
      ::operator delete(p, kAlign);
      return;
    }
    size.free.push_back(p);
    local->cached_bytes += n * sizeof(double);
  }

  // The bytes of freed arrays this thread keeps (tests/autograd/threading_test.cpp, fast_test.cpp).
  static size_t cached_bytes() {
    const Local* local = local_pool();
    return local == nullptr ? 0 : local->cached_bytes;
  }

 private:
  struct SizeClass {            // this thread's arrays of one size
    std::vector<double*> free;  // freed, kept for the next allocate
    size_t out = 0;             // handed out and not had back (see "Which frees are kept")
  };
  struct Local {
    std::unordered_map<size_t, SizeClass> sizes;
    size_t cached_bytes = 0;
    Local() = default;
    Local(const Local&) = delete;  // it owns the blocks on its lists
    Local& operator=(const Local&) = delete;
    ~Local() {
      for (auto& [n, size] : sizes)
        for (double* p : size.free) ::operator delete(p, kAlign);
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
