// nn.hpp — all of tapegrad's nn in one include.
//
// Layers here are compositions of autograd ops and nothing else: no module writes a backward
// rule, every gradient comes from the engine, and every piece of every layer is a node on the
// tape. Read in this order: module.hpp (parameters, names, scopes), linear.hpp and
// activation.hpp (an MLP), loss.hpp and optim.hpp (training it), init.hpp (where the first
// values come from), normalization.hpp and dropout.hpp (layers that read the train/eval mode),
// recurrent.hpp, rnn.hpp, lstm.hpp and gru.hpp (the same ops unrolled in time), conv.hpp
// (convolution, pooling, Flatten), serialize.hpp, data.hpp. docs/nn.md has an overview and an example.
#pragma once

#include "nn/activation.hpp"
#include "nn/conv.hpp"
#include "nn/data.hpp"
#include "nn/dropout.hpp"
#include "nn/gru.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/loss.hpp"
#include "nn/lstm.hpp"
#include "nn/module.hpp"
#include "nn/normalization.hpp"
#include "nn/optim.hpp"
#include "nn/recurrent.hpp"
#include "nn/rnn.hpp"
#include "nn/serialize.hpp"
