"""PyTorch modules with the engine's architectures and state_dict names, built from the
hyper-parameters recorded in an engine model file / export."""
import torch
import torch.nn as nn

from common import alphanet_extract


class HfGru(nn.Module):
    def __init__(self, features=27, hidden=30):
        super().__init__()
        self.gru = nn.GRU(features, hidden, batch_first=True)
        self.bn = nn.BatchNorm1d(hidden)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, xs):
        return torch.sigmoid(self.fc(self.bn(self.gru(xs[0])[1][0]))).squeeze(1)


class LfMtl(nn.Module):
    def __init__(self, inputs=(0, 1, 2), shared=True, features=6, hidden=30):
        super().__init__()
        self.inputs, self.shared = list(inputs), shared
        if shared:
            self.gru = nn.GRU(features, hidden, batch_first=True)
        else:
            for k in range(len(self.inputs)):
                setattr(self, f"gru{k}", nn.GRU(features, hidden, batch_first=True))
        for k in range(len(self.inputs)):
            setattr(self, f"bn{k}", nn.BatchNorm1d(hidden))
            setattr(self, f"fc{k}", nn.Linear(hidden, 1))

    def forward(self, xs):
        outs = []
        for k, i in enumerate(self.inputs):
            gru = self.gru if self.shared else getattr(self, f"gru{k}")
            outs.append(getattr(self, f"fc{k}")(getattr(self, f"bn{k}")(gru(xs[i])[1][0])).squeeze(1))
        return sum(outs) / len(outs)


class AlphaNet(nn.Module):
    def __init__(self, features=15, days=30, pair_features=None, hidden=30, dropout=0.5, window=10, stride=10):
        super().__init__()
        self.pair_features = list(range(features)) if pair_features is None else list(pair_features)
        p = len(self.pair_features)
        width = 2 * (p * (p - 1) // 2) + 4 * features
        self.window, self.stride = window, stride
        self.bn_feat = nn.BatchNorm1d(width)
        self.lstm = nn.LSTM(width, hidden, batch_first=True)
        self.bn = nn.BatchNorm1d(hidden)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, xs):
        f = alphanet_extract(xs[0], self.window, self.stride, self.pair_features)
        f = self.bn_feat(f.transpose(1, 2)).transpose(1, 2)
        return self.fc(self.drop(self.bn(self.lstm(f)[1][0][0]))).squeeze(1)


def build(architecture, hp):
    ints = lambda s: [int(v) for v in s.split(",")] if s else []
    if architecture == "hf-gru":
        return HfGru(int(hp["features"]), int(hp["hidden"]))
    if architecture == "lf-mtl":
        return LfMtl(ints(hp["inputs"]), hp["shared_gru"] == "true", int(hp["features"]), int(hp["hidden"]))
    if architecture == "alphanet":
        return AlphaNet(int(hp["features"]), int(hp["days"]), ints(hp["pair_features"]), int(hp["hidden"]),
                        float(hp["dropout"]), int(hp["window"]), int(hp["stride"]))
    raise ValueError(f"unknown architecture {architecture}")
