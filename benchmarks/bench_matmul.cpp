// bench_matmul — a square matrix multiply, forward and backward, through the engine.
//
//     C = A @ B                       [n, n] @ [n, n]         2 n^3 flops
//     C.backward(G)                   d A = G @ B^T, d B = A^T @ G   4 n^3 flops
//
// All three products are cblas_dgemm calls, so the rate (GFLOP/s over 6 n^3 flops) shows how
// much the engine adds around BLAS: allocating C and the two gradients, recording one node,
// the reverse loop. At n = 512 that should be lost in the noise; compare_peers.py measures
// torch's matmul on the same work (from Python, and from C++ in bench_libtorch) to show it.
//
// Last line:  BENCH matmul n=.. gflops=<x> cpu_gflops=<x per CPU second>
//
// What this file leaves out: rectangular and batched shapes (same code path), and threads
// (one, like everything here).
#include <CLI/CLI.hpp>
#include <autograd/autograd.hpp>
#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "bench_common.hpp"

using ag::Tensor;

int main(int argc, char** argv) {
  bench::single_thread(argv);  // first: it may start the program again
  CLI::App app("Square matmul forward + backward through the engine: GFLOP/s");
  int64_t n = 512;
  int reps = 20, warmup = 3;
  app.add_option("--n", n, "Matrix size n (A, B are n x n)")->capture_default_str();
  app.add_option("--reps", reps, "Timed repetitions")->capture_default_str();
  app.add_option("--warmup", warmup, "Untimed repetitions first")->capture_default_str();
  app.set_version_flag("--version", ag::version_line("bench_matmul"));
  CLI11_PARSE(app, argc, argv);

  ag::Generator gen(0);
  Tensor a = ag::normal({n, n}, 0.0, 1.0, gen, /*requires_grad=*/true);
  Tensor b = ag::normal({n, n}, 0.0, 1.0, gen, /*requires_grad=*/true);
  const Tensor g = ag::ones({n, n});  // the gradient arriving at C

  auto rep = [&] {
    a.zero_grad();
    b.zero_grad();
    ag::Tape tape;
    Tensor c = ag::matmul(a, b);
    tape.backward(c, g);
  };
  // The forward product alone, without a tape (the rate BLAS gives the engine's matmul).
  auto forward_only = [&] {
    ag::NoGradGuard no_grad;
    Tensor c = ag::matmul(a, b);
  };

  for (int r = 0; r < warmup; ++r) rep();
  std::vector<bench::Sample> times, forward_times;
  for (int r = 0; r < reps; ++r) {
    times.push_back(bench::measure(rep));
    forward_times.push_back(bench::measure(forward_only));
  }

  const double nn = static_cast<double>(n);
  const bench::Summary t = bench::summarize_wall(times);
  const bench::Summary f = bench::summarize_wall(forward_times);
  const bench::Summary cpu = bench::summarize_cpu(times);
  const double gflops = 6.0 * nn * nn * nn / (t.median * 1e-3) / 1e9;
  const double cpu_gflops = 6.0 * nn * nn * nn / (cpu.median * 1e-3) / 1e9;
  const double forward_gflops = 2.0 * nn * nn * nn / (f.median * 1e-3) / 1e9;
  fmt::print("matmul n={}: forward + backward median {:.3f} ms (min {:.3f}, max {:.3f}), {} reps\n",
             n, t.median, t.min, t.max, reps);
  fmt::print("  forward + backward: {:.2f} GFLOP/s (6 n^3 flops)\n", gflops);
  fmt::print("  forward only:       {:.2f} GFLOP/s (2 n^3 flops, {:.3f} ms)\n", forward_gflops,
             f.median);
  fmt::print("  forward + backward per CPU second: {:.2f} GFLOP/s\n", cpu_gflops);
  fmt::print("BENCH matmul n={} gflops={:.3f} cpu_gflops={:.3f}\n", n, gflops, cpu_gflops);
  return 0;
}
