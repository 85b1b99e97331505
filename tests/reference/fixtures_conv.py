"""PyTorch reference values and gradients for autograd/include/autograd/conv.hpp's ops.

Called by make_fixtures.py (`/usr/bin/python3 tests/reference/make_fixtures.py conv`), which writes
the dict that generate() returns to tests/reference/conv.json. tests/autograd/fixtures_test.cpp
replays every case as it replays ops.json's (same case format: see fixtures_ops.py), with the
ops' settings in "args":

    conv2d / conv1d:  stride, padding, dilation ([h, w] pairs for conv2d, numbers for conv1d);
                      the bias is the third input when there is one
    max_pool2d / avg_pool2d:  kernel_size, stride, padding ([h, w] pairs)
    max_pool1d:               kernel_size, stride, padding (numbers)

Under "modules": nn's Conv2d, Conv1d, MaxPool2d, MaxPool1d, AvgPool2d and Flatten in small models,
initialised by torch (module_cases below; tests/nn/conv_test.cpp replays them).

A file of its own (not ops.json) so that regenerating it leaves every other fixture untouched.
Inputs are continuous random numbers (no ties in a max window), except in the cases named
"convention ...", which pin PyTorch's tie rule: the first maximum of a window, row by row, takes
the gradient. (A NaN is the maximum, the last one if several; JSON has no NaN, so that rule is
pinned in tests/autograd/conv_test.cpp with the numbers torch gave.)
"""
import torch

from fixtures_ops import Fixtures, shape_name

F64 = torch.float64


def generate():
    f = Fixtures(seed=20261129)
    F = torch.nn.functional

    # ----- conv2d: (input shape, weight shape, bias?, stride, padding, dilation) -----
    for x_shape, w_shape, bias, stride, padding, dilation in [
        ((2, 3, 5, 6), (4, 3, 3, 3), True, (1, 1), (1, 1), (1, 1)),   # "same" 3 x 3
        ((1, 1, 4, 4), (1, 1, 2, 2), True, (1, 1), (0, 0), (1, 1)),   # the smallest
        ((2, 2, 7, 5), (3, 2, 3, 2), False, (2, 1), (0, 1), (1, 1)),  # strides, no bias
        ((1, 3, 8, 9), (2, 3, 3, 3), True, (2, 3), (2, 1), (2, 1)),   # dilation, uneven stride
        ((3, 2, 4, 4), (5, 2, 1, 1), True, (1, 1), (0, 0), (1, 1)),   # 1 x 1: a per-pixel Linear
        ((1, 2, 6, 6), (2, 2, 6, 6), True, (1, 1), (0, 0), (1, 1)),   # the filter covers the image
        ((2, 1, 5, 7), (2, 1, 3, 5), True, (3, 2), (2, 2), (1, 2)),   # more padding than needed
    ]:
        x, w = f.randn(*x_shape), f.randn(*w_shape, scale=0.5)
        inputs = [x, w] + ([f.randn(w_shape[0])] if bias else [])
        args = {"stride": list(stride), "padding": list(padding), "dilation": list(dilation)}
        name = (f"conv2d {shape_name(x)} {shape_name(w)} stride {stride} padding {padding} "
                f"dilation {dilation}" + ("" if bias else " no bias"))
        f.add(name, "conv2d", inputs,
              lambda *t, a=args: F.conv2d(t[0], t[1], t[2] if len(t) == 3 else None,
                                          a["stride"], a["padding"], a["dilation"]), args)
    f.add("conv2d constant weight", "conv2d", [f.randn(1, 2, 4, 4), f.randn(3, 2, 3, 3), f.randn(3)],
          lambda x, w, b: F.conv2d(x, w, b, 1, 1, 1),
          {"stride": [1, 1], "padding": [1, 1], "dilation": [1, 1]},
          requires_grad=[True, False, True])
    f.add("conv2d constant input", "conv2d", [f.randn(2, 2, 5, 5), f.randn(3, 2, 3, 3)],
          lambda x, w: F.conv2d(x, w, None, 2, 1, 1),
          {"stride": [2, 2], "padding": [1, 1], "dilation": [1, 1]},
          requires_grad=[False, True])

    # ----- conv1d -----
    for x_shape, w_shape, bias, stride, padding, dilation in [
        ((2, 3, 10), (4, 3, 3), True, 1, 1, 1),
        ((1, 2, 9), (3, 2, 4), False, 2, 0, 1),
        ((3, 1, 8), (2, 1, 3), True, 1, 3, 2),
    ]:
        x, w = f.randn(*x_shape), f.randn(*w_shape, scale=0.5)
        inputs = [x, w] + ([f.randn(w_shape[0])] if bias else [])
        args = {"stride": stride, "padding": padding, "dilation": dilation}
        name = (f"conv1d {shape_name(x)} {shape_name(w)} stride {stride} padding {padding} "
                f"dilation {dilation}" + ("" if bias else " no bias"))
        f.add(name, "conv1d", inputs,
              lambda *t, a=args: F.conv1d(t[0], t[1], t[2] if len(t) == 3 else None,
                                          a["stride"], a["padding"], a["dilation"]), args)

    # ----- pooling: (input shape, kernel, stride, padding) -----
    for x_shape, kernel, stride, padding in [
        ((2, 3, 4, 6), (2, 2), (2, 2), (0, 0)),  # side by side, the usual 2 x 2
        ((1, 2, 5, 5), (3, 3), (2, 2), (1, 1)),  # overlapping and padded
        ((2, 1, 5, 7), (2, 3), (1, 2), (1, 1)),  # uneven
        ((1, 2, 7, 6), (3, 2), (3, 2), (0, 0)),  # rows left over at the end (floor)
    ]:
        x = f.randn(*x_shape)
        args = {"kernel_size": list(kernel), "stride": list(stride), "padding": list(padding)}
        suffix = f"{shape_name(x)} kernel {kernel} stride {stride} padding {padding}"
        f.add(f"max_pool2d {suffix}", "max_pool2d", [x],
              lambda t, k=kernel, s=stride, p=padding: F.max_pool2d(t, k, s, p), args)
        f.add(f"avg_pool2d {suffix}", "avg_pool2d", [x],
              lambda t, k=kernel, s=stride, p=padding: F.avg_pool2d(t, k, s, p), args)
    for x_shape, kernel, stride, padding in [((2, 3, 8), 2, 2, 0), ((1, 2, 9), 3, 2, 1),
                                             ((2, 1, 7), 4, 1, 2)]:
        x = f.randn(*x_shape)
        args = {"kernel_size": kernel, "stride": stride, "padding": padding}
        f.add(f"max_pool1d {shape_name(x)} kernel {kernel} stride {stride} padding {padding}",
              "max_pool1d", [x], lambda t, k=kernel, s=stride, p=padding: F.max_pool1d(t, k, s, p),
              args)

    # ties: whole numbers, many equal; overlapping windows share winners
    ties = torch.tensor([[[[1.0, 3.0, 3.0, 0.0, 2.0],
                           [3.0, 2.0, 3.0, 3.0, 2.0],
                           [0.0, 0.0, 1.0, 1.0, 2.0],
                           [1.0, 0.0, 1.0, 0.0, 2.0]]]], dtype=F64)
    f.add("convention max_pool2d ties", "max_pool2d", [ties], lambda t: F.max_pool2d(t, 2, 1, 0),
          {"kernel_size": [2, 2], "stride": [1, 1], "padding": [0, 0]})
    f.add("convention max_pool2d ties padded", "max_pool2d", [ties],
          lambda t: F.max_pool2d(t, 3, 2, 1),
          {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1]})
    f.add("convention max_pool1d ties", "max_pool1d",
          [torch.tensor([[[1.0, 2.0, 2.0, 1.0, 5.0, 5.0]]], dtype=F64)],
          lambda t: F.max_pool1d(t, 3, 1, 1), {"kernel_size": 3, "stride": 1, "padding": 1})

    return {"seed": 20261129, "cases": f.cases, "modules": module_cases()}


# ----- nn modules (nn/include/nn/conv.hpp), under "modules" ---------------------------------------
# torch initialises each model; tests/nn/conv_test.cpp copies the parameters in (same names and
# shapes) and must reproduce the output and every gradient of sum(w * output).
def module_case(model, x):
    x = x.clone().requires_grad_(True)
    out = model(x)
    w = torch.randn(out.shape)
    (out * w).sum().backward()
    return {"params": {n: tensor(p) for n, p in model.named_parameters()},
            "x": tensor(x), "w": tensor(w), "out": tensor(out), "grad_x": tensor(x.grad),
            "grads": {n: tensor(p.grad) for n, p in model.named_parameters()}}


def tensor(t):
    t = t.detach()
    return {"shape": list(t.shape), "values": t.reshape(-1).tolist()}


def module_cases():
    from torch import nn

    torch.manual_seed(16)
    # A small CNN in the shape of tutorial 12's front end: conv, LeakyReLU (Keras's 0.3), pool,
    # a strided conv without bias, Flatten, Linear.
    cnn = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.LeakyReLU(0.3), nn.MaxPool2d(2),
                        nn.Conv2d(4, 3, (2, 3), stride=(1, 2), bias=False), nn.Flatten(),
                        nn.Linear(3 * 2 * 1, 5))
    conv1d = nn.Sequential(nn.Conv1d(3, 4, 3, stride=2, padding=1, dilation=2), nn.Tanh())
    cases = {"cnn": module_case(cnn, torch.randn(2, 2, 6, 9)),
             "conv1d": module_case(conv1d, torch.randn(2, 3, 11))}
    # (Models added later draw from the generator after the ones above, so those stay as they were.)
    # MaxPool1d twice: overlapping padded windows (L 9 -> 5), then the default stride (4 -> 2).
    max_pool1d = nn.Sequential(nn.Conv1d(2, 3, 3, padding=1), nn.LeakyReLU(0.3),
                               nn.MaxPool1d(3, stride=2, padding=1), nn.Conv1d(3, 2, 2),
                               nn.MaxPool1d(2), nn.Flatten(), nn.Linear(2 * 2, 3))
    # AvgPool2d twice: an uneven padded window (5 x 7 -> 6 x 4; the padding counts in the
    # divisor), then the default stride (-> 3 x 2).
    avg_pool2d = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Tanh(),
                               nn.AvgPool2d((2, 3), stride=(1, 2), padding=(1, 1)),
                               nn.AvgPool2d(2), nn.Flatten(), nn.Linear(3 * 3 * 2, 4))
    cases["max_pool1d"] = module_case(max_pool1d, torch.randn(2, 2, 9))
    cases["avg_pool2d"] = module_case(avg_pool2d, torch.randn(2, 2, 5, 7))
    return cases
