// pool.hpp — a free list for the many small TensorImpls the scalar engine makes (not public).
//
// Why it exists: micrograd-style code makes one tensor per scalar op, tens of thousands per
// training step, and frees them all when the step's tape ends. With plain `new`, each op pays for
// a general-purpose malloc and free. Here, blocks of one size are cut from 64 KiB slabs and
// recycled through a per-thread free list, so making a tensor is popping a pointer. The readable
// path is simply std::make_shared<TensorImpl>(); detail::make_impl (internal.hpp) uses this
// allocator with std::allocate_shared instead, and nothing else changes.
//
// Slabs are never returned to the system (they are reused by the next step); they stay reachable
// from a global list, so leak checkers do not count them. A block freed on another thread joins
// that thread's free list, which is harmless.
#pragma once

#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

namespace ag::detail {

class BlockPool {
 public:
  static constexpr size_t kBlock = 160;  // bytes: a TensorImpl and its shared_ptr control block
  static constexpr size_t kSlab = 64 * 1024;

  static void* allocate() {
    Local& local = local_pool();
    if (local.free == nullptr) local.refill();
    FreeBlock* block = local.free;
    local.free = block->next;
    return block;
  }

  static void deallocate(void* p) {
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

}  // namespace ag::detail
