// matmul.cpp — matrix multiply, on OpenBLAS (or a portable loop), with the triple loop beside it.
//
//   result[m, n] = sum_k self[m, k] * other[k, n]
//   d self  = grad @ other^T       (each self[m, k] met every other[k, n] along row m)
//   d other = self^T @ grad
//
// The rest is torch.matmul's rules for other shapes, each brought back to that product:
//   [B..., M, K] @ [B..., K, N]   one product per batch, the batch axes broadcast (a batch of size
//                                 1, or a missing one, is reused, and its gradient adds up);
//   [B..., M, K] @ [K, N]         contiguous rows make self one [B*M, K] matrix: one product;
//   a 1-d self or other           a matrix of one row [1, K] or one column [K, 1] (reshape), that
//                                 axis dropped from the result: [K] @ [K] is a dot product, 0-d.
// The readable reference is matmul_reference; the op calls cblas_dgemm (fast/gemm.hpp; under
// portable kernels, fast/kernels.hpp, a plain loop that adds in one fixed order), and a test
// holds them equal. Backward calls it with its transpose flags and beta = 1: `+=`.
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

// Backward through one product A @ B ([M, K] @ [K, N]) whose gradient is grad, shared by matmul
// and addmm. dgemm with beta = 1 adds into the gradients: `+=`. A null ga or gb: no gradient.
void product_backward(const double* grad, const double* a, const double* b, double* ga, double* gb,
                      int64_t m, int64_t k, int64_t n) {
  // exercise 12: matmul's backward, two products -- tutorial 03_tensors_and_broadcasting
  // stub: (void)grad, (void)a, (void)b, (void)ga, (void)gb, (void)m, (void)k, (void)n;
  // stub: ag::exercise::not_written(12);
  // wrong assigns: if (ga != nullptr) gemm(false, true, m, k, n, grad, b, 0.0, ga);
  // wrong assigns: if (gb != nullptr) gemm(true, false, k, n, m, a, grad, 0.0, gb);
  // wrong no-transpose: if (ga != nullptr) gemm(false, false, m, k, n, grad, b, 1.0, ga);
  // wrong no-transpose: if (gb != nullptr) gemm(false, false, k, n, m, a, grad, 1.0, gb);
  if (ga != nullptr) gemm(false, true, m, k, n, grad, b, 1.0, ga);  // d A += grad @ B^T
  if (gb != nullptr) gemm(true, false, k, n, m, a, grad, 1.0, gb);  // d B += A^T @ grad
  // end exercise 12
}

// A matmul of two stacks of matrices: result batch c is self's [M, K] batch ia times other's
// [K, N] batch ib, for the (c, ia, ib) that broadcasting the batch shapes pairs up.
struct Batches {
  Shape of_self, of_other, of_result;
  int64_t m, k, n;
};
Batches batches(const Shape& a, const Shape& b) {
  if (b.size() == 2)  // every row of every batch of self at once: one product
    return {{}, {}, {}, numel(Shape(a.begin(), a.end() - 1)), b[0], b[1]};
  Shape sa(a.begin(), a.end() - 2), sb(b.begin(), b.end() - 2);
  Shape sc = detail::broadcast_shapes("matmul (batch axes)", sa, sb);
  return {std::move(sa), std::move(sb), std::move(sc), a[a.size() - 2], a.back(), b.back()};
}

void matmul_backward(const Tape& tape, const Node& node) {
  const TensorImpl& self = tape.input(node, 0);
  const TensorImpl& other = tape.input(node, 1);
  double* gself = tape.input_grad(node, 0);
  double* gother = tape.input_grad(node, 1);
  const Batches p = batches(self.shape, other.shape);
  const int64_t a_size = p.m * p.k, b_size = p.k * p.n, c_size = p.m * p.n;  // of one matrix
  const double* grad = node.out->grad.data();
  detail::for_each_broadcast(
      p.of_result, p.of_self, p.of_other, [&](int64_t c, int64_t ia, int64_t ib) {
        product_backward(grad + c * c_size, self.value.data() + ia * a_size,
                         other.value.data() + ib * b_size, gself ? gself + ia * a_size : nullptr,
                         gother ? gother + ib * b_size : nullptr, p.m, p.k, p.n);
      });
}
}  // namespace

constexpr OpInfo kMatmul{"matmul", "d self = grad @ other^T,  d other = self^T @ grad"};
// (A 1-d side calls matmul once more, on its 2-d form: one level deep, never further.)
// NOLINTNEXTLINE(misc-no-recursion)
Tensor matmul(const Tensor& self, const Tensor& other) {
  detail::check_defined("matmul", self);
  detail::check_defined("matmul", other);
  const Shape& a = self.shape();
  const Shape& b = other.shape();
  if (a.empty() || b.empty() || a.back() != b[b.size() == 1 ? 0 : b.size() - 2]) {
    throw ShapeError(
        fmt::format("matmul: shapes {} and {} do not fit ([..., M, K] or [K] @ [..., K, N] or [K])",
                    shape_str(a), shape_str(b)));
  }
  if (a.size() == 1 || b.size() == 1) {  // a row [1, K] or a column [K, 1], dropped after
    Tensor product = matmul(a.size() == 1 ? reshape(self, {1, a[0]}) : self,
                            b.size() == 1 ? reshape(other, {b[0], 1}) : other);
    Shape shape = product.shape();
    if (b.size() == 1) shape.pop_back();
    if (a.size() == 1) shape.erase(shape.end() - (b.size() == 1 ? 1 : 2));
    return reshape(product, std::move(shape));
  }
  const Batches p = batches(a, b);
  Shape shape = b.size() == 2 ? Shape(a.begin(), a.end() - 1) : p.of_result;  // rows, or batches
  if (b.size() != 2) shape.push_back(p.m);                                    // + [M]
  shape.push_back(p.n);
  numel(shape, "matmul");  // [M, 0] @ [0, N] holds nothing, but the product may be too large
  auto result = detail::make_result(std::move(shape));  // matmul_blas writes it all
  const double* x = self.impl().value.data();
  const double* y = other.impl().value.data();
  detail::for_each_broadcast(p.of_result, p.of_self, p.of_other,
                             [&](int64_t c, int64_t ia, int64_t ib) {
                               matmul_blas(x + ia * p.m * p.k, y + ib * p.k * p.n,
                                           result->value.data() + c * p.m * p.n, p.m, p.k, p.n);
                             });
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
  const TensorImpl& mat1 = tape.input(node, 1);
  const TensorImpl& mat2 = tape.input(node, 2);
  product_backward(node.out->grad.data(), mat1.value.data(), mat2.value.data(),
                   tape.input_grad(node, 1), tape.input_grad(node, 2), mat1.shape[0], mat1.shape[1],
                   mat2.shape[1]);
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
