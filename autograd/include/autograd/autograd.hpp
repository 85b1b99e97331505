// autograd.hpp — everything of the engine in one include.
//
// The headers in the order docs/reading-order.md reads them (with the .cpp files between):
// tensor.hpp (what a tensor is), tape.hpp (how ops are recorded and how backward walks them),
// ops.hpp (every op and its derivative), conv.hpp (convolution and pooling), op_info.hpp (the
// rules as the pictures read them), gradcheck.hpp (how we know the derivatives are right),
// random.hpp (reproducible initialisation). Besides those: print.hpp (std::cout << t),
// custom_op.hpp (your own op and its backward), version.hpp (ag::version()).
#pragma once

#include "autograd/conv.hpp"
#include "autograd/custom_op.hpp"
#include "autograd/error.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/op_info.hpp"
#include "autograd/ops.hpp"
#include "autograd/print.hpp"
#include "autograd/random.hpp"
#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"
#include "autograd/version.hpp"
