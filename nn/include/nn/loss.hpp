// loss.hpp — loss functions: one number that says how wrong a prediction is.
//
// Each loss is a few engine ops, so its gradient is the engine's; the doc block of each one
// gives the formula and the gradient that falls out, for the reader to check against.
//
// Reduction as in PyTorch: `mean` (the default) averages over every element (or, for
// cross-entropy, over the examples), `sum` adds them up, `none` returns one loss per element.
//
// What this file leaves out: class weights, label smoothing, ignore_index, pos_weight, and the
// many other losses (L1, Huber, NLL on probabilities, KL...).
#pragma once

#include <autograd/autograd.hpp>

#include <cstdint>
#include <vector>

namespace ag::nn {

enum class Reduction { mean, sum, none };

// Mean squared error:  loss = mean((input - target)^2)          d input = 2 (input - target) / n
// input and target must have the same shape (no silent broadcasting: [B] against [B, 1]
// would otherwise broadcast to [B, B]; PyTorch only warns).
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);

// Cross-entropy from raw scores (logits) over class indices, as torch.nn.functional.cross_entropy:
//     loss_n = -log softmax(logits_n)[target_n] = logsumexp(logits_n) - logits_n[target_n]
//     d logits_n = softmax(logits_n) - onehot(target_n)            (divided by N for mean)
// logits [N, C]; targets: N whole numbers in [0, C). The log-softmax is the engine's stable one
// (it subtracts the row maximum before exp), so huge logits do not overflow.
Tensor cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets,
                     Reduction reduction = Reduction::mean);

// Binary cross-entropy on logits, as torch.nn.functional.binary_cross_entropy_with_logits:
//     loss = -[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]      d x = sigmoid(x) - y
// targets y in [0, 1], same shape as the logits x. Computed stably as a two-class log-softmax
// of [x, 0]: log sigmoid(x) = log_softmax([x, 0])[0] and log(1 - sigmoid(x)) = ...[1].
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                        Reduction reduction = Reduction::mean);

// Hinge (max-margin) loss, as in micrograd's demo:  loss = mean(relu(1 - y * score))
//     d score = -y where y * score < 1, else 0
// Labels y are +1 or -1, same shape as the scores; any other label throws (0/1 labels, as
// make_moons gives, become -1/+1 as y * 2 - 1). Points beyond the margin (y * score >= 1) cost
// nothing and pull on nothing.
Tensor hinge_loss(const Tensor& scores, const Tensor& labels,
                  Reduction reduction = Reduction::mean);

}  // namespace ag::nn
