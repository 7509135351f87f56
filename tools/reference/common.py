"""Shared helpers for the golden-fixture generators (PyTorch reference, float64 arithmetic
on float32-representable inputs so the C# float32 code is compared against exact-ish values)."""
import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "Sig.Models.Tests", "Fixtures")


def f32(t):
    """Rounds to float32 and returns a float64 tensor holding those exact values."""
    return t.to(torch.float32).to(torch.float64)


def rand(gen, *shape, lo=-1.0, hi=1.0):
    return f32(torch.rand(*shape, generator=gen, dtype=torch.float64) * (hi - lo) + lo)


class Fixture:
    def __init__(self, name, **meta):
        self.name = name
        self.meta = meta
        self.tensors = {}

    def add(self, key, t):
        t = t.detach().to(torch.float64)
        self.tensors[key] = {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.reshape(-1).tolist()]}

    def add_module(self, prefix, module):
        for k, v in module.state_dict().items():
            self.add(prefix + k, v)

    def add_grads(self, prefix, module):
        for k, p in module.named_parameters():
            self.add(prefix + k, p.grad)

    def write(self):
        os.makedirs(OUT, exist_ok=True)
        path = os.path.join(OUT, self.name + ".json")
        with open(path, "w") as f:
            json.dump({"name": self.name, "meta": self.meta, "tensors": self.tensors}, f, separators=(",", ":"))
        print(f"{path}: {len(self.tensors)} tensors, {os.path.getsize(path)} bytes")


def corr(a, b):
    a = a - a.mean()
    b = b - b.mean()
    return (a * b).sum() / torch.sqrt((a * a).sum() * (b * b).sum())


def alphanet_extract(x, window=10, stride=10, pair_features=None):
    """x [n, T, F] → [n, steps, 2P + 4F]; constant series: corr and zscore 0 (gradient 0)."""
    n, T, F = x.shape
    sel = list(range(F)) if pair_features is None else list(pair_features)
    pairs = [(sel[a], sel[b]) for a in range(len(sel)) for b in range(a + 1, len(sel))]
    w = torch.arange(1, window + 1, dtype=x.dtype)
    w = w / w.sum()
    steps = []
    for s in range((T - window) // stride + 1):
        xw = x[:, s * stride:s * stride + window, :]  # n, d, F
        mean = xw.mean(1)
        cen = xw - mean[:, None, :]
        var = (cen * cen).mean(1)
        const = (xw == xw[:, :1, :]).all(1)
        safe_var = torch.where(const, torch.ones_like(var), var)
        std = torch.where(const, torch.zeros_like(var), torch.sqrt(safe_var))
        safe_std = torch.sqrt(safe_var)
        corrs, covs = [], []
        for a, b in pairs:
            cov = (cen[:, :, a] * cen[:, :, b]).mean(1)
            c = cov / (safe_std[:, a] * safe_std[:, b])
            corrs.append(torch.where(const[:, a] | const[:, b], torch.zeros_like(c), c))
            covs.append(cov)
        z = torch.where(const, torch.zeros_like(mean), mean / safe_std)
        first, last = xw[:, 0, :], xw[:, -1, :]
        zero_first = first == 0
        ret = torch.where(zero_first, torch.zeros_like(first), last / torch.where(zero_first, torch.ones_like(first), first) - 1)
        decay = (xw * w[None, :, None]).sum(1)
        parts = corrs + covs
        cols = [torch.stack(parts, 1)] if parts else []
        steps.append(torch.cat(cols + [std, z, ret, decay], 1))
    return torch.stack(steps, 1)


class SeededRandom:
    """The engine's xoshiro256** generator seeded by SplitMix64 (same sequence as the C# one)."""
    M = (1 << 64) - 1

    def __init__(self, seed):
        x = seed & self.M
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & self.M
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.M
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.M
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def _rotl(v, k):
        return ((v << k) | (v >> (64 - k))) & SeededRandom.M

    def next_u64(self):
        s = self.s
        result = (self._rotl((s[1] * 5) & self.M, 7) * 9) & self.M
        t = (s[1] << 17) & self.M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result

    def next_double(self):
        return (self.next_u64() >> 11) * (1.0 / (1 << 53))
