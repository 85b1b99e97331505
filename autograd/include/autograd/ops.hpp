// ops.hpp — every differentiable operation, with its derivative written as math.
//
// Each op checks its inputs, computes its result, and (when a tape is recording) appends a node
// whose backward rule sits right beside the forward code in src/. The names follow PyTorch's
// derivatives.yaml: `grad` is the gradient arriving at the result, `self` and `other` are the
// inputs, `result` the output. docs/derivatives.md lists every rule on one line. The rule as
// text is written once, in the op's entry in the op index (op_info.hpp, beside the op in src/);
// the comments here repeat it, and tests/autograd/derivatives_doc_test.cpp checks that they do.
//
// Binary elementwise ops broadcast like NumPy: shapes are aligned from the right, and an axis of
// size 1 (or a missing one) is stretched to match. The backward rule then sums the gradient over
// the stretched axes, because every stretched copy of an element contributed to the loss.
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/tensor.hpp"

namespace ag {

// ----- elementwise, two inputs (broadcasting) ------------------------------------------------
// add:      result = self + other      d self = grad            d other = grad
Tensor add(const Tensor& self, const Tensor& other);
// sub:      result = self - other      d self = grad            d other = -grad
Tensor sub(const Tensor& self, const Tensor& other);
// mul:      result = self * other      d self = grad * other    d other = grad * self
Tensor mul(const Tensor& self, const Tensor& other);
// div:      result = self / other      d self = grad / other    d other = -grad * self / other^2
Tensor div(const Tensor& self, const Tensor& other);
// pow:      result = self ^ exponent
//           d self = grad * exponent * self^(exponent - 1) (0 where exponent == 0)
//           d exponent = grad * result * ln(self) (0 where self == 0 and exponent >= 0)
Tensor pow(const Tensor& self, const Tensor& exponent);
// maximum:  result = max(self, other)
//           d self = grad where self > other (grad / 2 where equal),  d other likewise
//           (NaN on either side: result NaN, grad to both, as PyTorch)
Tensor maximum(const Tensor& self, const Tensor& other);
// minimum:  result = min(self, other)
//           d self = grad where self < other (grad / 2 where equal),  d other likewise
Tensor minimum(const Tensor& self, const Tensor& other);

// ----- elementwise, one input ----------------------------------------------------------------
// neg:      result = -self             d self = -grad
Tensor neg(const Tensor& self);
// pow:      result = self ^ exponent, a number
//           d self = grad * exponent * self^(exponent - 1) (0 where exponent == 0)
Tensor pow(const Tensor& self, double exponent);
// exp:      result = e^self            d self = grad * result
Tensor exp(const Tensor& self);
// log:      result = ln(self)          d self = grad / self
Tensor log(const Tensor& self);
// sqrt:     result = sqrt(self)        d self = grad / (2 * result)
Tensor sqrt(const Tensor& self);
// abs:      result = |self|            d self = grad * sign(self) (0 at self == 0)
Tensor abs(const Tensor& self);
// tanh:     result = tanh(self)        d self = grad * (1 - result^2)
Tensor tanh(const Tensor& self);
// sigmoid:  result = 1 / (1 + e^-self) d self = grad * result * (1 - result)
Tensor sigmoid(const Tensor& self);
// relu:     result = max(self, 0)      d self = grad where self > 0 (or is NaN), else 0
Tensor relu(const Tensor& self);
// leaky_relu: result = self > 0 ? self : slope * self
//                                      d self = grad where self > 0, else slope * grad
Tensor leaky_relu(const Tensor& self, double negative_slope = 0.01);
// What leaky_relu saves for its backward; a picture reads the slope back with
// tape.saved<LeakyReluSettings>(node).
struct LeakyReluSettings {
  double negative_slope;
};
// clamp:    result = min(max(self, lo), hi)
//                                      d self = grad where lo <= self <= hi, else 0
// A NaN bound, or lo > hi, is a ValueError (PyTorch gives hi everywhere for lo > hi). NaN inputs
// come out NaN from every op here (relu included).
Tensor clamp(const Tensor& self, double lo, double hi);
// hardtanh: the numbers of clamp       d self = grad where lo < self < hi, else 0
//           (PyTorch's activation: no gradient at the bounds themselves)
Tensor hardtanh(const Tensor& self, double lo = -1.0, double hi = 1.0);

// ----- reductions ----------------------------------------------------------------------------
// A 0-d tensor reduces along axis 0 or -1 (as a [1] would, to a 0-d result), as in PyTorch.
// sum:      result = sum of all elements (a scalar), or along one axis (keepdim: kept as 1)
//           d self = grad, copied to every element summed
Tensor sum(const Tensor& self);
Tensor sum(const Tensor& self, int64_t axis, bool keepdim = false);
// mean:     result = sum(self) / n
//           d self = grad / n, copied to each of the n elements averaged
Tensor mean(const Tensor& self);
Tensor mean(const Tensor& self, int64_t axis, bool keepdim = false);
// max:      the largest value of all elements (a scalar), or along one axis
//           d self = grad at the (first) argmax along the axis, 0 elsewhere
//           max of all: d self = grad / count at each of the count maxima
Tensor max(const Tensor& self);
Tensor max(const Tensor& self, int64_t axis, bool keepdim = false);
// The flat index of the (first) largest value, or the index of the largest along an axis (not
// differentiable: plain numbers). A NaN counts as the largest, as in PyTorch.
int64_t argmax(const Tensor& self);
std::vector<int64_t> argmax(const Tensor& self, int64_t axis);

// ----- matrix multiply -----------------------------------------------------------------------
// matmul:   result = self @ other     [M,K] @ [K,N] -> [M,N], with torch.matmul's rules:
//           [K] @ [K] -> [] (a dot product); a 1-d self is a row [1,K] and a 1-d other a column
//           [K,1], that axis dropped from the result; [...,M,K] @ [...,K,N] multiplies matrix by
//           matrix, the batch axes (all but the last two) broadcast: [B,M,K] @ [K,N] -> [B,M,N]
//                                      d self = grad @ other^T     d other = self^T @ grad
//           (each summed over the batches where that input was broadcast)
// Runs on OpenBLAS (cblas_dgemm), or under portable kernels (fast/kernels.hpp: how the tutorials
// run) on a plain loop in one fixed order; matmul_reference is the triple loop both are tested
// against.
Tensor matmul(const Tensor& self, const Tensor& other);
// addmm:    result = self + mat1 @ mat2    self broadcast to [M,N]; mat1 [M,K], mat2 [K,N]
//           d self = grad (summed over broadcast axes)
//           d mat1 = grad @ mat2^T      d mat2 = mat1^T @ grad
// matmul and add in one node (torch.addmm), without storing the bare product or its gradient.
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2);
// C[m,n] = sum_k A[m,k] B[k,n] for row-major A (M x K), B (K x N); C is overwritten.
void matmul_reference(const double* a, const double* b, double* c, int64_t m, int64_t k, int64_t n);
// The same as matmul runs it: through cblas_dgemm, or the portable loop (and C is overwritten).
void matmul_blas(const double* a, const double* b, double* c, int64_t m, int64_t k, int64_t n);

// ----- shape ---------------------------------------------------------------------------------
// reshape:  same numbers, new shape (one axis may be -1: inferred)
//           d self = grad reshaped to self's shape
Tensor reshape(const Tensor& self, Shape shape);
// permute:  result axis i is self axis dims[i]
//           d self = grad permuted back by the inverse of dims
Tensor permute(const Tensor& self, std::vector<int64_t> dims);
// transpose: swap two axes (by default the last two)
//           d self = grad with the same two axes swapped back
Tensor transpose(const Tensor& self, int64_t axis0 = -2, int64_t axis1 = -1);
// slice:    self[start:end] along axis (end exclusive, negatives count from the end), as Python
//           and torch slice x[start:end]: bounds past either end are clamped, start >= end is empty
//           d self = grad inside [start, end) along the axis, 0 elsewhere
Tensor slice(const Tensor& self, int64_t axis, int64_t start, int64_t end);
// concat:   tensors joined along an existing axis
//           d tensors[i] = the slice of grad that tensors[i] filled
Tensor concat(const std::vector<Tensor>& tensors, int64_t axis = 0);
// stack:    tensors joined along a new axis            d tensors[i] = grad.select(axis, i)
Tensor stack(const std::vector<Tensor>& tensors, int64_t axis = 0);
// index_select: the entries `indices` along axis, in that order (repeats allowed)
//           d self = grad added back at the selected indices (repeats add up)
Tensor index_select(const Tensor& self, int64_t axis, const std::vector<int64_t>& indices);
// gather:   result[..i..] = self[..index[..i..]..] along axis (PyTorch's torch.gather); index is a
//           tensor of whole numbers with self's rank
//           d self = scatter_add of grad at index (index: no gradient)
Tensor gather(const Tensor& self, int64_t axis, const Tensor& index);

// ----- softmax -------------------------------------------------------------------------------
// log_softmax: result = self - log(sum(exp(self))) along axis (computed stably)
//           d self = grad - exp(result) * sum(grad, axis)
Tensor log_softmax(const Tensor& self, int64_t axis = -1);
// softmax:  result = exp(self) / sum(exp(self)) along axis
//           d self = result * (grad - sum(grad * result, axis))
Tensor softmax(const Tensor& self, int64_t axis = -1);

// ----- operators -----------------------------------------------------------------------------
// A double on either side becomes a 0-d constant, which broadcasts.
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double b) { return add(a, Tensor(b)); }
inline Tensor operator-(const Tensor& a, double b) { return sub(a, Tensor(b)); }
inline Tensor operator*(const Tensor& a, double b) { return mul(a, Tensor(b)); }
inline Tensor operator/(const Tensor& a, double b) { return div(a, Tensor(b)); }
inline Tensor operator+(double a, const Tensor& b) { return add(Tensor(a), b); }
inline Tensor operator-(double a, const Tensor& b) { return sub(Tensor(a), b); }
inline Tensor operator*(double a, const Tensor& b) { return mul(Tensor(a), b); }
inline Tensor operator/(double a, const Tensor& b) { return div(Tensor(a), b); }
// a += b, a -= b, a *= b, a /= b, as in PyTorch: b broadcasts to a's shape, and a result that
// would not fit in a (a of shape [1] += b of shape [3]) is a ShapeError, recording or not.
//  - outside recording (no Tape alive, or under NoGradGuard) a's own numbers change, and every
//    handle to it sees it: `for (Tensor p : params) p -= lr * p.grad();` trains. A tape that read
//    a before then refuses to run backward through it (TensorImpl::version).
//  - while a tape records, the result is recorded like any op and `a` moves to it (so
//    `loss += term` builds the graph); a parameter (a leaf that requires grad) refuses with a
//    TapeError, as PyTorch's leaves do: the graph already used its old numbers.
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);

// ----- creation (leaves: not recorded until used) --------------------------------------------
Tensor zeros(Shape shape, bool requires_grad = false);
Tensor ones(Shape shape, bool requires_grad = false);
Tensor full(Shape shape, double value, bool requires_grad = false);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
// A scalar (0-d) tensor; `scalar(2.0, true)` is micrograd's Value(2.0).
Tensor scalar(double value, bool requires_grad = false);
// From values and a shape (values.size() must equal the shape's element count).
Tensor tensor(std::vector<double> values, Shape shape, bool requires_grad = false);
// A 1-d tensor start, start + step, ... up to (not including) end.
Tensor arange(double start, double end, double step = 1.0);

}  // namespace ag
