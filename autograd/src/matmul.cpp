// matmul.cpp — matrix multiply, on OpenBLAS, with the triple loop beside it.
//
//   result[m, n] = sum_k self[m, k] * other[k, n]
//   d self  = grad @ other^T       (each self[m, k] met every other[k, n] along row m)
//   d other = self^T @ grad
//
// A batched [B, M, K] @ [K, N] is the same thing: contiguous rows make it one [B*M, K] matrix.
// The readable reference is matmul_reference; the op calls cblas_dgemm (fast/gemm.hpp), and a
// test holds the two equal. Backward calls it with its transpose flags and beta = 1: `+=`.
#include <fmt/format.h>

#include "autograd/op_info.hpp"
#include "autograd/ops.hpp"
#include "fast/gemm.hpp"
#include "op_support.hpp"

namespace ag {

void matmul_reference(const double* a, const double* b, double* c, int64_t m, int64_t k,
                      int64_t n) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double total = 0.0;
      for (int64_t p = 0; p < k; ++p) total += a[i * k + p] * b[p * n + j];
      c[i * n + j] = total;
    }
}

namespace {
using detail::fast::gemm;  // C = op(A) @ op(B) + beta * C on OpenBLAS: fast/gemm.hpp

// The rows of self: every axis but the last, multiplied (all batches together).
int64_t rows_of(const Shape& self) {
  int64_t rows = 1;
  for (size_t r = 0; r + 1 < self.size(); ++r) rows *= self[r];
  return rows;
}

// Backward through the product A @ B of inputs a and a + 1 ([M, K] @ [K, N]), shared by matmul
// and addmm. dgemm with beta = 1 adds into the gradients: `+=`.
void product_backward(const Tape& tape, const Node& node, size_t a, int64_t m, int64_t k,
                      int64_t n) {
  const double* grad = node.out->grad.data();
  if (double* ga = tape.input_grad(node, a)) {  // d A += grad @ B^T   [M,N]@[N,K]
    gemm(false, true, m, k, n, grad, tape.input(node, a + 1).value.data(), 1.0, ga);
  }
  if (double* gb = tape.input_grad(node, a + 1)) {  // d B += A^T @ grad   [K,M]@[M,N]
    gemm(true, false, k, n, m, tape.input(node, a).value.data(), grad, 1.0, gb);
  }
}

void matmul_backward(const Tape& tape, const Node& node) {
  const TensorImpl& other = tape.input(node, 1);
  product_backward(tape, node, 0, rows_of(tape.input(node, 0).shape), other.shape[0],
                   other.shape[1]);
}
}  // namespace

constexpr OpInfo kMatmul{"matmul", "d self = grad @ other^T,  d other = self^T @ grad"};
Tensor matmul(const Tensor& self, const Tensor& other) {
  detail::check_defined("matmul", self);
  detail::check_defined("matmul", other);
  const Shape& a = self.shape();
  const Shape& b = other.shape();
  if ((a.size() != 2 && a.size() != 3) || b.size() != 2 || a.back() != b[0]) {
    throw ShapeError(
        fmt::format("matmul: shapes {} and {} do not fit ([M, K] @ [K, N] or [B, M, K] @ [K, N])",
                    shape_str(a), shape_str(b)));
  }
  Shape shape = a;
  shape.back() = b[1];
  numel(shape, "matmul");  // [M, 0] @ [0, N] holds nothing, but the product may be too large
  auto result = detail::make_result(std::move(shape));  // matmul_blas writes it all
  matmul_blas(self.impl().value.data(), other.impl().value.data(), result->value.data(), rows_of(a),
              b[0], b[1]);
  detail::record(kMatmul.name, {&self, &other}, result, &matmul_backward);
  return Tensor(result);
}

// ----- addmm: self + mat1 @ mat2 in one node ------------------------------------------------
// What `matmul` then `add` compute, without keeping the bare product or its gradient: the result
// starts as a copy of self (broadcast to [M, N]) and dgemm adds the product into it (beta = 1).
// In backward, grad goes to self as add would send it, and through the product as matmul would.
// PyTorch's Linear records the same op (torch.addmm); nn::LSTM and nn::RNN use it for their gates.
namespace {
void addmm_backward(const Tape& tape, const Node& node) {
  const TensorImpl& self = tape.input(node, 0);
  if (double* gself = tape.input_grad(node, 0)) {  // d self += grad, summed where it was broadcast
    const double* grad = node.out->grad.data();
    detail::for_each_broadcast(node.out->shape, node.out->shape, self.shape,
                               [&](int64_t i, int64_t, int64_t is) { gself[is] += grad[i]; });
  }
  const Shape& mat1 = tape.input(node, 1).shape;
  product_backward(tape, node, 1, mat1[0], mat1[1], tape.input(node, 2).shape[1]);
}
}  // namespace

constexpr OpInfo kAddmm{"addmm",
                        "d self = grad (summed over broadcast axes),  d mat1 = grad @ mat2^T,  "
                        "d mat2 = mat1^T @ grad"};
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2) {
  detail::check_defined("addmm", self);
  detail::check_defined("addmm", mat1);
  detail::check_defined("addmm", mat2);
  const Shape& a = mat1.shape();
  const Shape& b = mat2.shape();
  if (a.size() != 2 || b.size() != 2 || a[1] != b[0]) {
    throw ShapeError(fmt::format("addmm: mat1 {} and mat2 {} do not fit ([M, K] @ [K, N])",
                                 shape_str(a), shape_str(b)));
  }
  const Shape shape{a[0], b[1]};
  numel(shape, "addmm");  // as in matmul
  if (detail::broadcast_shapes("addmm", self.shape(), shape) != shape) {
    throw ShapeError(fmt::format("addmm: self of shape {} does not broadcast to the product's {}",
                                 shape_str(self.shape()), shape_str(shape)));
  }
  auto result = detail::make_result(shape);
  const double* s = self.impl().value.data();
  double* y = result->value.data();
  detail::for_each_broadcast(shape, shape, self.shape(),
                             [&](int64_t i, int64_t, int64_t is) { y[i] = s[is]; });
  gemm(false, false, a[0], b[1], a[1], mat1.impl().value.data(), mat2.impl().value.data(), 1.0, y);
  detail::record(kAddmm.name, {&self, &mat1, &mat2}, result, &addmm_backward);
  return Tensor(result);
}

// ----- this file's entries in the op index (op_info.cpp) --------------------------------------
std::span<const OpInfo* const> detail::matmul_op_info() {
  static constexpr const OpInfo* kEntries[] = {&kMatmul, &kAddmm};
  return kEntries;
}

}  // namespace ag
