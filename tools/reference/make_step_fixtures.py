"""Full training-step fixtures: HF GRU, LF multi-task and AlphaNet-v2, one Adam step each.

Run: OMP_NUM_THREADS=1 /usr/bin/python3 tools/reference/make_step_fixtures.py
Keys: in.* (inputs, labels), param.* (state before), out.loss, grad.* (every weight),
adam.* (state after the Adam step, buffers included).
"""
import torch
import torch.nn as nn

from common import Fixture, rand, corr, alphanet_extract, SeededRandom

torch.set_default_dtype(torch.float64)
G = torch.Generator().manual_seed(777)


def randomize(module, bound):
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.startswith("bn"):
                p.copy_(rand(G, *p.shape, lo=0.8, hi=1.2) if name.endswith("weight") else rand(G, *p.shape, lo=-0.1, hi=0.1))
            else:
                p.copy_(rand(G, *p.shape, lo=-bound, hi=bound))


def step(name, net, inputs, y, loss_fn, lr, **meta):
    fx = Fixture(name, lr=lr, **meta)
    for k, v in inputs.items():
        fx.add("in." + k, v)
    fx.add("in.y", y)
    fx.add_module("param.", net)
    net.train()
    loss = loss_fn()
    fx.add("out.loss", loss.reshape(1))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    opt.zero_grad()
    loss.backward()
    fx.add_grads("grad.", net)
    opt.step()
    fx.add_module("adam.", net)
    fx.write()


class Hf(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(27, 30, batch_first=True)
        self.bn = nn.BatchNorm1d(30)
        self.fc = nn.Linear(30, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(self.bn(self.gru(x)[1][0]))).squeeze(1)


hf = Hf(); randomize(hf, 30 ** -0.5)
x = rand(G, 10, 5, 27, lo=-2, hi=2)
y = rand(G, 10)
step("step_hf_gru", hf, {"x": x}, y, lambda: -corr(hf(x), y), 0.005)


class Mtl(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(6, 30, batch_first=True)
        for k in range(3):
            setattr(self, f"bn{k}", nn.BatchNorm1d(30))
            setattr(self, f"fc{k}", nn.Linear(30, 1))

    def heads(self, xs):
        return [getattr(self, f"fc{k}")(getattr(self, f"bn{k}")(self.gru(x)[1][0])).squeeze(1) for k, x in enumerate(xs)]


mtl = Mtl(); randomize(mtl, 30 ** -0.5)
xs = [rand(G, 12, t, 6, lo=-2, hi=2) for t in (6, 4, 3)]
y = rand(G, 12)


def mtl_loss():
    p = mtl.heads(xs)
    return -sum(corr(q, y) for q in p) + 0.01 * sum(corr(p[k], p[l]) for k in range(3) for l in range(k + 1, 3))


step("step_lf_mtl", mtl, {"x0": xs[0], "x1": xs[1], "x2": xs[2]}, y, mtl_loss, 0.005, lam=0.01)

F, T, H, N, SEED = 6, 30, 10, 8, 99


class AlphaNet(nn.Module):
    def __init__(self):
        super().__init__()
        width = 2 * (F * (F - 1) // 2) + 4 * F
        self.bn_feat = nn.BatchNorm1d(width)
        self.lstm = nn.LSTM(width, H, batch_first=True)
        self.bn = nn.BatchNorm1d(H)
        self.fc = nn.Linear(H, 1)

    def forward(self, x, mask):
        f = alphanet_extract(x)
        f = self.bn_feat(f.transpose(1, 2)).transpose(1, 2)
        h = self.bn(self.lstm(f)[1][0][0]) * mask
        return self.fc(h).squeeze(1)


an = AlphaNet(); randomize(an, H ** -0.5)
x = rand(G, N, T, F, lo=0.5, hi=2.0)
y = rand(G, N)
rng = SeededRandom(SEED)
mask = torch.tensor([0.0 if rng.next_double() < 0.5 else 2.0 for _ in range(N * H)]).reshape(N, H)
step("step_alphanet_v2", an, {"x": x, "mask": mask}, y, lambda: ((an(x, mask) - y) ** 2).mean(), 1e-3,
     features=F, days=T, hidden=H, dropout_seed=SEED)
