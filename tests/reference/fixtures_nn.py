"""PyTorch fixtures for nn/: Linear, LayerNorm, BatchNorm1d, RNN, LSTM, GRU, the losses, SGD and
Adam steps, gradient clipping.

Run through the driver: `/usr/bin/python3 tests/reference/make_fixtures.py nn` writes nn.json.
Everything is float64. A tensor is stored as {"shape": [...], "values": [row-major numbers]}.

Weights go both ways:
  torch -> tapegrad  ("lstm", "rnn_tanh", ...): torch initialises the module; the C++ test copies
                     the weights in (our names and shapes are PyTorch's) and must reproduce every
                     output, final state and gradient.
  tapegrad -> torch  ("lstm_ours", "rnn_ours"): this file re-creates tapegrad's own seeded
                     initialisation (std::mt19937_64 and Generator::uniform, written out below),
                     loads it into torch and records the outputs; the C++ test builds the module
                     from the same seed, copies nothing, and must match.
For the gradients, each case reduces its outputs with fixed random weights, loss = sum(w * out),
so that every output element takes part.
"""
import math

import torch
from torch import nn

MASK64 = (1 << 64) - 1


def tensor(t):
    t = t.detach()
    return {"shape": list(t.shape), "values": t.reshape(-1).tolist()}


class MT19937_64:
    """std::mt19937_64, the engine of ag::Generator (the C++ standard fixes its every output)."""

    N, M = 312, 156

    def __init__(self, seed):
        self.mt = [seed & MASK64]
        for i in range(1, self.N):
            prev = self.mt[-1]
            self.mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & MASK64)
        self.index = self.N

    def next(self):
        if self.index >= self.N:
            for i in range(self.N):
                x = (self.mt[i] & 0xFFFFFFFF80000000) | (self.mt[(i + 1) % self.N] & 0x7FFFFFFF)
                xa = (x >> 1) ^ (0xB5026F5AA96619E9 if x & 1 else 0)
                self.mt[i] = self.mt[(i + self.M) % self.N] ^ xa
            self.index = 0
        x = self.mt[self.index]
        self.index += 1
        x ^= (x >> 29) & 0x5555555555555555
        x ^= (x << 17) & 0x71D67FFFEDA60000
        x ^= (x << 37) & 0xFFF7EEE000000000
        x ^= x >> 43
        return x & MASK64


class Generator:
    """ag::Generator::uniform: the top 53 bits scaled by 2^-53, then lo + (hi - lo) * u."""

    def __init__(self, seed):
        self.engine = MT19937_64(seed)

    def uniform(self, lo, hi):
        u = (self.engine.next() >> 11) * 2.0 ** -53
        return lo + (hi - lo) * u


# The C++ standard's check value for mt19937_64: the 10000th output with the default seed.
_check = MT19937_64(5489)
for _ in range(9999):
    _check.next()
assert _check.next() == 9981545732273789042


def our_recurrent_init(module, seed, layers, gates):
    """tapegrad's RNN/LSTM init: per layer W_ih, W_hh, b_ih, b_hh uniform(+-1/sqrt(H)) in order."""
    gen = Generator(seed)
    bound = 1.0 / math.sqrt(module.hidden_size)
    with torch.no_grad():
        for layer in range(layers):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                p = getattr(module, f"{name}_l{layer}")
                values = [gen.uniform(-bound, bound) for _ in range(p.numel())]
                p.copy_(torch.tensor(values).reshape(p.shape))
    assert gates * module.hidden_size == module.weight_ih_l0.shape[0]


OUR_NAMES = {"weight_ih": "W_ih", "weight_hh": "W_hh", "bias_ih": "b_ih", "bias_hh": "b_hh"}


def our_name(torch_name):
    """'weight_ih_l1' -> 'layer1.W_ih'"""
    base, layer = torch_name.rsplit("_l", 1)
    return f"layer{layer}.{OUR_NAMES[base]}"


def recurrent_case(module, x, h0, c0=None):
    """Runs an RNN or LSTM on x (and its initial state), reduces every output with fixed random
    weights, and records parameters, outputs and all gradients."""
    x = x.clone().requires_grad_(True)
    h0 = h0.clone().requires_grad_(True)
    if c0 is not None:
        c0 = c0.clone().requires_grad_(True)
        output, (h, c) = module(x, (h0, c0))
    else:
        output, h = module(x, h0)
        c = None
    w_output, w_h = torch.randn(output.shape), torch.randn(h.shape)
    loss = (output * w_output).sum() + (h * w_h).sum()
    case = {"x": tensor(x), "h0": tensor(h0), "w_output": tensor(w_output), "w_h": tensor(w_h),
            "output": tensor(output), "h": tensor(h)}
    if c is not None:
        w_c = torch.randn(c.shape)
        loss = loss + (c * w_c).sum()
        case.update({"c0": tensor(c0), "w_c": tensor(w_c), "c": tensor(c)})
    loss.backward()
    case["loss"] = loss.item()
    case["grad_x"] = tensor(x.grad)
    case["grad_h0"] = tensor(h0.grad)
    if c is not None:
        case["grad_c0"] = tensor(c0.grad)
    case["params"] = {our_name(n): tensor(p) for n, p in module.named_parameters()}
    case["grads"] = {our_name(n): tensor(p.grad) for n, p in module.named_parameters()}
    return case


def linear_case():
    torch.manual_seed(1)
    lin = nn.Linear(4, 3)
    case = {"weight": tensor(lin.weight), "bias": tensor(lin.bias)}
    for key, shape in (("2d", (5, 4)), ("3d", (2, 5, 4))):
        lin.zero_grad()
        x = torch.randn(shape, requires_grad=True)
        out = lin(x)
        w = torch.randn(out.shape)
        (out * w).sum().backward()
        case[key] = {"x": tensor(x), "w": tensor(w), "out": tensor(out), "grad_x": tensor(x.grad),
                     "grad_weight": tensor(lin.weight.grad), "grad_bias": tensor(lin.bias.grad)}
    return case


def affine_case(module, x):
    """Runs a normalization module on x, reduces with fixed random weights, and records the
    output and the gradients of x and of every parameter (its weight and bias)."""
    x = x.clone().requires_grad_(True)
    module.zero_grad()
    out = module(x)
    w = torch.randn(out.shape)
    (out * w).sum().backward()
    case = {"x": tensor(x), "w": tensor(w), "out": tensor(out), "grad_x": tensor(x.grad)}
    case["grads"] = {n: tensor(p.grad) for n, p in module.named_parameters()}
    return case


def random_affine(module):
    """weight and bias away from their 1 and 0, so that a test sees them used."""
    with torch.no_grad():
        module.weight.copy_(torch.randn(module.weight.shape))
        module.bias.copy_(torch.randn(module.bias.shape))
    return {n: tensor(p) for n, p in module.named_parameters()}


def layer_norm_cases():
    torch.manual_seed(7)
    data = {}
    for key, normalized_shape, x_shape in (("last", [4], (2, 3, 4)), ("last2", [3, 4], (2, 3, 4))):
        ln = nn.LayerNorm(normalized_shape)
        params = random_affine(ln)
        data[key] = affine_case(ln, torch.randn(x_shape) * 3 + 1)
        data[key].update({"normalized_shape": normalized_shape, "params": params})
    return data


def batch_norm_cases():
    """BatchNorm1d(3) on [N, C] and [N, C, L]: two training steps (output, gradients and running
    statistics after each), then one step in eval mode with the running statistics."""
    torch.manual_seed(8)
    data = {}
    for key, x_shape in (("2d", (5, 3)), ("3d", (4, 3, 6))):
        bn = nn.BatchNorm1d(3)
        case = {"params": random_affine(bn), "train": []}
        bn.train()
        for _ in range(2):
            step = affine_case(bn, torch.randn(x_shape) * 2 + 0.5)
            step["buffers"] = {n: tensor(b) for n, b in bn.named_buffers()}
            case["train"].append(step)
        bn.eval()
        case["eval"] = affine_case(bn, torch.randn(x_shape))
        data[key] = case
    return data


def loss_cases():
    torch.manual_seed(2)
    cases = {}

    def record(name, fn, inp, *rest, **extra):
        inp = inp.clone().requires_grad_(True)
        loss = fn(inp, *rest)
        loss.backward()
        cases[name] = {"input": tensor(inp), "loss": loss.item(), "grad": tensor(inp.grad), **extra}
        return cases[name]

    target = torch.randn(4, 3)
    record("mse", nn.functional.mse_loss, torch.randn(4, 3), target, target=tensor(target))
    record("mse_sum", lambda a, b: nn.functional.mse_loss(a, b, reduction="sum"),
           torch.randn(4, 3), target, target=tensor(target))

    classes = [2, 0, 3, 3, 1]
    record("cross_entropy", nn.functional.cross_entropy, 3 * torch.randn(5, 4),
           torch.tensor(classes), targets=classes)
    # Logits far beyond exp's range: only a stable log-softmax gets these right.
    big = torch.tensor([[1000.0, -1000.0, 0.0], [-800.0, -790.0, -805.0]])
    record("cross_entropy_big", nn.functional.cross_entropy, big, torch.tensor([1, 1]),
           targets=[1, 1])

    logits = torch.tensor([0.0, 1.5, -2.0, 30.0, -40.0, 0.3, -0.7, 5.0])
    y = torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0, 0.25, 0.5, 1.0])
    record("bce_with_logits", nn.functional.binary_cross_entropy_with_logits, logits, y,
           target=tensor(y))

    scores = torch.tensor([0.3, -1.7, 2.2, -0.4, 0.9, -0.05])
    labels = torch.tensor([1.0, -1.0, -1.0, 1.0, -1.0, 1.0])
    record("hinge", lambda s, l: torch.relu(1 - l * s).mean(), scores, labels,
           target=tensor(labels))
    return cases


def optimizer_cases():
    """A small nonlinear problem, loss(p, q) = sum((tanh(x @ p) * q - t)^2), stepped by torch's
    optimizers; the parameters after every step are recorded."""
    torch.manual_seed(3)
    x, t = torch.randn(5, 4), torch.randn(5, 3)
    p0, q0 = torch.randn(4, 3), torch.randn(3)
    problem = {"x": tensor(x), "t": tensor(t), "p0": tensor(p0), "q0": tensor(q0)}

    def loss_of(p, q):
        return ((torch.tanh(x @ p) * q - t) ** 2).sum()

    def run(make, steps):
        p, q = p0.clone().requires_grad_(True), q0.clone().requires_grad_(True)
        opt = make([p, q])
        after = []
        for _ in range(steps):
            opt.zero_grad()
            loss_of(p, q).backward()
            opt.step()
            after.append({"p": tensor(p), "q": tensor(q)})
        return after

    cases = {"problem": problem}
    cases["sgd_momentum"] = {
        "lr": 0.1, "momentum": 0.9, "weight_decay": 0.01, "nesterov": False,
        "steps": run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01), 2)}
    cases["sgd_nesterov"] = {
        "lr": 0.05, "momentum": 0.8, "weight_decay": 0.0, "nesterov": True,
        "steps": run(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True), 3)}
    cases["adam"] = {
        "lr": 0.05, "weight_decay": 0.01,
        "steps": run(lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.01), 3)}

    p, q = p0.clone().requires_grad_(True), q0.clone().requires_grad_(True)
    loss_of(p, q).backward()
    norm = torch.nn.utils.clip_grad_norm_([p, q], max_norm=0.5)
    cases["clip"] = {"max_norm": 0.5, "norm": norm.item(), "grad_p": tensor(p.grad),
                     "grad_q": tensor(q.grad)}
    return cases


def generate():
    data = {"linear": linear_case(), "losses": loss_cases(), "optim": optimizer_cases(),
            "layer_norm": layer_norm_cases(), "batch_norm": batch_norm_cases()}

    # torch -> tapegrad: torch's own initialisation, copied into our modules by the test.
    torch.manual_seed(4)
    lstm = nn.LSTM(4, 5, num_layers=2)
    data["lstm"] = recurrent_case(lstm, torch.randn(7, 3, 4), torch.randn(2, 3, 5),
                                  torch.randn(2, 3, 5))
    for nonlinearity in ("tanh", "relu"):
        torch.manual_seed(5)
        rnn = nn.RNN(4, 5, num_layers=2, nonlinearity=nonlinearity)
        data[f"rnn_{nonlinearity}"] = recurrent_case(rnn, torch.randn(7, 3, 4),
                                                     torch.randn(2, 3, 5))

    # tapegrad -> torch: our seeded initialisation, run by torch.
    torch.manual_seed(6)
    lstm = nn.LSTM(4, 5, num_layers=2)
    our_recurrent_init(lstm, seed=42, layers=2, gates=4)
    data["lstm_ours"] = recurrent_case(lstm, torch.randn(7, 3, 4), torch.zeros(2, 3, 5),
                                       torch.zeros(2, 3, 5))
    data["lstm_ours"]["seed"] = 42
    rnn = nn.RNN(4, 5, num_layers=2)
    our_recurrent_init(rnn, seed=43, layers=2, gates=1)
    data["rnn_ours"] = recurrent_case(rnn, torch.randn(7, 3, 4), torch.zeros(2, 3, 5))
    data["rnn_ours"]["seed"] = 43

    # torch -> tapegrad, then tapegrad -> torch, as for the RNN and the LSTM above.
    torch.manual_seed(9)
    gru = nn.GRU(4, 5, num_layers=2)
    data["gru"] = recurrent_case(gru, torch.randn(7, 3, 4), torch.randn(2, 3, 5))
    torch.manual_seed(10)
    gru = nn.GRU(4, 5, num_layers=2)
    our_recurrent_init(gru, seed=44, layers=2, gates=3)
    data["gru_ours"] = recurrent_case(gru, torch.randn(7, 3, 4), torch.zeros(2, 3, 5))
    data["gru_ours"]["seed"] = 44
    return data
