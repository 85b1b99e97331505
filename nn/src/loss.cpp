// loss.cpp — the losses, each a handful of engine ops (formulas in loss.hpp).
#include "nn/loss.hpp"

#include <fmt/format.h>

namespace ag::nn {

namespace {
Tensor reduce(const Tensor& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::mean: return mean(losses);
    case Reduction::sum: return sum(losses);
    case Reduction::none: return losses;
  }
  return losses;
}

void check_same_shape(const char* loss, const char* a_name, const Tensor& a, const char* b_name,
                      const Tensor& b) {
  if (!a.defined() || !b.defined()) throw ShapeError(fmt::format("{}: an input is empty", loss));
  if (a.shape() != b.shape()) {
    throw ShapeError(fmt::format("{}: {} has shape {} but {} has shape {}; they must match", loss,
                                 a_name, shape_str(a.shape()), b_name, shape_str(b.shape())));
  }
}
}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape("mse_loss", "input", input, "target", target);
  Tensor diff = input - target;
  return reduce(diff * diff, reduction);
}

Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets,
                     Reduction reduction) {
  if (!logits.defined() || logits.dim() != 2) {
    throw ShapeError(fmt::format("cross_entropy: logits must be [N, C], got shape {}",
                                 logits.defined() ? shape_str(logits.shape()) : "undefined"));
  }
  const int64_t N = logits.size(0), C = logits.size(1);
  if (static_cast<int64_t>(targets.size()) != N) {
    throw ShapeError(fmt::format("cross_entropy: {} targets for logits of shape {} (need {})",
                                 targets.size(), shape_str(logits.shape()), N));
  }
  std::vector<double> index(targets.size());
  for (size_t n = 0; n < targets.size(); ++n) {
    if (targets[n] < 0 || targets[n] >= C) {
      throw IndexError(
          fmt::format("cross_entropy: target {} of example {} is not a class in "
                      "[0, {}) (logits shape {})",
                      targets[n], n, C, shape_str(logits.shape())));
    }
    index[n] = static_cast<double>(targets[n]);
  }
  // log p[n, c] = log_softmax(logits)[n, c];  pick column targets[n] of row n:  [N, 1]
  Tensor log_p = log_softmax(logits, 1);
  Tensor picked = gather(log_p, 1, Tensor(index, {N, 1}));
  return reduce(-reshape(picked, {N}), reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        Reduction reduction) {
  check_same_shape("binary_cross_entropy_with_logits", "logits", logits, "targets", targets);
  // Why not the textbook max(x, 0) - x y + log(1 + e^-|x|)? It is stable, but built from relu
  // and abs its gradient at exactly x = 0 comes out as -y instead of sigmoid(0) - y = 1/2 - y
  // (both ops take derivative 0 at their kink). The two-class log-softmax has no kink.
  const int64_t last = logits.dim();  // the new axis holding the two classes
  Tensor pair = stack({logits, ag::zeros(logits.shape())}, last);  // [..., 2] = [x, 0]
  Tensor log_p = log_softmax(pair, last);                          // [log s(x), log(1 - s(x))]
  Tensor log_yes = reshape(slice(log_p, last, 0, 1), logits.shape());
  Tensor log_no = reshape(slice(log_p, last, 1, 2), logits.shape());
  Tensor yes = targets * log_yes;  // one op per statement: the tape in reading order
  Tensor no = (1.0 - targets) * log_no;
  return reduce(-(yes + no), reduction);
}

Tensor hinge_loss(const Tensor& scores, const Tensor& labels, Reduction reduction) {
  check_same_shape("hinge_loss", "scores", scores, "labels", labels);
  // Any other label trains silently wrong: with the 0/1 labels of make_moons, every point of
  // class 0 costs 1 whatever its score and pulls on nothing, so the model learns nothing.
  const auto y = labels.data();
  for (size_t k = 0; k < y.size(); ++k) {
    if (y[k] != 1.0 && y[k] != -1.0) {
      throw ValueError(fmt::format(
          "hinge_loss: labels must be -1 or +1, got {} at (flat) index {} of the labels "
          "(shape {}); 0/1 labels become -1/+1 as labels * 2 - 1",
          y[k], k, shape_str(labels.shape())));
    }
  }
  return reduce(relu(1.0 - labels * scores), reduction);
}

}  // namespace ag::nn
