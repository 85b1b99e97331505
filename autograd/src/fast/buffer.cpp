// fast/buffer.cpp — Buffer's heap paths (the one-number paths are inline in the header). SPEED
// CODE: skip on first reading; see autograd/include/autograd/fast/buffer.hpp.
#include "autograd/fast/buffer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fast/pool.hpp"

namespace ag {

void Buffer::allocate() { heap_ = detail::fast::ArrayPool::allocate(size_); }

void Buffer::allocate_filled(double fill) {
  allocate();
  // Zeros (every fresh gradient) by memset, the C library's fastest loop: +0.0 is all zero bits.
  if (fill == 0.0 && !std::signbit(fill)) {
    std::memset(heap_, 0, size_ * sizeof(double));
  } else {
    std::fill_n(heap_, size_, fill);
  }
}

Buffer::Buffer(const Buffer& other) : size_(other.size_) {
  if (size_ > 1) {
    allocate();
    std::memcpy(heap_, other.heap_, size_ * sizeof(double));
  } else {
    local_ = other.local_;
  }
}

void Buffer::release() {
  detail::fast::ArrayPool::deallocate(heap_, size_);
  local_ = 0.0;
}

}  // namespace ag
