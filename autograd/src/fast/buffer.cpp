// fast/buffer.cpp — Buffer's copy and move by hand (the union needs it). SPEED CODE: skip on
// first reading; see autograd/include/autograd/fast/buffer.hpp.
#include "autograd/fast/buffer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fast/pool.hpp"

namespace ag {

Buffer::Buffer(size_t n, double fill) : size_(n) {
  if (n > 1) {
    heap_ = detail::fast::ArrayPool::allocate(n);
    // Zeros (every fresh gradient) by memset, the C library's fastest loop: +0.0 is all zero bits.
    if (fill == 0.0 && !std::signbit(fill))
      std::memset(heap_, 0, n * sizeof(double));
    else
      std::fill_n(heap_, n, fill);
  } else {
    local_ = fill;
  }
}

Buffer Buffer::uninitialized(size_t n) {
  Buffer b;
  b.size_ = n;
  if (n > 1) b.heap_ = detail::fast::ArrayPool::allocate(n);
  return b;
}

Buffer::Buffer(const Buffer& other) : size_(other.size_) {
  if (size_ > 1) {
    heap_ = detail::fast::ArrayPool::allocate(size_);
    std::memcpy(heap_, other.heap_, size_ * sizeof(double));
  } else {
    local_ = other.local_;
  }
}

// Takes over other's numbers (its heap array, or its one number); other is left empty.
Buffer::Buffer(Buffer&& other) noexcept : size_(other.size_) {
  if (size_ > 1)
    heap_ = other.heap_;
  else
    local_ = other.local_;
  other.size_ = 0;  // other no longer owns the array
}

// `other` is a copy (or a moved-from original): release ours, then take over its numbers.
Buffer& Buffer::operator=(Buffer other) noexcept {
  if (size_ > 1) release();
  size_ = other.size_;
  if (size_ > 1)
    heap_ = other.heap_;
  else
    local_ = other.local_;
  other.size_ = 0;
  return *this;
}

void Buffer::release() {
  detail::fast::ArrayPool::deallocate(heap_, size_);
  local_ = 0.0;
}

}  // namespace ag
