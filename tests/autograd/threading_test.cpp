// tests for the threading contract of autograd/include/autograd/tape.hpp ("Threads"): one set of
// leaves shared by several threads, each recording on its own Tape and running backward many
// times, ends with exactly the gradient a serial run of the same passes gives.
//
// The numbers are small multiples of 1/4, so every product and every sum below is exact in
// double: the order in which the threads' contributions arrive cannot change a bit, and any
// difference from the serial sum is a lost (or doubled) update, not rounding.
//
// Its own executable and CTest label `threads`: `./run tsan` runs these under ThreadSanitizer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <latch>
#include <limits>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <autograd/autograd.hpp>

#include "../serial_blocks.hpp"
#include "fast/pool.hpp"

using namespace ag;

namespace {

constexpr int kThreads = 4;
constexpr int kPassesPerThread = 100;

// The shared leaves: two scalar parameters (the micrograd-style engine) and a vector one, and a
// constant input that every thread reads too (a data set is shared the same way). The vector is
// long, so that adding into its gradient is a loop long enough for two threads to overlap in.
constexpr int64_t kWidth = 2048;
std::vector<double> quarters(int64_t n, int period) {  // -1/2, -1/4, 0, 1/4, ... repeating
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<double>(i % period - 2) / 4.0;
  return v;
}
struct Leaves {
  Tensor a = scalar(0.5, true);
  Tensor b = scalar(-1.25, true);
  Tensor w = Tensor(quarters(kWidth, 5), {kWidth}, true);
  Tensor x = Tensor(quarters(kWidth, 7), {kWidth});
};

// How many parameter nodes ("leaf") the tape holds.
size_t leaf_nodes(const Tape& tape) {
  size_t leaves = 0;
  for (const Node& n : tape.nodes()) leaves += std::string_view(n.op) == "leaf";
  return leaves;
}

// One pass: a loss that uses every parameter many times (so one pass adds into each leaf's
// gradient from many nodes), on a tape of its own. Returns how many "leaf" nodes the tape held.
size_t one_pass(const Leaves& p) {
  Tape tape;
  Tensor loss = scalar(0.0);
  for (int k = 0; k < 64; ++k) {
    loss = loss + p.a * static_cast<double>(k % 5) + p.b * p.b;  // d/da: k%5, d/db: 2b
  }
  for (int k = 0; k < 8; ++k) loss = loss + sum(p.w * p.x) * p.a;  // d/dw: a x, d/da: w.x
  loss.backward();
  return leaf_nodes(tape);
}

// Checks that every gradient of `shared` equals that of `serial`, bit for bit. (For w, the
// number of elements that differ: a lost update shows as a count, not as 2048 numbers.)
void check_same_grads(const Leaves& shared, const Leaves& serial) {
  CHECK(shared.a.grad().item() == serial.a.grad().item());
  CHECK(shared.b.grad().item() == serial.b.grad().item());
  const std::vector<double> got = shared.w.grad().to_vector();
  const std::vector<double> want = serial.w.grad().to_vector();
  int64_t differing = 0;
  for (int64_t i = 0; i < kWidth; ++i) differing += got[i] != want[i];
  CHECK(differing == 0);
}

}  // namespace

TEST_CASE("threads running backward on shared leaves: the gradient is the serial sum, exactly",
          "[tape][threads]") {
  // The reference: every pass the threads will run, one after the other on this thread.
  Leaves serial;
  for (int pass = 0; pass < 1 + kThreads * kPassesPerThread; ++pass) one_pass(serial);

  for (int run = 0; run < 5; ++run) {  // a lost update is a matter of timing: try several times
    INFO("run " << run);
    Leaves shared;
    one_pass(shared);  // one pass first, on this thread: every leaf starts the race with a gradient
    std::vector<size_t> leaves_on_tape(kThreads * kPassesPerThread);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&shared, &leaves_on_tape, t] {
        for (int pass = 0; pass < kPassesPerThread; ++pass) {
          leaves_on_tape[t * kPassesPerThread + pass] = one_pass(shared);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();

    check_same_grads(shared, serial);
    // Each parameter is one node on each tape, however the other threads' tapes use it.
    for (size_t n : leaves_on_tape) CHECK(n == 3);
  }
}

TEST_CASE("a pass that throws on one thread leaves the others' gradients whole",
          "[tape][threads]") {
  // One thread watches for anomalies and seeds every other pass of its own with a NaN: the
  // first rule that runs (an add, one of whose inputs is the parameter b) writes NaN and the
  // pass throws, and must leave no trace. Another thread runs clean passes at the same time.
  Leaves shared;
  Leaves serial;
  constexpr int kPasses = 200;
  for (int pass = 0; pass < kPasses + kPasses / 2; ++pass) one_pass(serial);

  int thrown = 0;
  std::thread watcher([&] {
    DetectAnomalyGuard anomalies;
    const Tensor nan_seed = scalar(std::numeric_limits<double>::quiet_NaN());
    for (int pass = 0; pass < kPasses; ++pass) {
      if (pass % 2 == 1) {
        one_pass(shared);
        continue;
      }
      Tape tape;
      Tensor loss = sum(shared.w * shared.x) * shared.a + shared.b;
      try {
        loss.backward(nan_seed);
      } catch (const AnomalyError&) {
        ++thrown;
      }
    }
  });
  std::thread clean([&] {
    for (int pass = 0; pass < kPasses; ++pass) one_pass(shared);
  });
  watcher.join();
  clean.join();
  CHECK(thrown == kPasses / 2);
  check_same_grads(shared, serial);
}

TEST_CASE("a parameter keeps one node per tape when another tape overwrote its note",
          "[tape][threads]") {
  // The same thing on one thread: each tape that uses w writes its own note of where w sits
  // into w; the outer tape, coming back to w, still finds its node (and its gradient row).
  Tensor w = scalar(3.0, true);
  Tape outer;
  Tensor y = w * 2.0;
  {
    Tape inner;
    Tensor z = w * w;
    z.backward();
    CHECK(w.grad().item() == 6.0);
  }
  Tensor loss = y + w * 5.0;
  CHECK(leaf_nodes(outer) == 1);
  loss.backward();
  CHECK(w.grad().item() == 6.0 + 7.0);
}

// A producer thread (a data-loading thread) makes `steps` batches with make() and hands each over
// to a consumer thread, which gives it to take() to free; the consumer calls at_end() before it
// ends. The hand-over is one slot, so at most three batches are alive at once: one being made,
// one handed over, one being freed.
template <class Batch>
void produce_and_consume(int steps, const std::function<Batch()>& make,
                         const std::function<void(std::unique_ptr<Batch>)>& take,
                         const std::function<void()>& at_end) {
  std::mutex mutex;
  std::condition_variable changed;
  std::unique_ptr<Batch> slot;  // the batch handed over, if any
  bool done = false;
  std::thread consumer([&] {
    for (;;) {
      std::unique_ptr<Batch> batch;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return slot != nullptr || done; });
        if (slot == nullptr) break;
        batch = std::move(slot);
      }
      changed.notify_all();
      take(std::move(batch));
    }
    at_end();
  });
  std::thread producer([&] {
    for (int step = 0; step < steps; ++step) {
      auto batch = std::make_unique<Batch>(make());
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return slot == nullptr; });
      slot = std::move(batch);
      changed.notify_all();
    }
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return slot == nullptr; });
    done = true;
    changed.notify_all();
  });
  producer.join();
  consumer.join();
}

TEST_CASE(
    "one thread makes tensors, another frees them: the tensor pool stops growing (fast/pool.hpp, "
    "\"Threads\")",
    "[fast][pool]") {
  using detail::fast::BlockPool;
  // The producer makes kPerStep tensors a step, the consumer frees them. With at most three
  // batches alive at once the memory needed is bounded; a pool that keeps each freed block on
  // the freeing thread's list would instead cut a new slab for every 585 tensors the producer
  // makes: kSteps * kPerStep / 585, about 512 slabs (32 MiB).
  // (Under AddressSanitizer the pools step aside and cut no slabs: there this checks nothing.)
  constexpr int kSteps = 300, kPerStep = 1000;
  using Batch = std::vector<std::shared_ptr<TensorImpl>>;
  const size_t slabs_before = BlockPool::slab_count();
  produce_and_consume<Batch>(
      kSteps,
      [] {
        Batch batch;
        for (int i = 0; i < kPerStep; ++i) batch.push_back(detail::fast::new_tensor_impl());
        return batch;
      },
      [](std::unique_ptr<Batch>) {},  // the batch's tensors freed on the consumer
      [] {});

  // Three batches alive, and each thread's two batches of free blocks, in whole slabs; and one
  // slab more per thread, partly used when the bound was reached.
  const size_t blocks_needed = 3 * kPerStep + 2 * 2 * BlockPool::kBatch;
  const size_t bound = blocks_needed / BlockPool::kBlocksPerSlab + 1 + 2;
  const size_t grown = BlockPool::slab_count() - slabs_before;
  INFO("slabs cut during " << kSteps << " steps of " << kPerStep << " tensors: " << grown
                           << " (bound " << bound << ")");
  CHECK(grown <= bound);
}

TEST_CASE(
    "one thread makes arrays, another frees them: the freeing thread keeps almost none "
    "(fast/pool.hpp, \"Which frees are kept\")",
    "[fast][pool]") {
  using detail::fast::ArrayPool;
  // The producer makes kPerStep arrays a step, of kSizes sizes; the consumer (a logging thread)
  // makes one scratch array of its own per batch and frees everything. A pool that keeps every
  // freed array on the freeing thread would leave the consumer holding all it was handed,
  // kSteps * kPerStep arrays (about 150 MiB, under the 256 MiB cap), which it never asks for
  // again. Kept only to balance its own allocations, the consumer's cache holds at most one
  // array: the one its scratch array comes back to.
  // (Under AddressSanitizer the pools step aside and keep nothing: there this checks nothing.)
  constexpr int kSteps = 300, kPerStep = 1000, kSizes = 128;
  constexpr size_t kScratch = 64;
  using Batch = std::vector<Buffer>;
  size_t consumer_cached = 0, consumer_most = 0;  // its cache at the end, and at its largest
  produce_and_consume<Batch>(
      kSteps,
      [] {
        Batch batch;
        for (int i = 0; i < kPerStep; ++i) batch.emplace_back(static_cast<size_t>(2 + i % kSizes));
        return batch;
      },
      [&](std::unique_ptr<Batch> batch) {
        Buffer scratch(kScratch);  // the consumer's own array, freed after the batch
        batch.reset();             // the batch's arrays freed on the consumer
        consumer_most = std::max(consumer_most, ArrayPool::cached_bytes());
      },
      [&] { consumer_cached = ArrayPool::cached_bytes(); });

  const size_t bound = kScratch * sizeof(double);
  INFO("the consumer's cached bytes after " << kSteps << " steps of " << kPerStep
                                            << " arrays: " << consumer_cached << ", at most "
                                            << consumer_most << " (bound " << bound << ")");
  CHECK(consumer_most <= bound);
  CHECK(consumer_cached <= bound);
}

TEST_CASE(
    "threads drawing from one Generator: each call's numbers are a whole block of its sequence",
    "[random][threads]") {
  // ag::normal takes the generator's lock once per tensor (random.hpp, "Threads"), so each
  // thread's tensors must be blocks of the one sequence that a single thread calling normal()
  // one number at a time gets: each block once, each thread's in the order it drew them. 63
  // numbers a block, an odd count: Box-Muller's spare normal passes from one block to the next,
  // and must pass with the lock. Without the lock ThreadSanitizer reports the race; a plain
  // build may see a block drawn twice, or one made of pieces.
  constexpr int kCalls = 200;
  constexpr int64_t kBlock = 63;
  std::vector<std::vector<double>> serial;
  Generator serial_gen(23);
  for (int k = 0; k < kThreads * kCalls; ++k) {
    std::vector<double>& block = serial.emplace_back();
    for (int64_t i = 0; i < kBlock; ++i) block.push_back(serial_gen.normal());
  }
  for (int run = 0; run < 5; ++run) {  // a race is a matter of timing: try several times
    INFO("run " << run);
    Generator gen(23);
    std::vector<std::vector<std::vector<double>>> drawn(kThreads);
    std::vector<std::thread> threads;
    std::latch start(kThreads);  // all draw at once, not each as soon as it is made
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&gen, &start, &blocks = drawn[t]] {
        start.arrive_and_wait();
        for (int k = 0; k < kCalls; ++k) {
          blocks.push_back(normal({kBlock}, 0.0, 1.0, gen).to_vector());
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    check_blocks_are_serial(serial, drawn);
  }
}
