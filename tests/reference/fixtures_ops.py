"""PyTorch reference values and gradients for every op in autograd/include/autograd/ops.hpp.

Called by make_fixtures.py (`/usr/bin/python3 tests/reference/make_fixtures.py ops`), which writes
the dict that generate() returns to tests/reference/ops.json. tests/autograd/fixtures_test.cpp
replays every case on the engine and compares it with what torch computed here.

Each case is one op call on fixed inputs (drawn once from a seeded torch generator and stored in
the JSON, so the C++ side never needs to reproduce torch's random numbers):

    {"name": "add [2, 3] + [3]", "op": "add", "args": {...},
     "inputs":  [{"shape": [2, 3], "values": [...], "requires_grad": true}, ...],
     "output":  {"shape": [2, 3], "values": [...]},
     "weights": [...],              # w, of the output's shape
     "grads":   [[...], null, ...]} # d sum(output * w) / d input, null if it needs no grad

Backward runs on sum(output * w) with fixed random weights w, so every output element takes part
with its own weight (a plain sum would hide a rule that swaps two elements' gradients).

Inputs stay away from the points where a derivative is undefined (relu and abs at 0, ties in
max / maximum), except in the cases named "convention ...", which pin down the value the engine
promises to share with PyTorch there: maximum/minimum split grad/2 on a tie, relu'(0) = 0,
abs'(0) = 0, leaky_relu'(0) = slope, clamp passes grad at its bounds (inclusive), hardtanh does
not (exclusive), and pow's d exponent is 0 where the base is 0.

One entry is not from torch: "random" holds the first numbers of the engine's Generator(42),
recomputed here from random.hpp's algorithm (see engine_random below) for random_test.cpp.
"""
import torch

F64 = torch.float64


class Fixtures:
    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)
        self.cases = []

    # --- inputs ----------------------------------------------------------------------------
    def randn(self, *shape, scale=1.0):
        return torch.randn(tuple(shape), generator=self.gen, dtype=F64) * scale

    def away_from_zero(self, *shape, gap=0.1):
        """Normal numbers pushed at least `gap` away from 0 (for relu, abs, leaky_relu)."""
        x = self.randn(*shape)
        return torch.where(x >= 0, x + gap, x - gap)

    def positive(self, *shape, lo=0.2, hi=2.0):
        return lo + (hi - lo) * torch.rand(tuple(shape), generator=self.gen, dtype=F64)

    # --- one case --------------------------------------------------------------------------
    def add(self, name, op, inputs, fn, args=None, requires_grad=None):
        """Runs fn(*inputs) in torch and records values and gradients.

        inputs: float64 tensors; requires_grad: one bool per input (default: all True).
        """
        if requires_grad is None:
            requires_grad = [True] * len(inputs)
        leaves = [t.detach().clone().requires_grad_(rg) for t, rg in zip(inputs, requires_grad)]
        out = fn(*leaves)
        w = self.randn(*out.shape)
        if out.requires_grad:
            (out * w).sum().backward()
        grads = []
        for leaf, rg in zip(leaves, requires_grad):
            if not rg:
                grads.append(None)
            elif leaf.grad is None:  # the op ignores this input: its gradient is zero
                grads.append([0.0] * leaf.numel())
            else:
                grads.append(flat(leaf.grad))
        self.cases.append({
            "name": name,
            "op": op,
            "args": args or {},
            "inputs": [{"shape": list(t.shape), "values": flat(t), "requires_grad": rg}
                       for t, rg in zip(inputs, requires_grad)],
            "output": {"shape": list(out.shape), "values": flat(out)},
            "weights": flat(w),
            "grads": grads,
        })


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def shape_name(t):
    return "[" + ", ".join(str(d) for d in t.shape) + "]"


# ----- the composed expression ---------------------------------------------------------------
# The same expression is written, line for line, in tests/autograd/fixtures_test.cpp
# (composed_expression). 29 op calls, several broadcasts; shapes in the comments.
def composed(x, W, b, s, v):
    h = x @ W + b                                              # [4,5]  matmul, add [5]
    a = torch.tanh(h) * torch.sigmoid(s * h)                   # tanh, mul [] * [4,5], sigmoid, mul
    r = torch.relu(h) - torch.nn.functional.leaky_relu(h, 0.1)  # relu, leaky_relu, sub
    q = a + r / (1.0 + torch.exp(-torch.abs(h)))               # abs, neg, exp, add, div, add
    p = torch.log_softmax(q, -1)                               # [4,5]  log_softmax
    m = torch.softmax(q * v, 0)                                # mul [4,5] * [5], softmax
    c = torch.cat([p, m], 1)                                   # [4,10] concat
    t = torch.transpose(c, 0, 1)                               # [10,4] transpose
    g = torch.index_select(t, 0, torch.tensor([1, 3, 3, 7]))   # [4,4]  index_select
    u = torch.max(g, 1).values                                 # [4]    max
    z = torch.clamp(u, -3.0, 3.0) + torch.sqrt(torch.mean(m.pow(2.0) + 1.0, 1))
    #                                                          # clamp, pow, add, mean, sqrt, add
    y = torch.sum(q[:, 1:3].reshape(2, 4), 0)                  # [4]    slice, reshape, sum
    o = torch.stack([z, y, torch.minimum(z, torch.tensor(0.5)), torch.maximum(y, z)], 0)
    #                                                          # [4,4]  minimum, maximum, stack
    return o.permute(1, 0) / (o.pow(torch.tensor(2.0)).mean() + 1.0)
    #                                                          # permute, pow, mean, add, div


# ----- the engine's random numbers, computed independently --------------------------------------
# Not torch: random.hpp promises numbers fixed by std::mt19937_64 and two written-out conversions,
# so they are recomputed here from the algorithms themselves (tests/autograd/random_test.cpp
# compares): the 64-bit Mersenne Twister (parameters from the C++ standard, [rand.predef]), the
# uniform as the top 53 bits times 2^-53, and Box-Muller normals in pairs, cos first then sin.
class MersenneTwister64:
    N, M = 312, 156

    def __init__(self, seed):
        self.mt = [seed & 0xFFFFFFFFFFFFFFFF]
        for i in range(1, self.N):
            prev = self.mt[-1]
            self.mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & 0xFFFFFFFFFFFFFFFF)
        self.i = self.N

    def __call__(self):
        if self.i >= self.N:
            for k in range(self.N):
                x = (self.mt[k] & 0xFFFFFFFF80000000) | (self.mt[(k + 1) % self.N] & 0x7FFFFFFF)
                self.mt[k] = self.mt[(k + self.M) % self.N] ^ (x >> 1) ^ (0xB5026F5AA96619E9 if x & 1 else 0)
            self.i = 0
        y = self.mt[self.i]
        self.i += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & 0xFFFFFFFFFFFFFFFF


def engine_random(seed, count):
    import math

    check = MersenneTwister64(5489)  # the standard's own test: the 10000th number of seed 5489
    for _ in range(9999):
        check()
    assert check() == 9981545732273789042

    mt = MersenneTwister64(seed)
    uniforms = [(mt() >> 11) * 2.0 ** -53 for _ in range(count)]
    mt = MersenneTwister64(seed)
    normals = []
    while len(normals) < count:
        r = math.sqrt(-2.0 * math.log(1.0 - (mt() >> 11) * 2.0 ** -53))
        angle = 2.0 * math.pi * (mt() >> 11) * 2.0 ** -53
        normals += [r * math.cos(angle), r * math.sin(angle)]
    return {"seed": seed, "uniform": uniforms, "normal": normals[:count]}


def generate():
    f = Fixtures(seed=20240531)
    F = torch.nn.functional

    # ----- elementwise, two inputs (broadcasting) -----
    binary = {
        "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
        "maximum": torch.maximum, "minimum": torch.minimum,
    }
    shapes = [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((), (2, 3)),
              ((2, 3), ()), ((4, 1, 3), (2, 3)), ((2, 3, 1), (1, 4))]
    for op, fn in binary.items():
        for sa, sb in shapes:
            a, b = f.randn(*sa), f.randn(*sb)
            if op == "div":  # keep the denominator away from 0
                b = torch.where(b >= 0, b + 0.5, b - 0.5)
            f.add(f"{op} {shape_name(a)} {shape_name(b)}", op, [a, b], fn)
    # only one side needs grad (the other is a constant)
    f.add("mul constant other", "mul", [f.randn(2, 3), f.randn(3)], torch.mul,
          requires_grad=[True, False])
    f.add("sub constant self", "sub", [f.randn(2, 1), f.randn(2, 3)], torch.sub,
          requires_grad=[False, True])

    # pow with a tensor exponent: base > 0 (d exponent needs log(self))
    f.add("pow tensor exponent [2, 3] [3]", "pow", [f.positive(2, 3), f.randn(3)], torch.pow)
    f.add("pow tensor exponent [4, 1, 3] [2, 3]", "pow", [f.positive(4, 1, 3), f.randn(2, 3)],
          torch.pow)
    f.add("convention pow tensor exponent at base 0", "pow",
          [torch.tensor([0.0, 0.0, 0.5, 2.0], dtype=F64), torch.tensor([2.0, 0.0, 1.5, 0.0], dtype=F64)],
          torch.pow)

    # ties: PyTorch shares the gradient, grad/2 to each side
    tie_a = torch.tensor([[1.0, -2.0, 0.5], [3.0, 3.0, -1.0]], dtype=F64)
    tie_b = torch.tensor([[1.0, 2.0, 0.5], [-3.0, 3.0, -1.5]], dtype=F64)
    f.add("convention maximum ties", "maximum", [tie_a, tie_b], torch.maximum)
    f.add("convention minimum ties", "minimum", [tie_a, tie_b], torch.minimum)
    f.add("convention maximum ties broadcast", "maximum",
          [tie_a, torch.tensor([1.0, 3.0, -1.0], dtype=F64)], torch.maximum)

    # ----- elementwise, one input -----
    f.add("neg", "neg", [f.randn(2, 3)], torch.neg)
    for p, base in [(2.0, f.randn(2, 3)), (3.0, f.randn(2, 3)), (0.5, f.positive(2, 3)),
                    (-1.5, f.positive(2, 3)), (1.0, f.randn(3)), (-2.0, f.away_from_zero(3))]:
        f.add(f"pow scalar exponent {p}", "pow_scalar", [base], lambda x, p=p: x.pow(p),
              {"exponent": p})
    f.add("convention pow scalar exponent 0", "pow_scalar",
          [torch.tensor([0.0, 1.5, -2.0], dtype=F64)], lambda x: x.pow(0.0), {"exponent": 0.0})
    f.add("convention pow scalar exponent 2 at 0", "pow_scalar",
          [torch.tensor([0.0, 1.5, -2.0], dtype=F64)], lambda x: x.pow(2.0), {"exponent": 2.0})
    f.add("exp", "exp", [f.randn(2, 3)], torch.exp)
    f.add("log", "log", [f.positive(2, 3, lo=0.05, hi=5.0)], torch.log)
    f.add("sqrt", "sqrt", [f.positive(2, 3, lo=0.05, hi=5.0)], torch.sqrt)
    f.add("abs", "abs", [f.away_from_zero(2, 3)], torch.abs)
    f.add("tanh", "tanh", [f.randn(2, 3, scale=2.0)], torch.tanh)
    f.add("tanh saturated", "tanh", [torch.tensor([-30.0, -8.0, 8.0, 30.0], dtype=F64)], torch.tanh)
    f.add("sigmoid", "sigmoid", [f.randn(2, 3, scale=3.0)], torch.sigmoid)
    f.add("sigmoid far from 0", "sigmoid",
          [torch.tensor([-800.0, -710.0, -40.0, 0.0, 40.0, 710.0, 800.0], dtype=F64)], torch.sigmoid)
    f.add("relu", "relu", [f.away_from_zero(3, 4)], torch.relu)
    f.add("leaky_relu default slope", "leaky_relu", [f.away_from_zero(3, 4)], F.leaky_relu,
          {"slope": 0.01})
    f.add("leaky_relu slope 0.2", "leaky_relu", [f.away_from_zero(3, 4)],
          lambda x: F.leaky_relu(x, 0.2), {"slope": 0.2})
    at_zero = torch.tensor([-1.0, 0.0, 2.0], dtype=F64)
    f.add("convention relu at 0", "relu", [at_zero], torch.relu)
    f.add("convention abs at 0", "abs", [at_zero], torch.abs)
    f.add("convention leaky_relu at 0", "leaky_relu", [at_zero], lambda x: F.leaky_relu(x, 0.2),
          {"slope": 0.2})
    clamp_x = f.randn(3, 4, scale=2.0)
    clamp_x = torch.where((clamp_x + 1.0).abs() < 0.05, clamp_x + 0.1, clamp_x)  # off the bounds
    clamp_x = torch.where((clamp_x - 1.5).abs() < 0.05, clamp_x + 0.1, clamp_x)
    f.add("clamp", "clamp", [clamp_x], lambda x: torch.clamp(x, -1.0, 1.5), {"lo": -1.0, "hi": 1.5})
    f.add("convention clamp at its bounds", "clamp",
          [torch.tensor([-2.0, -1.0, 0.0, 1.5, 3.0], dtype=F64)],
          lambda x: torch.clamp(x, -1.0, 1.5), {"lo": -1.0, "hi": 1.5})

    # ----- reductions -----
    x = f.randn(2, 3, 4)
    f.add("sum all", "sum_all", [x], torch.sum)
    f.add("mean all", "mean_all", [x], torch.mean)
    f.add("sum all of a scalar", "sum_all", [torch.tensor(1.25, dtype=F64)], torch.sum)
    for axis in [0, 1, 2, -1]:
        for keepdim in [False, True]:
            args = {"axis": axis, "keepdim": keepdim}
            x = f.randn(2, 3, 4)
            f.add(f"sum axis {axis} keepdim {keepdim}", "sum_axis", [x],
                  lambda t, a=axis, k=keepdim: torch.sum(t, a, keepdim=k), args)
            f.add(f"mean axis {axis} keepdim {keepdim}", "mean_axis", [x],
                  lambda t, a=axis, k=keepdim: torch.mean(t, a, keepdim=k), args)
            # continuous random numbers: no ties along the axis
            f.add(f"max axis {axis} keepdim {keepdim}", "max", [x],
                  lambda t, a=axis, k=keepdim: torch.max(t, a, keepdim=k).values, args)

    # ----- matmul -----
    for sa, sb in [((2, 3), (3, 4)), ((3, 3), (3, 3)), ((1, 3), (3, 1)), ((4, 1), (1, 3)),
                   ((2, 3, 4), (4, 5)), ((3, 1, 2), (2, 2))]:
        a, b = f.randn(*sa), f.randn(*sb)
        f.add(f"matmul {shape_name(a)} {shape_name(b)}", "matmul", [a, b], torch.matmul)
    f.add("matmul constant other", "matmul", [f.randn(2, 3), f.randn(3, 2)], torch.matmul,
          requires_grad=[True, False])
    # addmm: self + mat1 @ mat2, self as a bias row [N], a full [M, N], a [1, N] and a scalar
    for ss in [(4,), (3, 4), (1, 4), ()]:
        s, a, b = f.randn(*ss), f.randn(3, 2), f.randn(2, 4)
        f.add(f"addmm self {shape_name(s)}", "addmm", [s, a, b], torch.addmm)
    f.add("addmm constant mat1", "addmm", [f.randn(4), f.randn(3, 2), f.randn(2, 4)], torch.addmm,
          requires_grad=[True, False, True])

    # ----- shape -----
    x = f.randn(2, 3, 4)
    f.add("reshape [2, 3, 4] to [4, 6]", "reshape", [x], lambda t: t.reshape(4, 6), {"shape": [4, 6]})
    f.add("reshape [2, 3, 4] to [-1, 2]", "reshape", [x], lambda t: t.reshape(-1, 2),
          {"shape": [-1, 2]})
    f.add("reshape [2, 3, 4] to [24]", "reshape", [x], lambda t: t.reshape(24),
          {"shape": [24]})
    f.add("reshape scalar to [1, 1]", "reshape", [torch.tensor(0.75, dtype=F64)],
          lambda t: t.reshape(1, 1), {"shape": [1, 1]})
    f.add("transpose default axes", "transpose", [x], lambda t: t.transpose(-2, -1),
          {"axis0": -2, "axis1": -1})
    f.add("transpose axes 0 2", "transpose", [x], lambda t: t.transpose(0, 2),
          {"axis0": 0, "axis1": 2})
    f.add("transpose matrix", "transpose", [f.randn(2, 5)], lambda t: t.transpose(0, 1),
          {"axis0": -2, "axis1": -1})
    for dims in [[2, 0, 1], [1, 2, 0], [0, 1, 2], [-1, 0, -2]]:
        f.add(f"permute {dims}", "permute", [x], lambda t, d=dims: t.permute(*d), {"dims": dims})
    for axis, start, end in [(1, 1, 3), (0, 1, 2), (2, -3, -1), (-1, 0, 4), (1, 2, 2)]:
        n = x.shape[axis]
        lo, hi = start % n if start < 0 else start, end + n if end < 0 else end
        f.add(f"slice axis {axis} {start}:{end}", "slice", [x],
              lambda t, a=axis, lo=lo, hi=hi: t.narrow(a, lo, hi - lo),
              {"axis": axis, "start": start, "end": end})
    a, b, c = f.randn(2, 3), f.randn(1, 3), f.randn(4, 3)
    f.add("concat axis 0", "concat", [a, b, c], lambda *ts: torch.cat(ts, 0), {"axis": 0})
    a, b = f.randn(2, 3, 2), f.randn(2, 1, 2)
    f.add("concat axis 1", "concat", [a, b], lambda *ts: torch.cat(ts, 1), {"axis": 1})
    f.add("concat axis -1", "concat", [f.randn(2, 1), f.randn(2, 3)],
          lambda *ts: torch.cat(ts, -1), {"axis": -1})
    f.add("concat one constant", "concat", [f.randn(2, 2), f.randn(1, 2)],
          lambda *ts: torch.cat(ts, 0), {"axis": 0}, requires_grad=[False, True])
    for axis in [0, 1, 2, -1]:
        ts = [f.randn(2, 3) for _ in range(3)]
        f.add(f"stack axis {axis}", "stack", ts, lambda *t, a=axis: torch.stack(t, a), {"axis": axis})
    x = f.randn(3, 4)
    for axis, idx in [(0, [2, 0, 2]), (1, [3, 3, 1, 0, 3]), (-1, [1]), (0, [])]:
        f.add(f"index_select axis {axis} {idx}", "index_select", [x],
              lambda t, a=axis, i=idx: torch.index_select(t, a, torch.tensor(i, dtype=torch.long)),
              {"axis": axis, "indices": idx})
    x = f.randn(3, 4)
    for axis, idx in [(0, [[2, 0, 2, 1], [0, 0, 1, 2]]), (1, [[3, 3], [0, 1], [2, 2]]),
                      (1, [[1], [0]]), (-1, [[0, 3, 3, 1, 2], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]])]:
        index = torch.tensor(idx, dtype=F64)
        f.add(f"gather axis {axis} index {shape_name(index)}", "gather", [x, index],
              lambda t, i, a=axis: torch.gather(t, a, i.long()), {"axis": axis},
              requires_grad=[True, False])

    # ----- softmax -----
    for op, fn in [("log_softmax", torch.log_softmax), ("softmax", torch.softmax)]:
        x = f.randn(3, 4, scale=2.0)
        for axis in [-1, 0, 1]:
            f.add(f"{op} axis {axis}", op, [x], lambda t, a=axis, fn=fn: fn(t, a), {"axis": axis})
        f.add(f"{op} axis 1 of [2, 3, 4]", op, [f.randn(2, 3, 4)], lambda t, fn=fn: fn(t, 1),
              {"axis": 1})
        big = torch.tensor([[1000.0, 1001.0, 999.5], [-1000.0, -1002.0, -999.0]], dtype=F64)
        f.add(f"{op} large inputs stay finite", op, [big], lambda t, fn=fn: fn(t, -1), {"axis": -1})

    # ----- a composed expression of 29 ops -----
    s = torch.tensor(0.7, dtype=F64)
    f.add("composed expression", "composed",
          [f.randn(4, 3), f.randn(3, 5), f.randn(5), s, f.randn(5)], composed)

    # ----- added later: at the end, so the random draws of every case above stay the same -----
    f.add("hardtanh", "hardtanh", [clamp_x],
          lambda x: torch.nn.functional.hardtanh(x, -1.0, 1.5), {"lo": -1.0, "hi": 1.5})
    f.add("convention hardtanh at its bounds", "hardtanh",
          [torch.tensor([-2.0, -1.0, 0.0, 1.5, 3.0], dtype=F64)],
          lambda x: torch.nn.functional.hardtanh(x, -1.0, 1.5), {"lo": -1.0, "hi": 1.5})

    # issue 15's PyTorch gaps: max of all elements (ties share the gradient evenly: torch's
    # max(Tensor self) rule, evenly_distribute_backward), reductions along axis 0 / -1 of a 0-d
    # tensor, slices clamped or empty as x[start:end] (aten::slice), and torch.matmul's 1-d and
    # batched shapes
    f.add("max all", "max_all", [f.randn(2, 3, 4)], torch.max)
    f.add("max all of a scalar", "max_all", [torch.tensor(-0.5, dtype=F64)], torch.max)
    f.add("convention max all ties", "max_all",
          [torch.tensor([[1.0, 3.0, -2.0], [3.0, 0.5, 3.0]], dtype=F64)], torch.max)
    scalar = torch.tensor(1.75, dtype=F64)
    for op, fn in [("sum_axis", torch.sum), ("mean_axis", torch.mean),
                   ("max", lambda t, a, keepdim: torch.max(t, a, keepdim=keepdim).values)]:
        for axis, keepdim in [(0, False), (-1, True)]:
            f.add(f"{op} axis {axis} keepdim {keepdim} of a scalar", op, [scalar],
                  lambda t, fn=fn, a=axis, k=keepdim: fn(t, a, keepdim=k),
                  {"axis": axis, "keepdim": keepdim})
    x = f.randn(2, 5, 3)
    for axis, start, end in [(1, 3, 1), (1, -10, 2), (1, 2, 10), (1, 5, 9), (-1, -1, -3),
                             (0, -100, 100)]:
        f.add(f"slice axis {axis} {start}:{end} (clamped as x[start:end])", "slice", [x],
              lambda t, a=axis, s=start, e=end: torch.ops.aten.slice(t, a, s, e),
              {"axis": axis, "start": start, "end": end})
    for sa, sb in [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3, 4), (4,)),
                   ((4,), (2, 4, 5)), ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5)),
                   ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (1, 4, 2))]:
        a, b = f.randn(*sa), f.randn(*sb)
        f.add(f"matmul {shape_name(a)} {shape_name(b)}", "matmul", [a, b], torch.matmul)
    f.add("matmul [3] [2, 3, 2] constant self", "matmul", [f.randn(3), f.randn(2, 3, 2)],
          torch.matmul, requires_grad=[False, True])

    return {"seed": 20240531, "cases": f.cases, "random": engine_random(42, 6)}
