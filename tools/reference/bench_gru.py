"""PyTorch CPU reference for `engine bench train`: the HF GRU (GRU(27→30) → BN → Linear →
Sigmoid, −corr loss), batches of n × t × f, one Adam step each; prints one JSON line.

Run: OMP_NUM_THREADS=1 /usr/bin/python3 tools/reference/bench_gru.py --n 5000 --steps 3 --threads 1
"""
import argparse
import json
import time

import torch

from reference_models import HfGru

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=5000)
ap.add_argument("--t", type=int, default=40)
ap.add_argument("--f", type=int, default=27)
ap.add_argument("--hidden", type=int, default=30)
ap.add_argument("--steps", type=int, default=3)
ap.add_argument("--threads", type=int, default=1)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
net = HfGru(a.f, a.hidden)
opt = torch.optim.Adam(net.parameters(), lr=0.005)
x = torch.randn(a.n, a.t, a.f)
y = torch.randn(a.n)


def corr(p, q):
    p = p - p.mean(); q = q - q.mean()
    return (p * q).sum() / torch.sqrt((p * p).sum() * (q * q).sum())


def step():
    opt.zero_grad()
    loss = -corr(net([x]), y)
    loss.backward()
    opt.step()


step()  # warm-up
times = []
for _ in range(a.steps):
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
net.eval()
with torch.no_grad():
    net([x])
    t0 = time.perf_counter()
    for _ in range(3):
        net([x])
    infer = time.perf_counter() - t0
print(json.dumps({"torch": torch.__version__, "threads": a.threads, "train_step_s": sorted(times)[len(times) // 2], "infer_3_seeds_s": infer}))
