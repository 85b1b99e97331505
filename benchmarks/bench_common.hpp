// bench_common.hpp — what the benchmark programs share: one thread, a clock, medians, peak memory.
//
// Every benchmark times each repetition on its own and reports the median, not the mean: on a
// shared machine one repetition may be interrupted, and the median ignores it. Each repetition
// is timed twice over: wall clock and CPU time (see `measure`). The last line a
// program prints is "BENCH <name> key=value ...", which compare_peers.py reads.
//
// What this file leaves out: statistics beyond min/median/max, and any warm-up policy other
// than "run a few repetitions untimed first" (each program has a --warmup option).
#pragma once

#include <cblas.h>  // OpenBLAS's: declares openblas_set_num_threads
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace bench {

// One thread everywhere: the targets compare single-threaded engines, and the machine is shared.
//
// openblas_set_num_threads(1) alone is not enough: OpenBLAS starts its worker threads when the
// library loads, before main, and those keep polling (sched_yield) for work that never comes.
// On this 2-core machine that doubled the CPU time a small LSTM step reported, and slowed the
// step itself. Only OPENBLAS_NUM_THREADS=1 in the environment at start-up keeps them from being
// made, so without it the program sets it and starts itself again (execv keeps the arguments).
// compare_peers.py sets it anyway.
inline void single_thread(char** argv) {
  const char* set = std::getenv("OPENBLAS_NUM_THREADS");
  if (set == nullptr || std::string_view(set) != "1") {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);  // returns only if it failed: then go on as we are
  }
  openblas_set_num_threads(1);
}

// How long one call took: on the wall clock, and in CPU time of this process.
//
// On a quiet machine the two agree. On a shared one (other builds and tests running on the same
// two cores) the wall clock also counts the time the scheduler gave to others, while CPU time
// counts only this program's own work, so the programs report both and compare_peers.py
// measures PyTorch the same two ways.
struct Sample {
  double wall_ms = 0.0;
  double cpu_ms = 0.0;
};

inline double cpu_now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return 1e3 * static_cast<double>(ts.tv_sec) + 1e-6 * static_cast<double>(ts.tv_nsec);
}

template <class F>
Sample measure(F&& f) {
  const double cpu_start = cpu_now_ms();
  const auto start = std::chrono::steady_clock::now();
  f();
  const auto end = std::chrono::steady_clock::now();
  return {std::chrono::duration<double, std::milli>(end - start).count(), cpu_now_ms() - cpu_start};
}

struct Summary {
  double min = 0.0, median = 0.0, max = 0.0;
};

// Min, median and max of the samples (the median of an even count is the mean of the middle two).
inline Summary summarize(std::vector<double> samples) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  const double median = n % 2 == 1 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
  return {samples.front(), median, samples.back()};
}

// The same for the wall-clock and the CPU times of a list of samples.
inline Summary summarize_wall(const std::vector<Sample>& samples) {
  std::vector<double> v;
  for (const Sample& s : samples) v.push_back(s.wall_ms);
  return summarize(std::move(v));
}
inline Summary summarize_cpu(const std::vector<Sample>& samples) {
  std::vector<double> v;
  for (const Sample& s : samples) v.push_back(s.cpu_ms);
  return summarize(std::move(v));
}

// The most memory this process has had resident at once, in MB.
//
// Read from VmHWM in /proc/self/status, the high-water mark of this program's own memory.
// getrusage's ru_maxrss is the usual answer, but Linux carries it over from the parent through
// fork and exec: started from a Python process that holds PyTorch (compare_peers.py), a tiny
// benchmark would report the parent's ~280 MB. ru_maxrss (kilobytes) is the fallback.
inline double peak_rss_mb() {
  if (std::FILE* status = std::fopen("/proc/self/status", "r")) {
    char line[256];
    long kb = -1;
    while (std::fgets(line, sizeof line, status) != nullptr) {
      if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    }
    std::fclose(status);
    if (kb >= 0) return static_cast<double>(kb) / 1024.0;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace bench
