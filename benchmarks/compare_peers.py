#!/usr/bin/python3
"""compare_peers.py — tapegrad's benchmark programs and the same workloads in its peers, side by side.

One run measures every side on the same machine, under the same load, alternating: each round
runs every workload once on each side (in a rotating order), and the table shows the median over
rounds. Ratios are taken between those medians, so "5x" means five times fewer milliseconds per
step than the other side (for matmul, five times the GFLOP/s), in the same run.

Workloads (each the same step on every side; float64, one thread, OpenBLAS under all of them):
  moons    micrograd's demo step: MLP 2-16-16-1 of scalars, 100 points, hinge loss + 1e-4 L2,
           SGD (benchmarks/moons.hpp). Peers: ADOL-C re-taping the step every step
           (bench_moons_adolc, C++), and micrograd itself in pure Python (re-implemented below:
           micrograd is not installable here).
  lstm     zero grads, LSTM over T steps, Linear head on the last h, MSE, backward, SGD, at two
           sizes. Peers: PyTorch's fused LSTM and an LSTM cell composed of primitive ops (what
           tapegrad's nn::LSTM is: engine ops, one node each), each from Python (torch) and from
           C++ (bench_libtorch: torch::nn::LSTM, and the composed cell).
  matmul   C = A @ B with n x n matrices, then C.backward(G): three dgemm calls, 6 n^3 flops.
           Peers: torch from Python, and libtorch from C++.
  conv     one conv2d layer, forward and backward (issue 16's: N=16, C=16 -> O=32, 32 x 32,
           3 x 3, padding 1): y = conv2d(x, weight, bias), loss = sum(y * w), backward to x,
           weight and bias (bench_conv). Peers: torch from Python, and libtorch from C++.

The C++ peers are run only where they were built (their Debian packages, libadolc-dev and
libtorch-dev, installed when the build was configured); the table leaves out what is missing.

Usage:
  /usr/bin/python3 benchmarks/compare_peers.py [--build build-bench] [--rounds 3] [--quick]
                   [--json docs/performance/results.json [--page docs/performance.md]]

--json writes the run (the table, the per-round values, the machine) as JSON, and --page then
fills that page's markers from it with the build's tools/pages (tools/pages.hpp): the page's
numbers are this run's, and CTest checks that the committed page is what the committed JSON fills
it with (benchmarks/check_page.cmake). It says so and exits 0 when PyTorch is not installed. The
environment every side runs under is printed first: OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1
are set here, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (they change which kernels OpenBLAS
picks and how it blocks them, so a run with them set is not the machine's own).
"""
import os

# Before torch (and its BLAS) is loaded: one thread for every library, on every side, and
# OpenBLAS choosing its kernels and block sizes for this machine itself.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"
REMOVED_FROM_ENV = {var: os.environ.pop(var) for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                    if var in os.environ}

import argparse
import ctypes
import json
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


# ---------------------------------------------------------------------------------------------
# micrograd, re-implemented for timing.
#
# micrograd (github.com/karpathy/micrograd, MIT licence, Andrej Karpathy) is not installable on
# this machine, so this is a re-implementation written from its algorithm, not a copy of its
# file: a Value holds a number, its gradient, its inputs and a closure that pushes the gradient
# into them (+=); backward() sorts the graph topologically with a recursive depth-first search
# and calls the closures in reverse. Neuron, Layer and MLP are micrograd's nn.py: weights
# uniform(-1, 1), bias 0, act = sum(w_i x_i, start=b), relu except in the last layer. Only the
# operations the demo uses are here.
class Value:
    __slots__ = ("data", "grad", "_backward", "_prev", "_op")

    def __init__(self, data, children=(), op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(children)
        self._op = op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(0.0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):  # other + self
        return self + other

    def __rmul__(self, other):  # other * self
        return self * other

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


class Neuron:
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, nin, nout, nonlin):
        self.neurons = [Neuron(nin, nonlin) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    def __init__(self, nin, nouts):
        sizes = [nin] + nouts
        self.layers = [Layer(sizes[i], sizes[i + 1], i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def moons(n, noise, rng):
    """Two interleaving half circles (as sklearn's make_moons), labels -1 / +1."""
    import math
    pts = []
    for k in range(n):
        upper = k < n // 2
        m = n // 2 if upper else n - n // 2
        idx = k if upper else k - n // 2
        t = math.pi * idx / max(m - 1, 1)
        x, y = (math.cos(t), math.sin(t)) if upper else (1 - math.cos(t), 1 - math.sin(t) - 0.5)
        pts.append(([x + rng.gauss(0, noise), y + rng.gauss(0, noise)], -1.0 if upper else 1.0))
    rng.shuffle(pts)
    return pts


class MicrogradDemo:
    """The demo notebook's training step, timed: forward over all points, backward, SGD.

    In demo.ipynb the points come from sklearn's make_moons as a NumPy array, so every Value made
    from them holds a numpy.float64, and so does every result computed from them: micrograd's
    arithmetic then runs on NumPy scalars, which is slower than on Python floats. numpy_data=True
    does the same (the demo as it is); numpy_data=False gives micrograd plain floats (its best case).
    """

    def __init__(self, numpy_data):
        random.seed(1337)
        points = moons(100, 0.1, random.Random(1337))
        if numpy_data:
            import numpy as np
            self.X = np.array([x for x, _ in points])
            self.y = np.array([int(y) for _, y in points])
        else:
            self.X = [x for x, _ in points]
            self.y = [y for _, y in points]
        self.model = MLP(2, [16, 16, 1])
        self.k = 0

    def step(self):
        model = self.model
        inputs = [list(map(Value, xrow)) for xrow in self.X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(self.y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model_params = model.parameters()
        for p in model_params:  # model.zero_grad()
            p.grad = 0.0
        total.backward()
        lr = 1.0 - 0.9 * self.k / 100
        for p in model_params:
            p.data -= lr * p.grad
        self.k += 1
        return total.data


# ---------------------------------------------------------------------------------------------
# PyTorch workloads. Each returns a function doing one step.
def torch_lstm_fused(torch, T, B, I, H):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(I, H).double()
    head = torch.nn.Linear(H, 1).double()
    opt = torch.optim.SGD(list(lstm.parameters()) + list(head.parameters()), lr=0.01)
    x = torch.randn(T, B, I, dtype=torch.float64)
    target = torch.randn(B, 1, dtype=torch.float64)

    def step():
        opt.zero_grad()
        _, (h, _) = lstm(x)
        loss = torch.nn.functional.mse_loss(head(h[-1]), target)
        loss.backward()
        opt.step()

    return step


def torch_lstm_composed(torch, T, B, I, H):
    """The LSTM step of tapegrad's nn::LSTM (lstm.hpp), op for op, as PyTorch primitives."""
    torch.manual_seed(0)
    k = 1.0 / H ** 0.5
    def param(*shape):
        return (torch.rand(*shape, dtype=torch.float64) * 2 * k - k).requires_grad_()
    W_ih, W_hh, b_ih, b_hh = param(4 * H, I), param(4 * H, H), param(4 * H), param(4 * H)
    head = torch.nn.Linear(H, 1).double()
    opt = torch.optim.SGD([W_ih, W_hh, b_ih, b_hh] + list(head.parameters()), lr=0.01)
    x = torch.randn(T, B, I, dtype=torch.float64)
    target = torch.randn(B, 1, dtype=torch.float64)

    def step():
        opt.zero_grad()
        W_ih_t, W_hh_t, b = W_ih.t(), W_hh.t(), b_ih + b_hh  # once per sequence
        h = torch.zeros(B, H, dtype=torch.float64)
        c = torch.zeros(B, H, dtype=torch.float64)
        for t in range(T):
            gates = torch.addmm(b, x[t], W_ih_t)      # b + x_t W_ih^T
            gates = torch.addmm(gates, h, W_hh_t)     # + h_{t-1} W_hh^T
            i = torch.sigmoid(gates[:, 0 * H:1 * H])
            f = torch.sigmoid(gates[:, 1 * H:2 * H])
            g = torch.tanh(gates[:, 2 * H:3 * H])
            o = torch.sigmoid(gates[:, 3 * H:4 * H])
            c = f * c + i * g
            h = o * torch.tanh(c)
        loss = torch.nn.functional.mse_loss(head(h), target)
        loss.backward()
        opt.step()

    return step


def torch_matmul(torch, n):
    torch.manual_seed(0)
    a = torch.randn(n, n, dtype=torch.float64, requires_grad=True)
    b = torch.randn(n, n, dtype=torch.float64, requires_grad=True)
    g = torch.ones(n, n, dtype=torch.float64)

    def rep():
        a.grad = None
        b.grad = None
        c = a @ b
        c.backward(g)

    return rep


def torch_conv(torch, N, C, O, H, W, k):
    """bench_conv's step: y = conv2d(x, weight, bias, padding k // 2), sum(y * w), backward."""
    torch.manual_seed(0)
    x = torch.randn(N, C, H, W, dtype=torch.float64, requires_grad=True)
    weight = (0.1 * torch.randn(O, C, k, k, dtype=torch.float64)).requires_grad_()
    bias = (0.1 * torch.randn(O, dtype=torch.float64)).requires_grad_()
    F = torch.nn.functional
    w = torch.randn(F.conv2d(x.detach(), weight.detach(), bias.detach(), padding=k // 2).shape,
                    dtype=torch.float64)

    def step():
        x.grad = weight.grad = bias.grad = None
        (F.conv2d(x, weight, bias, padding=k // 2) * w).sum().backward()

    return step


def time_steps(step, steps, warmup):
    """Median milliseconds per call of step() over `steps` calls, after `warmup` untimed ones:
    on the wall clock and in CPU time of this process (as bench_common.hpp measures the C++)."""
    for _ in range(warmup):
        step()
    wall, cpu = [], []
    for _ in range(steps):
        c0, w0 = time.process_time(), time.perf_counter()
        step()
        w1, c1 = time.perf_counter(), time.process_time()
        wall.append(1e3 * (w1 - w0))
        cpu.append(1e3 * (c1 - c0))
    return {"ms_per_step": statistics.median(wall), "cpu_ms_per_step": statistics.median(cpu)}


def gflops_of(n, times):
    return {"gflops": 6.0 * n ** 3 / (times["ms_per_step"] * 1e-3) / 1e9,
            "cpu_gflops": 6.0 * n ** 3 / (times["cpu_ms_per_step"] * 1e-3) / 1e9}


# ---------------------------------------------------------------------------------------------
# The C++ programs (tapegrad's and its C++ peers'): run, and read their last line
# "BENCH name key=value ...".
def run_bench(build, name, args):
    exe = build / "benchmarks" / name
    run = subprocess.run([str(exe)] + [str(a) for a in args], capture_output=True, text=True,
                         env=os.environ.copy())
    if run.returncode != 0:  # e.g. bench_moons_adolc's check that it computes what tapegrad does
        sys.exit(f"compare_peers: {exe.name} {' '.join(map(str, args))} failed "
                 f"(exit {run.returncode}):\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    out = run.stdout
    line = [l for l in out.splitlines() if l.startswith("BENCH ")][-1]
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-+.\deE]+)", line)}


# Where a tapegrad program's time goes, by the shared object its samples fall in: OpenBLAS's dgemm
# and glibc's vector exp/tanh (libmvec) do the arithmetic every side does alike; everything else
# (the program itself: engine, nn and the benchmark; libc's memset/memcpy/malloc; the kernel's
# page faults) is what tapegrad's own design costs.
PROFILE_GROUPS = (("OpenBLAS", "libopenblas"), ("libmvec", "libmvec"), ("libc", "libc.so"),
                  ("kernel", "[kernel"))


def profile_shares(build, name, args):
    """perf's share of samples (cpu-clock) per group of PROFILE_GROUPS, the rest under "engine"
    (the program and whatever else it loaded), in percent."""
    exe = build / "benchmarks" / name
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        run = subprocess.run(["perf", "record", "-q", "-o", str(data), str(exe)]
                             + [str(a) for a in args], capture_output=True, text=True,
                             env=os.environ.copy())
        if run.returncode != 0:  # e.g. perf_event_paranoid forbids sampling for this user
            sys.exit(f"compare_peers --profile: perf record {exe.name} failed (exit "
                     f"{run.returncode}):\n{run.stderr[-2000:]}")
        report = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio",
                                 "--sort", "dso", "-q"], check=True, capture_output=True,
                                text=True).stdout
    shares = {group: 0.0 for group, _ in PROFILE_GROUPS}
    shares["engine"] = 0.0
    for line in report.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)", line)
        if not m:
            continue
        group = next((g for g, prefix in PROFILE_GROUPS if m.group(2).startswith(prefix)), "engine")
        shares[group] += float(m.group(1))
    return shares


def markdown_table(header, rows):
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def format_ratio(ratio, by=None):
    """A ratio as the tables show it: whole numbers from 100x on (decided by `by`, the CPU-time
    ratio, when given, so that a row's two ratios share a format)."""
    return ("{:.0f}x" if (ratio if by is None else by) >= 100 else "{:.2f}x").format(ratio)


# The peers each profiled program is held against (those with a target), as the table names them.
PROFILE_PEERS = {
    "moons": (("moons/adolc", "ADOL-C"), ("moons/micrograd", "micrograd")),
    "lstm-small": (("lstm-small/fused", "torch.nn.LSTM"), ("lstm-small/libtorch", "torch::nn::LSTM")),
    "lstm-large": (("lstm-large/fused", "torch.nn.LSTM"),),
    "matmul": (("matmul/torch", "torch"),),
    "conv": (("conv/libtorch", "libtorch"),),
}
# How many times a timing round's steps each profiled run takes, so that set-up (making the data
# and the weights) is a small part of its samples.
PROFILE_LONGER = {"moons": 5, "lstm-small": 25, "lstm-large": 1, "matmul": 5, "conv": 5}


def profile_rows(build, ours, results, ratios):
    """The profile table: for each of tapegrad's programs (`ours`: workload -> label, program,
    arguments), where its time goes (profile_shares), and for each targeted peer, the CPU-time
    ratio now and its ceiling: the ratio tapegrad would reach if everything but OpenBLAS and
    libmvec took no time at all (the same graph, the same arithmetic)."""
    rows = []
    for workload, (label, program, bench_args) in ours.items():
        if not (build / "benchmarks" / program).exists():
            continue
        longer = list(bench_args)
        count = longer.index("--steps" if "--steps" in longer else "--reps") + 1
        longer[count] *= PROFILE_LONGER[workload]
        print(f"profiling {program} {' '.join(map(str, longer))} ...", flush=True)
        shares = profile_shares(build, program, longer)
        floor = (shares["OpenBLAS"] + shares["libmvec"]) / 100
        cells = [f"{shares[g]:.0f}%" for g in ("OpenBLAS", "libmvec", "libc", "kernel", "engine")]
        for peer, peer_name in PROFILE_PEERS[workload]:
            if peer not in results:
                continue
            ratio = ratios(f"{workload}/tapegrad", peer)[1]
            ceiling = format_ratio(ratio / floor) if floor >= 0.01 else "none"
            rows.append([label] + cells + [peer_name, format_ratio(ratio), ceiling,
                                           f">= {TARGETS[peer]:g}x"])
    return markdown_table(("workload", "OpenBLAS", "libmvec", "libc", "kernel", "engine", "peer",
                           "ratio (CPU)", "ceiling", "target"), rows)


def debian_version(package):
    """The installed version of a Debian package, or None."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True,
                             text=True)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def machine_info(torch):
    info = {}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["cores"] = os.cpu_count()
    info["python"] = platform.python_version()
    info["torch"] = torch.__version__
    for package in ("libtorch-dev", "libadolc-dev"):
        info[package] = debian_version(package) or "(not installed)"
    try:
        ob = ctypes.CDLL("libopenblas.so.0")
        ob.openblas_get_config.restype = ctypes.c_char_p
        ob.openblas_get_corename.restype = ctypes.c_char_p
        info["openblas"] = ob.openblas_get_config().decode()
        info["openblas core"] = ob.openblas_get_corename().decode()
    except (OSError, AttributeError):
        info["openblas"] = "(libopenblas.so.0 not found)"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        info[var] = os.environ.get(var, "(unset)")
    for var, value in REMOVED_FROM_ENV.items():
        info[var] += f" (was {value}; removed for every side)"
    info["torch threads"] = torch.get_num_threads()
    return info


def engine_commit():
    """The commit checked out where the script runs, with '+changes' when the code (anything but
    docs/, which a run rewrites) differs from it. (Build the benchmarks from the same checkout.)"""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no",
                                "--", ".", ":!docs"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" +changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "(not a git checkout)"


# ---------------------------------------------------------------------------------------------
# The targets: issue 19's, as ratios in one run ("how many times faster tapegrad is"). A row
# without a target is shown for comparison only.
TARGETS = {
    "moons/adolc": 1.0,
    "moons/micrograd": 600.0,
    "moons/micrograd-floats": 600.0,
    "lstm-small/fused": 8.0,
    "lstm-small/libtorch": 12.0,
    "lstm-large/fused": 2.0,
    "matmul/torch": 0.9,
    "conv/libtorch": 1.0,  # issue 16's
}
# The workloads' sizes, shared with compare_builds.py: the LSTMs as (T, B, I, H), the matmul's n,
# the convolution as (N, C, O, H, W, k), then steps (or repetitions) per round: the two LSTMs',
# the matmul's, the moons step's and the convolution's.
SIZES = ((50, 16, 8, 32), (100, 64, 32, 128), 512, (16, 16, 32, 32, 32, 3), (40, 10), 20, 100, 20)
QUICK_SIZES = ((5, 2, 2, 4), (5, 4, 3, 8), 32, (2, 3, 4, 6, 5, 3), (3, 3), 3, 3, 3)

RSS_LIMIT_MB = 250.0  # the large LSTM's peak resident memory


def verdict(ratios, target):
    """Met or missed, judged on the CPU-time ratio; says how far off, and whether the wall clock agrees."""
    wall, cpu = ratios
    text = "met" if cpu >= target else f"MISSED: {cpu / target:.0%} of target"
    if (wall >= target) != (cpu >= target):
        text += f" (wall clock {wall:.3g}x: {'met' if wall >= target else 'missed'})"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=str(REPO / "build-bench"),
                        help="CMake build folder holding benchmarks/bench_* (Release)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians over them)")
    parser.add_argument("--micrograd-steps", type=int, default=2,
                        help="micrograd steps timed per round (each takes about a second)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and step counts: checks it runs")
    parser.add_argument("--json", help="write the run here (e.g. docs/performance/results.json)")
    parser.add_argument("--page", help="then fill this page's markers from it (e.g. docs/performance.md)")
    parser.add_argument("--profile", action="store_true",
                        help="after the rounds, sample tapegrad's programs with perf (linux-perf) "
                             "and show where their time goes: which targets the engine alone could reach")
    args = parser.parse_args()
    if args.page and not args.json:
        parser.error("--page fills the page from the JSON that --json writes: give both")
    if args.profile and shutil.which("perf") is None:
        parser.error("--profile samples with perf, which is not installed: apt-get install linux-perf")
    if args.page and not (Path(args.build) / "tools" / "pages").exists():
        parser.error(f"--page needs {args.build}/tools/pages: cmake --build {args.build} --target pages")

    try:
        import torch
    except ImportError:
        print("PyTorch is not installed for this Python (apt-get install python3-torch); "
              "nothing to compare against. Skipping.")
        return 0
    torch.set_num_threads(1)
    build = Path(args.build)
    sys.setrecursionlimit(10000)  # micrograd's recursive topological sort
    started = time.monotonic()

    if args.quick:
        args.micrograd_steps = 1
    small, large, n, conv, lstm_steps, mm_reps, moons_steps, conv_steps = (
        QUICK_SIZES if args.quick else SIZES)

    # Which C++ peers were built.
    have_adolc = (build / "benchmarks" / "bench_moons_adolc").exists()
    have_libtorch = (build / "benchmarks" / "bench_libtorch").exists()
    missing = [f"{name} (not built: {package} was not installed when {build} was configured)"
               for name, package, have in (("bench_moons_adolc", "libadolc-dev", have_adolc),
                                           ("bench_libtorch", "libtorch-dev", have_libtorch))
               if not have]

    info = machine_info(torch)
    print("Machine and environment (every side):")
    for k, v in info.items():
        print(f"  {k}: {v}")
    for m in missing:
        print(f"  left out: {m}")
    load_before = os.getloadavg()
    print(f"  load average at start: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    if load_before[0] > 1.5:
        print("  (the machine is busy: wall-clock times will be inflated and noisy; a run to commit "
              "belongs to a quiet machine)")
    print()

    results = {}  # key -> list of per-round results

    def add(key, value):
        results.setdefault(key, []).append(value)

    demo_numpy, demo_float = MicrogradDemo(numpy_data=True), MicrogradDemo(numpy_data=False)
    lstm_cases = [("small", small, lstm_steps[0]), ("large", large, lstm_steps[1])]
    torch_steps = {}
    for name, (T, B, I, H), _ in lstm_cases:
        torch_steps[name] = (torch_lstm_fused(torch, T, B, I, H), torch_lstm_composed(torch, T, B, I, H))
    mm = torch_matmul(torch, n)
    conv_step = torch_conv(torch, *conv)

    # Each workload is a group of jobs, one per side; a job runs that side once and records it.
    jobs = []
    # tapegrad's side of each workload: its label (without the unit), program and arguments, for
    # the table and for --profile.
    ours = {"moons": ("moons demo step", "bench_moons", ["--steps", moons_steps])}
    moons_jobs = [
        lambda: add("moons/tapegrad", run_bench(build, *ours["moons"][1:])),
        lambda: add("moons/micrograd", time_steps(demo_numpy.step, args.micrograd_steps, 0)),
        lambda: add("moons/micrograd-floats", time_steps(demo_float.step, args.micrograd_steps, 0)),
    ]
    if have_adolc:
        moons_jobs.append(lambda: add("moons/adolc", run_bench(build, "bench_moons_adolc",
                                                               ["--steps", moons_steps])))
    jobs.append(moons_jobs)
    for name, (T, B, I, H), steps in lstm_cases:
        fused, composed = torch_steps[name]
        warm = 1 if name == "large" else 3
        sizes = ["--seq", T, "--batch", B, "--input", I, "--hidden", H, "--steps", steps, "--warmup", warm]
        ours[f"lstm-{name}"] = (f"LSTM T={T} B={B} I={I} H={H}", "bench_lstm", sizes)
        group = [
            lambda name=name, sizes=sizes: add(f"lstm-{name}/tapegrad",
                                               run_bench(build, "bench_lstm", sizes)),
            lambda name=name, fused=fused, steps=steps, warm=warm: add(
                f"lstm-{name}/fused", time_steps(fused, steps, warm)),
            lambda name=name, composed=composed, steps=steps, warm=warm: add(
                f"lstm-{name}/composed", time_steps(composed, steps, warm)),
        ]
        if have_libtorch:
            group += [
                lambda name=name, sizes=sizes: add(f"lstm-{name}/libtorch", run_bench(
                    build, "bench_libtorch", ["--workload", "lstm"] + sizes)),
                lambda name=name, sizes=sizes: add(f"lstm-{name}/libtorch-composed", run_bench(
                    build, "bench_libtorch", ["--workload", "lstm-composed"] + sizes)),
            ]
        jobs.append(group)
    ours["matmul"] = (f"matmul n={n}", "bench_matmul", ["--n", n, "--reps", mm_reps])
    mm_jobs = [
        lambda: add("matmul/tapegrad", run_bench(build, *ours["matmul"][1:])),
        lambda: add("matmul/torch", gflops_of(n, time_steps(mm, mm_reps, 3))),
    ]
    if have_libtorch:
        mm_jobs.append(lambda: add("matmul/libtorch", run_bench(
            build, "bench_libtorch", ["--workload", "matmul", "--n", n, "--steps", mm_reps])))
    jobs.append(mm_jobs)
    conv_sizes = [arg for flag, size in zip(("--batch", "--in-channels", "--out-channels",
                                             "--height", "--width", "--kernel"), conv)
                  for arg in (flag, size)] + ["--steps", conv_steps, "--warmup", 3]
    ours["conv"] = ("conv2d N={} C={} -> O={} {}x{} {k}x{k}".format(*conv[:5], k=conv[5]),
                    "bench_conv", conv_sizes)
    conv_jobs = [
        lambda: add("conv/tapegrad", run_bench(build, "bench_conv", conv_sizes)),
        lambda: add("conv/torch", time_steps(conv_step, conv_steps, 3)),
    ]
    if have_libtorch:
        conv_jobs.append(lambda: add("conv/libtorch", run_bench(
            build, "bench_libtorch", ["--workload", "conv"] + conv_sizes)))
    jobs.append(conv_jobs)

    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds} ...", flush=True)
        # Rotate who goes first, so no side always gets the quieter moment.
        for group in jobs:
            k = r % len(group)
            for job in group[k:] + group[:k]:
                job()

    load_after = os.getloadavg()
    seconds = time.monotonic() - started

    def field(key, f):
        return statistics.median(v[f] for v in results[key])

    def pair(key):
        """(wall, cpu) medians over rounds of one workload on one side, in its own unit."""
        if "gflops" in results[key][0]:
            return field(key, "gflops"), field(key, "cpu_gflops")
        return field(key, "ms_per_step"), field(key, "cpu_ms_per_step")

    def show(p, digits=2):
        return f"{p[0]:.{digits}f} ({p[1]:.{digits}f})"

    # Each row: workload, tapegrad, peer, the peer's time, the ratio on the wall clock and in CPU
    # time, target, verdict. Verdicts are judged on CPU time, which load on a shared machine does
    # not inflate (see the load averages printed with the table), and say when the wall-clock
    # ratio would judge otherwise.
    rows = []

    def ratios(ours_key, peer_key):
        """How many times faster tapegrad is, (on the wall clock, in CPU time)."""
        mine, theirs = pair(ours_key), pair(peer_key)
        if "gflops" in results[ours_key][0]:  # a rate: higher is better
            return mine[0] / theirs[0], mine[1] / theirs[1]
        return theirs[0] / mine[0], theirs[1] / mine[1]  # a time: lower is better

    def row(workload, ours_key, peer_key, peer_label, digits=2):
        if peer_key not in results:
            return
        ratio = ratios(ours_key, peer_key)
        target = TARGETS.get(peer_key)
        rows.append((workload, show(pair(ours_key)), peer_label, show(pair(peer_key), digits),
                     format_ratio(ratio[0], ratio[1]), format_ratio(ratio[1]),
                     f">= {target:g}x" if target else "(no target)",
                     verdict(ratio, target) if target else "-"))

    moons_label = ours["moons"][0] + ", ms"
    row(moons_label, "moons/tapegrad", "moons/adolc", "ADOL-C, re-taped each step (C++)")
    row(moons_label, "moons/tapegrad", "moons/micrograd", "micrograd, demo as is (NumPy data)", 0)
    row(moons_label, "moons/tapegrad", "moons/micrograd-floats", "micrograd, Python floats", 0)
    rss = {}
    for name, (T, B, I, H), _ in lstm_cases:
        label = ours[f"lstm-{name}"][0] + ", ms"
        key = f"lstm-{name}/tapegrad"
        row(label, key, f"lstm-{name}/fused", "torch.nn.LSTM (Python)")
        row(label, key, f"lstm-{name}/composed", "composed cell (Python)")
        row(label, key, f"lstm-{name}/libtorch", "torch::nn::LSTM (C++)")
        row(label, key, f"lstm-{name}/libtorch-composed", "composed cell (C++)")
        rss[name] = field(key, "peak_rss_mb")
    T, B, I, H = large
    rows.append((f"LSTM T={T} B={B} I={I} H={H}, peak RSS MB", f"{rss['large']:.0f}", "-", "-", "-", "-",
                 f"< {RSS_LIMIT_MB:g} MB", "met" if rss["large"] < RSS_LIMIT_MB
                 else f"MISSED by {rss['large'] - RSS_LIMIT_MB:.0f} MB"))
    mm_label = ours["matmul"][0] + " fwd+bwd, GFLOP/s"
    row(mm_label, "matmul/tapegrad", "matmul/torch", "torch (Python)")
    row(mm_label, "matmul/tapegrad", "matmul/libtorch", "libtorch (C++)")
    conv_label = ours["conv"][0] + " fwd+bwd, ms"
    row(conv_label, "conv/tapegrad", "conv/torch", "torch (Python)")
    row(conv_label, "conv/tapegrad", "conv/libtorch", "libtorch (C++)")

    profile_table = profile_rows(build, ours, results, ratios) if args.profile else None

    table = markdown_table(("workload", "tapegrad", "peer", "peer's", "ratio (wall)", "ratio (CPU)",
                            "target", "verdict"), rows)
    per_round = ""
    for key, values in results.items():
        main_key = "gflops" if "gflops" in values[0] else "ms_per_step"
        per_round += f"{key}: " + ", ".join(f"{v[main_key]:.2f} ({v['cpu_' + main_key]:.2f})"
                                            for v in values) + "\n"
    nodes = int(field("moons/tapegrad", "nodes_per_step"))
    acc = field("moons/tapegrad", "accuracy")
    command = "/usr/bin/python3 benchmarks/compare_peers.py " + " ".join(sys.argv[1:])
    load = f"{load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end"

    print()
    print(f"Medians over {args.rounds} alternating rounds ({seconds:.0f} s); load average {load} "
          f"({info['cores']} cores).")
    print(f"moons: {nodes} tape nodes per step, final accuracy {acc:.0%}"
          + (f"; ADOL-C: {int(field('moons/adolc', 'ops_per_step'))} tape operations per step"
             if "moons/adolc" in results else "")
          + "; LSTM peak RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))
    for m in missing:
        print(f"Left out: {m}")
    print()
    print("Times are wall clock (CPU time in parentheses); a ratio is how many times faster tapegrad")
    print("is (for GFLOP/s: tapegrad's rate over the peer's).")
    print()
    print(table)
    print("Per-round values, wall clock (CPU time):")
    print(per_round)
    if profile_table:
        print("Where tapegrad's time goes (perf samples, % of the program's run):")
        print(profile_table)

    if args.json:
        write_results(Path(args.json), args, info, table, per_round, command, load, seconds, nodes,
                      results, missing, profile_table)
        print(f"compare_peers: wrote {args.json}")
        if args.page:
            pages = build / "tools" / "pages"
            if not pages.exists():
                sys.exit(f"compare_peers: {pages} is not built (cmake --build {build} --target pages), "
                         f"so {args.page} was not filled; then run: {pages} fill {args.page} {args.json}")
            subprocess.run([str(pages), "fill", args.page, args.json], check=True)
    return 0


def write_results(path, args, info, table, per_round, command, load, seconds, nodes, results,
                  missing, profile_table):
    """The run as JSON, in the shape tools/pages.hpp fills pages from: "values" (inline text),
    "tables" (fenced text) and "markdown" (a Markdown block), each entry {"text", "kind"}; every
    entry is of kind "timing" (never compared with another run: speed depends on the machine).
    "raw" keeps every round's numbers as the programs reported them."""
    def entry(text):
        return {"text": text, "kind": "timing"}

    machine = (f"{info.get('cpu', '(unknown CPU)')}, {info['cores']} cores; Python {info['python']}, "
               f"torch {info['torch']} (Python), libtorch-dev {info['libtorch-dev']}, "
               f"libadolc-dev {info['libadolc-dev']}; {info['openblas']}, core "
               f"{info.get('openblas core', '?')}; OPENBLAS_NUM_THREADS={info['OPENBLAS_NUM_THREADS']}, "
               f"OMP_NUM_THREADS={info['OMP_NUM_THREADS']}, OPENBLAS_CORETYPE "
               f"{info['OPENBLAS_CORETYPE']}, OPENBLAS_L2_SIZE {info['OPENBLAS_L2_SIZE']}; "
               f"torch threads {info['torch threads']}")
    data = {
        "mode": "quick" if args.quick else "full",
        "values": {
            "command": entry(f"`{command}`"),
            "mode": entry("full sizes" if not args.quick else
                          "`--quick`: tiny sizes, to show the script works; it measures nothing"),
            "commit": entry(f"`{engine_commit()}`"),
            "date": entry(datetime.now(timezone.utc).strftime("%Y-%m-%d")),
            "rounds": entry(str(args.rounds)),
            "seconds": entry(f"{seconds:.0f}"),
            "load": entry(load),
            "machine": entry(machine),
            "moons_nodes": entry(f"{nodes:,}"),
            "left_out": entry("; ".join(missing) if missing else "nothing"),
        },
        "tables": {"per_round": entry(per_round)},
        "markdown": {"peers": entry(table),
                     "profile": entry(profile_table or "(not profiled in this run: `--profile`)\n")},
        "raw": results,
    }
    # (Every value the page names is written, so a run without a peer still fills the page.)
    data["values"]["adolc_ops"] = data["values"]["adolc_check"] = entry("(ADOL-C not run)")
    if "moons/adolc" in results:
        ops = int(statistics.median(v["ops_per_step"] for v in results["moons/adolc"]))
        diff = max(v["check_max_loss_diff"] for v in results["moons/adolc"])
        data["values"]["adolc_ops"] = entry(f"{ops:,}")
        data["values"]["adolc_check"] = entry(f"{diff:.2g}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
