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
two sizes, bench_matmul at its n (SIZES there). The ratio column is after / before in speed: above 1 is faster.
The environment is compare_peers.py's (one thread, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset):
importing it sets that up.
"""
import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_peers import QUICK_SIZES, SIZES, run_bench  # noqa: E402  (also sets the environment)


def workloads(sizes):
    """(label, program, arguments, the BENCH key, whether larger is faster), at compare_peers.py's
    sizes."""
    small, large, n, _, lstm_steps, mm_reps, moons_steps, _ = sizes
    rows = [("moons step", "bench_moons", ["--steps", moons_steps], "ms_per_step", False)]
    for (T, B, I, H), steps, warm in ((small, lstm_steps[0], 3), (large, lstm_steps[1], 1)):
        rows.append((f"LSTM T={T} B={B} I={I} H={H}", "bench_lstm",
                     ["--seq", T, "--batch", B, "--input", I, "--hidden", H, "--steps", steps,
                      "--warmup", warm], "ms_per_step", False))
    rows.append((f"matmul n={n}", "bench_matmul", ["--n", n, "--reps", mm_reps], "gflops", True))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the build to compare against")
    parser.add_argument("--after", required=True, help="the build of the change")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that it runs")
    args = parser.parse_args()
    builds = {"before": Path(args.before), "after": Path(args.after)}
    jobs = workloads(QUICK_SIZES if args.quick else SIZES)

    values = {(label, side): [] for label, *_ in jobs for side in builds}
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds} ...", flush=True)
        for label, program, bench_args, key, _ in jobs:
            sides = list(builds) if r % 2 == 0 else list(reversed(builds))  # alternate who is first
            for side in sides:
                values[(label, side)].append(run_bench(builds[side], program, bench_args)[key])

    print(f"\n{'workload':28} {'before':>10} {'after':>10}  after/before speed")
    worst = None
    for label, _, _, key, larger_is_faster in jobs:
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
