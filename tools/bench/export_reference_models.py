"""Export the reference architectures that helu4j benchmarks against ONNX Runtime.

  /usr/bin/python3 tools/bench/export_reference_models.py OUT_DIR [--only resnet18,mobilenet_v2,wrn16_4] [--force]

Writes OUT_DIR/resnet18.onnx, OUT_DIR/mobilenet_v2.onnx (torchvision 0.14, input [N,3,224,224]) and
OUT_DIR/wrn16_4.onnx (WRN-16-4 for 32x32 inputs, defined below, input [N,3,32,32]). Random weights from a fixed
seed (the weights do not matter for speed, only the shapes), eval mode, opset 13, dynamic batch on the input and
the output. BatchNorm running statistics are randomized too, so that the exported BN nodes are not identities
(the exporter folds them into the convs either way with do_constant_folding; what is measured is what a user's
export looks like). Files that already exist are kept unless --force: the export is deterministic.

These files are big (ResNet-18 is 45 MB) and are not committed: bench/run.sh generates them into
bench/target/models/.
"""
import argparse
import os
import sys

import torch
from torch import nn
import torchvision

SEED = 20240229
OPSET = 13


class WideBasic(nn.Module):
    """Pre-activation basic block of a Wide-ResNet (Zagoruyko & Komodakis 2016), without dropout."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)

    def forward(self, x):
        o = torch.relu(self.bn1(x))
        sc = x if self.shortcut is None else self.shortcut(o)
        y = self.conv1(o)
        y = self.conv2(torch.relu(self.bn2(y)))
        return y + sc


class WideResNet(nn.Module):
    """WRN-depth-k for CIFAR-sized (32x32) inputs: depth = 6n + 4, widths 16k, 32k, 64k, strides 1, 2, 2."""

    def __init__(self, depth=16, k=4, classes=10):
        super().__init__()
        assert (depth - 4) % 6 == 0
        n = (depth - 4) // 6
        self.conv0 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        blocks, cin = [], 16
        for width, stride in ((16 * k, 1), (32 * k, 2), (64 * k, 2)):
            for i in range(n):
                blocks.append(WideBasic(cin, width, stride if i == 0 else 1))
                cin = width
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = torch.relu(self.bn(self.blocks(self.conv0(x))))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


MODELS = {
    "resnet18": (lambda: torchvision.models.resnet18(weights=None), (3, 224, 224)),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(weights=None), (3, 224, 224)),
    "wrn16_4": (lambda: WideResNet(16, 4), (3, 32, 32)),
}


def randomize_bn(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)


def export(name, out_dir, force):
    path = os.path.join(out_dir, name + ".onnx")
    if os.path.exists(path) and not force:
        print("kept     %s" % path)
        return path
    factory, chw = MODELS[name]
    torch.manual_seed(SEED)
    model = factory()
    randomize_bn(model, torch.Generator().manual_seed(SEED + 1))
    model.eval()
    dummy = torch.randn((2,) + chw, generator=torch.Generator().manual_seed(SEED + 2))
    tmp = path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, dummy, tmp, opset_version=OPSET, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                          do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    os.replace(tmp, path)
    params = sum(p.numel() for p in model.parameters())
    print("exported %s (%.1f M parameters, input [N,%d,%d,%d])" % (path, params / 1e6, *chw))
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--only", default=",".join(MODELS), help="comma-separated subset of " + ",".join(MODELS))
    ap.add_argument("--force", action="store_true", help="re-export files that already exist")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for name in a.only.split(","):
        if name not in MODELS:
            sys.exit("unknown model %r; choose from %s" % (name, ", ".join(MODELS)))
        export(name, a.out_dir, a.force)


if __name__ == "__main__":
    main()
