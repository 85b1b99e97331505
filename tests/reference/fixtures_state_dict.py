"""PyTorch models exported by tools/export_state_dict.py, with an input and torch's output, for
ag::nn::load_pytorch_state_dict (tests/nn/serialize_test.cpp): a model loaded from its
state_dict must compute what torch computed.

Also writes state_dict_lstm.json: the "lstm" case's model as the exporter's file.

Each case: "state_dict" is exactly what the exporter writes for the model (its own names), "input"
and "output" (or "h" and "c") what torch gave in float64. The models are made with torch's own
initialisation from a fixed seed, so the tapegrad module the test builds starts from other
numbers: only the loaded ones can match.
"""
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
import export_state_dict  # noqa: E402  (tools/, shipped with the repository)


def values(t):
    t = t.detach()
    return {"shape": list(t.shape), "values": t.flatten().tolist()}


def generate():
    torch.manual_seed(15)
    out = {}

    linear = torch.nn.Linear(3, 2)
    x = torch.randn(4, 3)
    out["linear"] = {"state_dict": export_state_dict.state_dict_json(linear),
                     "input": values(x), "output": values(linear(x))}

    mlp = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1))
    x = torch.randn(6, 2)
    out["mlp"] = {"state_dict": export_state_dict.state_dict_json(mlp),
                  "input": values(x), "output": values(mlp(x))}

    lstm = torch.nn.LSTM(2, 3, num_layers=2)  # input [T, B, I], time first
    x = torch.randn(5, 2, 2)
    output, (h, c) = lstm(x)
    out["lstm"] = {"state_dict": export_state_dict.state_dict_json(lstm), "input": values(x),
                   "output": values(output), "h": values(h), "c": values(c)}
    # The same model as the exporter's file, what load_pytorch_state_dict reads from disk.
    export_state_dict.save(lstm, pathlib.Path(__file__).resolve().parent / "state_dict_lstm.json")

    cell = torch.nn.LSTMCell(2, 3)
    x = torch.randn(4, 2)
    h, c = cell(x)
    out["lstm_cell"] = {"state_dict": export_state_dict.state_dict_json(cell),
                        "input": values(x), "h": values(h), "c": values(c)}
    return out
