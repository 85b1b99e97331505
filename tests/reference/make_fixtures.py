#!/usr/bin/python3
"""Regenerates the PyTorch reference fixtures that the C++ tests compare against.

PyTorch is the oracle: every fixture is computed by torch in float64 on fixed inputs and written
as JSON next to this script. The JSON is committed, so the C++ tests never need PyTorch; only
running this script does (Debian: `apt-get install python3-torch`, then `/usr/bin/python3
tests/reference/make_fixtures.py`).

Each generator lives in its own module, fixtures_<area>.py, with a `generate()` returning a
JSON-ready dict, written to <area>.json here:
  fixtures_ops.py -> ops.json   every engine op: values and gradients, broadcast cases, a 20+ op
                                composed expression
  fixtures_nn.py  -> nn.json    nn modules, losses and optimizer steps
  fixtures_state_dict.py -> state_dict.json   models exported by tools/export_state_dict.py,
                                with torch's outputs (load_pytorch_state_dict)
"""
import importlib
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main():
    sys.path.insert(0, str(HERE))
    import torch

    torch.set_default_dtype(torch.float64)
    names = sys.argv[1:] or sorted(p.stem[len("fixtures_"):] for p in HERE.glob("fixtures_*.py"))
    for name in names:
        module = importlib.import_module(f"fixtures_{name}")
        data = module.generate()
        data["_generated_by"] = f"tests/reference/fixtures_{name}.py with torch {torch.__version__}"
        out = HERE / f"{name}.json"
        # repr-exact doubles: json writes the shortest string that round-trips
        out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"wrote {out.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
