// fast/buffer.hpp — Buffer, the numbers of one tensor. SPEED CODE: skip on first reading.
//
// Everything under a `fast/` folder exists only to make the engine faster; the engine would give
// the same numbers without it (autograd/src/fast/README.md). Read a Buffer as a
// std::vector<double>: data(), size(), empty(), span(), operator[], and a copy is a deep copy.
//
// Why it is not one: a std::vector allocates even for one number, and the scalar engine makes
// tens of thousands of one-number tensors per training step. So a Buffer keeps a single number
// inline and only goes to the heap for two or more (a "small-buffer optimisation"). The inline
// number and the heap pointer share their 8 bytes (a union): size_ says which one is meant. Heap
// arrays come from ArrayPool (fast/pool.hpp). tests/autograd/fast_test.cpp holds a Buffer of
// each size against a std::vector<double> doing the same things.
#pragma once

#include <cstddef>
#include <span>

namespace ag {

class Buffer {  // NOLINT(cppcoreguidelines-special-member-functions): see operator=
 public:
  // (The one-number paths are inline, here: every op of the scalar engine makes a result and a
  // gradient, so these run hundreds of thousands of times a step. The heap paths are in
  // buffer.cpp.)
  Buffer() = default;
  explicit Buffer(size_t n, double fill = 0.0) : size_(n) {
    if (n > 1) {
      allocate_filled(fill);
    } else {
      local_ = fill;
    }
  }
  // n numbers left unset, for an op that is about to write every one of them.
  static Buffer uninitialized(size_t n) {
    Buffer b;
    b.size_ = n;
    if (n > 1) b.allocate();
    return b;
  }
  Buffer(const Buffer& other);
  // Takes over other's numbers (its heap array, or its one number); other is left empty.
  Buffer(Buffer&& other) noexcept : size_(other.size_) { take(other); }
  // One assignment for copies and moves (copy-and-swap): `other` is the copy, or the moved-from.
  // Ours are released, then other's numbers taken over.
  Buffer& operator=(Buffer other) noexcept {
    if (size_ > 1) release();
    size_ = other.size_;
    take(other);
    return *this;
  }
  ~Buffer() {
    if (size_ > 1) release();  // a one-number buffer has nothing to free: no call
  }

  double* data() { return size_ <= 1 ? &local_ : heap_; }
  const double* data() const { return size_ <= 1 ? &local_ : heap_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  double& operator[](size_t i) { return data()[i]; }
  double operator[](size_t i) const { return data()[i]; }
  std::span<double> span() { return {data(), size_}; }
  std::span<const double> span() const { return {data(), size_}; }
  void clear() {
    if (size_ > 1) release();
    size_ = 0;
  }
  // Adds other (of the same size) into these numbers, element by element. Through pointers, not
  // []: a store through [] may overwrite the data pointer as far as the compiler knows (the
  // pointer shares a union with a number), so `a[j] += b[j]` would read it again every time and
  // never be vectorised.
  Buffer& operator+=(const Buffer& other) {
    double* sum = data();
    const double* add = other.data();
    for (size_t j = 0; j < size_; ++j) sum[j] += add[j];
    return *this;
  }

 private:
  void allocate();                    // a heap array of size_ numbers; only when size_ > 1
  void allocate_filled(double fill);  // the same, every number set to fill
  void release();                     // gives the heap array back; only when size_ > 1
  // Moves other's numbers into this buffer, whose size_ is already other's; empties other.
  void take(Buffer& other) noexcept {
    if (size_ > 1) {
      heap_ = other.heap_;
    } else {
      local_ = other.local_;
    }
    other.size_ = 0;  // other no longer owns the array
  }
  union {
    double* heap_;        // size_ >= 2: the numbers are here
    double local_ = 0.0;  // size_ <= 1: the number itself
  };
  size_t size_ = 0;
};

}  // namespace ag
