// linear.cpp — Linear: y = x W^T + b, made of transpose, matmul and add.
#include "nn/linear.hpp"

#include <fmt/format.h>

#include "nn/init.hpp"

namespace ag::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias, Generator& gen)
    : UnaryModule("linear"), in_(in_features), out_(out_features) {
  if (in_features < 0 || out_features < 0) {
    throw ValueError(fmt::format("Linear: negative size (in_features = {}, out_features = {})",
                                 in_features, out_features));
  }
  weight = init::default_uniform(ag::zeros({out_, in_}), in_, gen);
  register_parameter("weight", weight);
  if (with_bias) {
    bias = init::default_uniform(ag::zeros({out_}), in_, gen);
    register_parameter("bias", bias);
  }
}

Tensor Linear::forward(const Tensor& input) {
  ScopeGuard scope(name());
  if (!input.defined() || input.dim() < 1 || input.size(-1) != in_) {
    throw ShapeError(fmt::format("Linear '{}': input has width {}, expected {} (input shape {})",
                                 path(), input.defined() && input.dim() > 0 ? input.size(-1) : 0,
                                 in_, input.defined() ? shape_str(input.shape()) : "undefined"));
  }
  // matmul takes x of any rank: [..., in] @ [in, out] is one product over all the rows of every
  // leading axis (a vector [in] is one row, and gives [out]).
  Tensor y = matmul(input, transpose(weight));  // [..., in] @ [in, out] -> [..., out]
  if (bias.defined()) y = y + bias;             // [..., out] + [out]: the bias broadcasts
  return y;
}

std::string Linear::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", in_, out_, bias.defined());
}

}  // namespace ag::nn
