#!/usr/bin/python3
"""compare_builds.py — tapegrad's own benchmarks from two builds (before and after a change), side
by side in one run.

A change that claims to cost no speed (issue 14: "no benchmark slower by more than 5%") is judged
the way compare_peers.py judges peers: both builds' programs run on the same machine under the
same load, alternating, each round in a rotating order, and the table shows the median over
rounds. Times move by more than 5% between runs (docs/performance.md); ratios in one run do not.

Usage (two Release builds of the benchmarks, e.g. a worktree of the old commit and this one):
  /usr/bin/python3 benchmarks/compare_builds.py --before ../base/build-bench --after build-bench
                   [--rounds 5] [--quick]

Workloads: bench_moons (micrograd's demo step, scalar engine), bench_lstm at compare_peers.py's
two sizes, bench_matmul n=512. The ratio column is after / before in speed: above 1 is faster.
The environment is compare_peers.py's (one thread, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset):
importing it sets that up.
"""
import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_peers import run_bench  # noqa: E402  (also sets the benchmark environment)

# (label, program, arguments, the BENCH key, whether larger is faster)
FULL = [
    ("moons step", "bench_moons", ["--steps", 100], "ms_per_step", False),
    ("LSTM T=50 B=16 I=8 H=32", "bench_lstm",
     ["--seq", 50, "--batch", 16, "--input", 8, "--hidden", 32, "--steps", 40], "ms_per_step", False),
    ("LSTM T=100 B=64 I=32 H=128", "bench_lstm",
     ["--seq", 100, "--batch", 64, "--input", 32, "--hidden", 128, "--steps", 10, "--warmup", 1],
     "ms_per_step", False),
    ("matmul n=512", "bench_matmul", ["--n", 512, "--reps", 20], "gflops", True),
]
QUICK = [
    ("moons step", "bench_moons", ["--steps", 3], "ms_per_step", False),
    ("LSTM T=5 B=2 I=2 H=4", "bench_lstm",
     ["--seq", 5, "--batch", 2, "--input", 2, "--hidden", 4, "--steps", 3], "ms_per_step", False),
    ("matmul n=32", "bench_matmul", ["--n", 32, "--reps", 3], "gflops", True),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the build to compare against")
    parser.add_argument("--after", required=True, help="the build of the change")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that it runs")
    args = parser.parse_args()
    builds = {"before": Path(args.before), "after": Path(args.after)}
    workloads = QUICK if args.quick else FULL

    values = {(label, side): [] for label, *_ in workloads for side in builds}
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds} ...", flush=True)
        for label, program, bench_args, key, _ in workloads:
            sides = list(builds) if r % 2 == 0 else list(reversed(builds))  # alternate who is first
            for side in sides:
                values[(label, side)].append(run_bench(builds[side], program, bench_args)[key])

    print(f"\n{'workload':28} {'before':>10} {'after':>10}  after/before speed")
    worst = None
    for label, _, _, key, larger_is_faster in workloads:
        before = statistics.median(values[(label, "before")])
        after = statistics.median(values[(label, "after")])
        speed = after / before if larger_is_faster else before / after
        unit = "GFLOP/s" if larger_is_faster else "ms"
        print(f"{label:28} {before:10.4f} {after:10.4f}  {speed:5.3f}x  ({unit}, median of "
              f"{args.rounds})")
        worst = speed if worst is None else min(worst, speed)
    print(f"\nslowest change: {worst:.3f}x ({'within' if worst >= 0.95 else 'PAST'} issue 14's 5%)")


if __name__ == "__main__":
    main()
