"""Writes the golden fixtures of tests/Sig.Models.Tests/Fixtures from PyTorch.

Run: OMP_NUM_THREADS=1 /usr/bin/python3 tools/reference/make_fixtures.py
Each fixture holds inputs (in.*), parameters (param.*), the upstream gradient (in.dy),
forward outputs (out.*), gradients (grad.*), buffers after the pass (buf.*) and parameters
after optimizer steps (adam.* / rmsprop.*). Arithmetic is float64 on float32 inputs.
"""
import torch
import torch.nn as nn

from common import Fixture, rand, f32, corr, alphanet_extract

torch.set_default_dtype(torch.float64)
G = torch.Generator().manual_seed(20240601)


def randomize(module, lo=-0.5, hi=0.5):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(rand(G, *p.shape, lo=lo, hi=hi))


def adam_after(module, lr, steps=1):
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    for _ in range(steps):
        opt.step()


def layer_fixture(name, module, x, call, lr=0.01, **meta):
    fx = Fixture(name, lr=lr, **meta)
    x = x.clone().requires_grad_(True)
    fx.add("in.x", x)
    fx.add_module("param.", module)
    y = call(module, x)
    dy = rand(G, *y.shape)
    fx.add("in.dy", dy)
    fx.add("out.y", y)
    (y * dy).sum().backward()
    fx.add("grad.x", x.grad)
    fx.add_grads("grad.", module)
    fx.add_module("buf.", module)
    adam_after(module, lr)
    fx.add_module("adam.", module)
    fx.write()


# Linear 4 → 3 over 5 rows
lin = nn.Linear(4, 3); randomize(lin)
layer_fixture("linear", lin, rand(G, 5, 4), lambda m, x: m(x))

# GRU 3 → 4, batch 4, length 5: last hidden state
gru = nn.GRU(3, 4, batch_first=True); randomize(gru)
layer_fixture("gru", gru, rand(G, 4, 5, 3), lambda m, x: m(x)[1][0])

# LSTM 5 → 4, batch 4, length 3: last hidden state
lstm = nn.LSTM(5, 4, batch_first=True); randomize(lstm)
layer_fixture("lstm", lstm, rand(G, 4, 3, 5), lambda m, x: m(x)[1][0])

# BatchNorm1d in training over [n, C] and over a sequence [n, L, C] (PyTorch sees [n, C, L])
bn = nn.BatchNorm1d(3); randomize(bn, 0.5, 1.5)
layer_fixture("bn_train", bn, rand(G, 6, 3, lo=-2, hi=3), lambda m, x: m(x))
bn = nn.BatchNorm1d(5); randomize(bn, 0.5, 1.5)
layer_fixture("bn_train_seq", bn, rand(G, 4, 3, 5, lo=-2, hi=3), lambda m, x: m(x.transpose(1, 2)).transpose(1, 2))
bn = nn.BatchNorm1d(3); randomize(bn, 0.5, 1.5)
with torch.no_grad():
    bn.running_mean.copy_(rand(G, 3)); bn.running_var.copy_(rand(G, 3, lo=0.5, hi=2.0)); bn.num_batches_tracked.fill_(7)
bn.eval()
layer_fixture("bn_eval", bn, rand(G, 6, 3, lo=-2, hi=3), lambda m, x: m(x))


def plain_fixture(name, x, fn, **meta):
    fx = Fixture(name, **meta)
    x = x.clone().requires_grad_(True)
    fx.add("in.x", x)
    y = fn(x)
    dy = rand(G, *y.shape)
    fx.add("in.dy", dy)
    fx.add("out.y", y)
    (y * dy).sum().backward()
    fx.add("grad.x", x.grad)
    return fx


plain_fixture("sigmoid", rand(G, 2, 7, lo=-4, hi=4), torch.sigmoid).write()
mask = (torch.rand(3, 6, generator=G) >= 0.5).to(torch.float64) / 0.5
fx = plain_fixture("dropout", rand(G, 3, 6), lambda x: x * mask, p=0.5)
fx.add("in.mask", mask); fx.write()

# AlphaNet extraction: F = 4, T = 30, windows of 10; one constant window, one zero first value
x = rand(G, 3, 30, 4, lo=0.5, hi=2.0)
x[1, 10:20, 2] = 1.25
x[2, 20, 1] = 0.0
plain_fixture("alphanet_ops", x, lambda t: alphanet_extract(t), window=10, stride=10).write()
fx = plain_fixture("alphanet_ops_pairs", x, lambda t: alphanet_extract(t, pair_features=[0, 2, 3]), window=10, stride=10)
fx.meta["pair_features"] = [0, 2, 3]; fx.write()


def loss_fixture(name, pred, fn, extra):
    fx = Fixture(name)
    pred = pred.clone().requires_grad_(True)
    fx.add("in.pred", pred)
    for k, v in extra.items():
        fx.add("in." + k, v)
    loss = fn(pred)
    fx.add("out.loss", loss.reshape(1))
    loss.backward()
    fx.add("grad.pred", pred.grad)
    fx.write()


n = 9
y = rand(G, n)
loss_fixture("loss_negcorr", rand(G, n), lambda p: -corr(p, y), {"y": y})
loss_fixture("loss_mse", rand(G, n), lambda p: ((p - y) ** 2).mean(), {"y": y})
w = torch.ones(n)
w[torch.argsort(-y)[: n // 2]] = 2.0
loss_fixture("loss_weighted_mse", rand(G, n), lambda p: (w * (p - y) ** 2).sum() / w.sum(), {"y": y, "w": w})
styles = rand(G, n, 2, lo=-2, hi=2)
X = torch.cat([torch.ones(n, 1), styles], 1)


def neutralized(p):
    beta = torch.linalg.solve(X.T @ X, X.T @ p)
    return ((p - X @ beta - y) ** 2).mean()


loss_fixture("loss_neutralized_mse", rand(G, n), neutralized, {"y": y, "styles": styles})
preds = rand(G, 3, n)


def multitask(p):
    loss = -sum(corr(p[k], y) for k in range(3))
    return loss + 0.01 * sum(corr(p[k], p[l]) for k in range(3) for l in range(k + 1, 3))


loss_fixture("loss_multitask", preds, multitask, {"y": y})

# Optimizers: three steps from given gradients
for opt_name, make in [("adam", lambda ps: torch.optim.Adam(ps, lr=0.01)), ("rmsprop", lambda ps: torch.optim.RMSprop(ps, lr=0.01))]:
    fx = Fixture("opt_" + opt_name, lr=0.01, steps=3)
    p = nn.Parameter(rand(G, 11))
    fx.add("param.p", p)
    opt = make([p])
    for s in range(3):
        g = rand(G, 11)
        if s == 2:
            g[3] = 0.0
        fx.add(f"in.grad{s}", g)
        p.grad = g.clone()
        opt.step()
        fx.add(f"out.p{s}", p)
    fx.write()
