"""Loads an `engine model export` JSON into the matching PyTorch module with
load_state_dict(strict=True); with --inputs (a --dump-inputs JSON: {"symbols":[...],
"shape":[n,t,f],"data":[...],"scores":[...]}, or "inputs":[{"shape","data"}, ...] for several
tensors) it also runs the network in eval mode and compares its scores to the engine's.

Run: OMP_NUM_THREADS=1 /usr/bin/python3 tools/reference/load_export.py weights.json [--inputs F.json]
"""
import json
import sys

import torch

from reference_models import build

doc = json.load(open(sys.argv[1]))
net = build(doc["architecture"], doc["hyper_parameters"])
dtypes = {"float32": torch.float32, "int64": torch.int64}
state = {k: torch.tensor(v["data"], dtype=dtypes[v["dtype"]]).reshape(v["shape"]) for k, v in doc["state_dict"].items()}
net.load_state_dict(state, strict=True)
print(f"loaded {len(state)} tensors into {doc['architecture']} with strict=True")
if "--inputs" in sys.argv:
    ref = json.load(open(sys.argv[sys.argv.index("--inputs") + 1]))
    net.eval()
    tensors = ref["inputs"] if "inputs" in ref else [ref]
    xs = [torch.tensor(t["data"], dtype=torch.float32).reshape(t["shape"]) for t in tensors]
    with torch.no_grad():
        scores = net(xs)
    engine = torch.tensor(ref["scores"], dtype=torch.float32)
    diff = (scores - engine).abs().max().item()
    print(f"max |pytorch − engine| over {len(engine)} scores: {diff:.3g}")
    sys.exit(0 if diff <= 1e-5 else 1)
