"""Writes the PyTorch state_dict names and shapes of the engine's default architectures to
tests/Sig.Models.Tests/Fixtures/state_dict_names.json (what `engine model export` must match).

Run: OMP_NUM_THREADS=1 /usr/bin/python3 tools/reference/make_state_dict_names.py
"""
import json
import os

from common import OUT
from reference_models import HfGru, LfMtl, AlphaNet

models = {
    "hf-gru": HfGru(27, 30),
    "lf-mtl": LfMtl((0, 1, 2), True, 6, 30),
    "lf-mtl-unshared": LfMtl((0, 1, 2), False, 6, 30),
    "alphanet": AlphaNet(15, 30, None, 30),
    "alphanet-v2.1": AlphaNet(15, 30, [0, 2, 3, 5, 7, 9, 11, 14], 30),
}
out = {name: [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in m.state_dict().items()] for name, m in models.items()}
path = os.path.join(OUT, "state_dict_names.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(path)
