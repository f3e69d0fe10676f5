"""Architectures. Input: normalized image [N,1,28,28] float32. Output: logits [N,10]."""
import torch
from torch import nn

from helu import make_activation, ACTIVATION_TYPES


class FashionCNN(nn.Module):
    """Small VGG-style CNN: [conv3x3-BN-act]x2, maxpool, [..]x2, maxpool, [..]x2, maxpool, flatten, linear."""

    def __init__(self, act, alpha=None, width=16):
        super().__init__()
        w = width
        chans = [(1, w), (w, w), "M", (w, 2 * w), (2 * w, 2 * w), "M", (2 * w, 4 * w), (4 * w, 4 * w), "M"]
        layers = []
        for c in chans:
            if c == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(c[0], c[1], 3, padding=1, bias=False), nn.BatchNorm2d(c[1]),
                           make_activation(act, alpha)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(4 * w * 3 * 3, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class PreActBlock(nn.Module):
    def __init__(self, cin, cout, stride, act, alpha):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.act1 = make_activation(act, alpha)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.act2 = make_activation(act, alpha)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)

    def forward(self, x):
        o = self.act1(self.bn1(x))
        sc = x if self.shortcut is None else self.shortcut(o)
        y = self.conv1(o)
        y = self.conv2(self.act2(self.bn2(y)))
        return y + sc


class FashionWRN(nn.Module):
    """Pre-activation Wide-ResNet (Zagoruyko & Komodakis), depth = 6n+4, widths (16k, 32k, 64k)*base/16."""

    def __init__(self, act, alpha=None, depth=10, k=2, base=8):
        super().__init__()
        assert (depth - 4) % 6 == 0
        n = (depth - 4) // 6
        widths = [int(base * k), int(2 * base * k), int(4 * base * k)]
        self.conv0 = nn.Conv2d(1, base, 3, padding=1, bias=False)
        blocks = []
        cin = base
        for g, (cw, stride) in enumerate(zip(widths, (1, 2, 2))):
            for i in range(n):
                blocks.append(PreActBlock(cin, cw, stride if i == 0 else 1, act, alpha))
                cin = cw
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.act = make_activation(act, alpha)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        x = self.blocks(self.conv0(x))
        x = self.act(self.bn(x))
        x = x.mean(dim=(2, 3))
        return self.fc(x)


class FashionMLP(nn.Module):
    """Deep plain MLP, no normalization: flatten, [linear-act] x depth, linear."""

    def __init__(self, act, alpha=None, depth=7, width=256):
        super().__init__()
        layers = [nn.Flatten()]
        d = 28 * 28
        for _ in range(depth):
            layers += [nn.Linear(d, width), make_activation(act, alpha)]
            d = width
        layers.append(nn.Linear(d, 10))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


ARCHS = {
    "fashion-cnn": (FashionCNN, dict(width=8), "VGG-style CNN: 6 conv3x3+BN+act (8,8,M,16,16,M,32,32,M), maxpool 2x2, flatten 32x3x3, linear 288->10"),
    "fashion-wrn": (FashionWRN, dict(depth=10, k=1, base=8), "pre-activation Wide-ResNet WRN-10-1 (stem conv 1->8, 3 groups x 1 block, widths 8/16/32, strides 1/2/2, 1x1 conv shortcuts), BN, global avg pool, linear 32->10"),
    "fashion-mlp": (FashionMLP, dict(depth=7, width=256), "plain MLP 784-256x7-10, no normalization"),
}


def build(arch, act, alpha=None):
    cls, kw, _ = ARCHS[arch]
    return cls(act, alpha, **kw)


def activation_modules(model):
    """(name, module) of every activation module, in forward-execution order (== ONNX node order)."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, ACTIVATION_TYPES)]


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def count_macs(model):
    """Multiply-accumulates of one inference (conv + linear only; BN folded into conv at export)."""
    macs = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs[0] += m.in_features * m.out_features
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in hs:
        h.remove()
    return macs[0]


if __name__ == "__main__":
    for a in ARCHS:
        m = build(a, "relu")
        print(a, "params", count_params(m), "MACs", count_macs(m), "acts", len(activation_modules(m)))
