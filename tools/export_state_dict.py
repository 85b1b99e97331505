#!/usr/bin/python3
"""export_state_dict.py — a PyTorch model's state_dict as JSON, for tapegrad to load.

    /usr/bin/python3 tools/export_state_dict.py MODEL.pt OUT.json

MODEL.pt is what torch.save wrote: a state_dict (model.state_dict()) or a whole module. Or, from
Python:

    import export_state_dict
    export_state_dict.save(model, "model.json")      # a module, or its state_dict()

The file lists every entry of the state_dict under PyTorch's own name, in its order, with its
shape and its values (row-major, as float64: a float32 weight becomes the same number):

    {"format": "pytorch-state-dict", "version": 1, "parameters": [
    {"name": "weight_ih_l0", "shape": [64, 2], "values": [0.12, -0.5, ...]},
    ...
    ]}

tapegrad loads it into a module of the same architecture with ag::nn::load_pytorch_state_dict
(nn/serialize.hpp), which maps PyTorch's names to its own (`weight_ih_l0` is `lstm.layer0.W_ih`;
docs/coming-from-pytorch.md has the table) and checks every name and shape before it changes
anything.

What this leaves out: optimizer state, and anything that is not a tensor in the state_dict.
Needs torch (Debian: python3-torch).
"""
import json
import sys


def state_dict_json(model_or_state_dict):
    """The JSON-ready dict for a module or a state_dict (an ordered mapping name -> tensor)."""
    state = model_or_state_dict
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    entries = []
    for name, tensor in state.items():
        t = tensor.detach().to("cpu").double()  # (num_batches_tracked is an int64: also a double)
        entries.append({"name": name, "shape": list(t.shape), "values": t.flatten().tolist()})
    return {"format": "pytorch-state-dict", "version": 1, "parameters": entries}


def dumps(model_or_state_dict):
    """The file's text: one parameter a line, as tapegrad's own parameter files."""
    doc = state_dict_json(model_or_state_dict)
    # allow_nan=False: JSON has no NaN or infinity; a diverged model is refused, not half written.
    lines = [json.dumps(e, allow_nan=False) for e in doc["parameters"]]
    return ('{"format": "pytorch-state-dict", "version": 1, "parameters": [\n'
            + ",\n".join(lines) + "\n]}\n")


def save(model_or_state_dict, path):
    with open(path, "w", encoding="utf-8") as out:
        out.write(dumps(model_or_state_dict))


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: export_state_dict.py MODEL.pt OUT.json")
    import torch

    loaded = torch.load(argv[1], map_location="cpu")
    save(loaded, argv[2])
    print(f"wrote {argv[2]}")


if __name__ == "__main__":
    main(sys.argv)
