// tests for nn modules shared by threads (the contract in autograd/include/autograd/tape.hpp,
// "Threads"): data parallelism on one model. Each thread runs the model on its share of the
// batch, on its own Tape, and calls backward; the parameters' gradients add up, across threads,
// to the gradient of the whole batch; then, with every thread joined, one optimizer step.
//
// The weights, inputs and targets are small multiples of 1/16 and the loss a sum (no mean), so
// every number on the way is exact in double: the parallel gradients must equal the serial ones
// bit for bit, whatever order the threads finish in.
//
// Its own executable and CTest label `threads`: `./run tsan` runs these under ThreadSanitizer.
#include <catch2/catch.hpp>

#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include <nn/nn.hpp>

#include "../serial_blocks.hpp"

using namespace ag;
using namespace ag::nn;

namespace {

constexpr int kThreads = 4;
constexpr int kRowsPerThread = 2;
constexpr int64_t kInputs = 32, kHidden = 128, kOutputs = 4;

// Quarters between -1 and 1, in a pattern that repeats every 9 steps of k.
double quarter(int64_t k) { return static_cast<double>(k % 9 - 4) / 4.0; }

// A 32 -> 128 -> 4 perceptron with hand-set weights. (Wide enough that adding a backward pass's
// gradient into its weights takes long enough for two threads to overlap.)
std::shared_ptr<Sequential> make_mlp() {
  Generator gen(0);
  auto mlp = std::make_shared<Sequential>(
      "mlp", std::initializer_list<std::shared_ptr<UnaryModule>>{
                 std::make_shared<Linear>(kInputs, kHidden, gen), std::make_shared<ReLU>(),
                 std::make_shared<Linear>(kHidden, kOutputs, gen)});
  int64_t k = 0;
  for (Tensor& p : mlp->parameters()) {
    for (double& v : p.mutable_data()) v = quarter(3 * k++) / 4.0;
  }
  return mlp;
}

// Row r of the batch (r < kThreads * kRowsPerThread) and its target.
std::vector<double> input_row(int r) {
  std::vector<double> x(kInputs);
  for (int64_t i = 0; i < kInputs; ++i) x[i] = quarter(7 * r + i);
  return x;
}
std::vector<double> target_row(int r) {
  std::vector<double> y(kOutputs);
  for (int64_t i = 0; i < kOutputs; ++i) y[i] = quarter(r + 2 * i);
  return y;
}

// The batch rows [first, first + count) as input and target tensors.
std::pair<Tensor, Tensor> rows(int first, int count) {
  std::vector<double> x, y;
  for (int r = first; r < first + count; ++r) {
    for (double v : input_row(r)) x.push_back(v);
    for (double v : target_row(r)) y.push_back(v);
  }
  return {Tensor(x, {count, kInputs}), Tensor(y, {count, kOutputs})};
}

// Forward and backward of the summed squared error over those rows, on a tape of its own.
void accumulate(UnaryModule& model, int first, int count) {
  auto [x, y] = rows(first, count);
  Tape tape;
  mse_loss(model(x), y, Reduction::sum).backward();
}

// How many numbers differ between the two models' parameters (values, or with `grads`, their
// gradients): a lost update shows as a count, not as a screen of numbers.
int64_t differing(const Module& a, const Module& b, bool grads) {
  const std::vector<Tensor> pa = a.parameters(), pb = b.parameters();
  int64_t count = 0;
  for (size_t i = 0; i < pa.size(); ++i) {
    const std::vector<double> va = grads ? pa[i].grad().to_vector() : pa[i].to_vector();
    const std::vector<double> vb = grads ? pb[i].grad().to_vector() : pb[i].to_vector();
    for (size_t j = 0; j < va.size(); ++j) count += va[j] != vb[j];
  }
  return count;
}

}  // namespace

TEST_CASE("data parallel: threads sharing one model give the serial gradient, exactly",
          "[module][threads]") {
  for (int run = 0; run < 5; ++run) {  // a lost update is a matter of timing: try several times
    INFO("run " << run);
    auto serial = make_mlp();
    auto shared = make_mlp();
    // Many rounds, without zeroing between them: the threads' backward passes overlap many
    // times, and each round adds the whole batch's gradient once more.
    constexpr int kRounds = 200;
    for (int round = 0; round < kRounds; ++round) {
      accumulate(*serial, 0, kThreads * kRowsPerThread);
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&shared, t] {
        for (int round = 0; round < kRounds; ++round) {
          accumulate(*shared, t * kRowsPerThread, kRowsPerThread);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    CHECK(differing(*shared, *serial, /*grads=*/true) == 0);

    // The step runs after every backward pass has ended: the contract's rule for optimizers.
    // (One step: after it the weights are no longer short multiples of 1/16, and a second
    // step's sums would round differently in a different order.)
    SGD(serial->parameters(), {.lr = 1.0 / 1024}).step();
    SGD(shared->parameters(), {.lr = 1.0 / 1024}).step();
    CHECK(differing(*shared, *serial, /*grads=*/false) == 0);
  }
}

TEST_CASE(
    "BatchNorm1d in training mode, shared by threads: every thread's batch updates the running "
    "statistics, once",
    "[normalization][threads]") {
  // Every thread normalizes the same batch, so every update is the same map
  //     r -> (1 - momentum) * r + momentum * (batch statistic)
  // and k of them, in any order, give the same numbers as k in a row on one thread: the serial
  // module's, bit for bit. A lost update (two read-modify-writes interleaved) leaves a count one
  // short and statistics one step behind; ThreadSanitizer reports the race itself. Many channels,
  // so that an update takes long enough for two threads to overlap.
  constexpr int64_t kChannels = 512;
  constexpr int kRounds = 100;
  std::vector<double> values;
  for (int64_t k = 0; k < 4 * kChannels; ++k) values.push_back(quarter(5 * k));
  const Tensor batch(values, {4, kChannels});
  // (A small momentum: 400 updates leave the statistics far from converged, so each one shows.)
  const BatchNormOptions options{.momentum = 1.0 / 64};
  BatchNorm1d serial(kChannels, options), shared(kChannels, options);
  for (int k = 0; k < kThreads * kRounds; ++k) {
    Tape tape;
    serial(batch);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&shared, &batch] {
      for (int round = 0; round < kRounds; ++round) {
        Tape tape;
        shared(batch);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(shared.num_batches_tracked.item() == kThreads * kRounds);
  CHECK(shared.running_mean.to_vector() == serial.running_mean.to_vector());
  CHECK(shared.running_var.to_vector() == serial.running_var.to_vector());
}

TEST_CASE(
    "Dropout in training mode, threads sharing one Generator: each mask is a whole block of the "
    "generator's sequence, each block drawn once",
    "[dropout][threads]") {
  // One Dropout module and its generator, shared by every thread; each thread draws kCalls masks.
  // The generator takes its lock once per mask (random.hpp, "Threads"), so the masks must be the
  // kThreads * kCalls masks that one thread drawing that many in a row gets, each exactly once,
  // and each thread's in the order it drew them. Without the lock ThreadSanitizer reports the
  // race on the engine's state; a plain build may see a mask drawn twice or one made of pieces.
  // (With 256 elements at p = 1/2, two different blocks giving one mask has odds of 2^-256.)
  constexpr int kCalls = 50;
  constexpr int64_t kElements = 256;
  const Tensor ones = ag::ones({kElements});
  auto mask_of = [&ones](Dropout& drop) {
    Tape tape;
    return drop(ones).to_vector();  // 0 or 2 per element
  };
  std::vector<std::vector<double>> serial;
  Generator serial_gen(17);
  Dropout serial_drop(0.5, serial_gen);
  for (int k = 0; k < kThreads * kCalls; ++k) serial.push_back(mask_of(serial_drop));

  for (int run = 0; run < 5; ++run) {  // a race is a matter of timing: try several times
    INFO("run " << run);
    Generator gen(17);
    Dropout drop(0.5, gen);
    std::vector<std::vector<std::vector<double>>> drawn(kThreads);
    std::vector<std::thread> threads;
    std::latch start(kThreads);  // all draw at once, not each as soon as it is made
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&mask_of, &drop, &start, &masks = drawn[t]] {
        start.arrive_and_wait();
        for (int k = 0; k < kCalls; ++k) masks.push_back(mask_of(drop));
      });
    }
    for (std::thread& thread : threads) thread.join();
    check_blocks_are_serial(serial, drawn);
  }
}
