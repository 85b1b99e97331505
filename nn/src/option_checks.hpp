// option_checks.hpp — the refusal of a bad number among a module's, an optimizer's or a dataset's
// options, in one wording: "SGD: invalid lr = inf (must be a finite number >= 0)", as torch.optim
// words its own ("Invalid learning rate: -1"), with the rule the number broke.
//
// Each test is written as the condition that holds, negated, not as `value < 0`: every comparison
// with NaN is false, so only this form refuses a NaN too. The infinities are refused where they
// would turn a model's numbers into inf or NaN, or stop it learning, without a word (each caller
// says how); PyTorch accepts most of these.
#pragma once

#include <autograd/error.hpp>
#include <fmt/format.h>

#include <cmath>
#include <string_view>

namespace ag::nn::detail {

[[noreturn]] inline void refuse_option(std::string_view who, std::string_view option, double value,
                                       std::string_view rule) {
  throw ValueError(fmt::format("{}: invalid {} = {} (must be {})", who, option, value, rule));
}

inline void check_finite(std::string_view who, std::string_view option, double value) {
  if (!std::isfinite(value)) refuse_option(who, option, value, "a finite number");
}

inline void check_finite_not_negative(std::string_view who, std::string_view option, double value) {
  if (!(value >= 0 && std::isfinite(value))) {
    refuse_option(who, option, value, "a finite number >= 0");
  }
}

// A share or a probability: [0, 1].
inline void check_unit_interval(std::string_view who, std::string_view option, double value) {
  if (!(value >= 0 && value <= 1)) refuse_option(who, option, value, "in [0, 1]");
}

}  // namespace ag::nn::detail
