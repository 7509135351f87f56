"""PyTorch CPU reference for `engine bench train`: the HF GRU (GRU(27→30) → BN → Linear →
Sigmoid, −corr loss), batches of n × t × f, one Adam step each; prints one JSON line.

Run: OMP_NUM_THREADS=1 /usr/bin/python3 tools/reference/bench_gru.py --n 5000 --steps 3 --threads 1 --repeat 5
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
ap.add_argument("--repeat", type=int, default=5)
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


def timed(runs, body):
    """Medians of wall and process CPU time over runs (the box may be shared: CPU time is the steadier figure)."""
    wall, cpu = [], []
    for _ in range(max(1, runs)):
        t0, c0 = time.perf_counter(), time.process_time()
        body()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return sorted(wall)[len(wall) // 2], sorted(cpu)[len(cpu) // 2]


step()  # warm-up
train_wall, train_cpu = timed(a.steps, step)
seeds = [net, HfGru(a.f, a.hidden), HfGru(a.f, a.hidden)]
for s in seeds:
    s.eval()


def infer():
    for s in seeds:
        s([x])


with torch.no_grad():
    infer()  # warm-up
    infer_wall, infer_cpu = timed(a.repeat, infer)
print(json.dumps({"torch": torch.__version__, "threads": a.threads, "train_step_s": train_wall, "train_step_cpu_s": train_cpu,
                  "infer_3_seeds_s": infer_wall, "infer_3_seeds_cpu_s": infer_cpu}))
