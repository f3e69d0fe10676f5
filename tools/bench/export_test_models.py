#!/usr/bin/env python3
"""Small ONNX fixtures for the bench module's ONNX Runtime cross-check (OrtAgreementTest). Deterministic.

    /usr/bin/python3 tools/bench/export_test_models.py bench/src/test/resources/ort

ortcheck-cnn.onnx: the golden CNN's op mix (tools/golden/export_golden.py: conv with and without bias, BN, ReLU,
  depthwise conv, residual add, max pool, GELU, flatten, Gemm, Sigmoid) with a floor-mode average pool, input
  [N,1,28,28]. The golden CNN itself ends in avg_pool2d(2, ceil_mode=True) on 7x7, where ONNX Runtime divides the
  last, partial window by the full kernel size (microsoft/onnxruntime#16203, onnx/onnx#5276) while PyTorch, and
  helu4j, divide by the elements that window covers; so the two engines cannot agree to 1e-4 on it.
avgpool-ceil.onnx: that one op alone, input [N,2,7,7], which pins the divergence down in the test.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class CheckNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=8)  # depthwise
        self.conv3 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.bn3 = nn.BatchNorm2d(16)
        self.conv4 = nn.Conv2d(16, 16, 1)                      # pointwise
        self.fc1 = nn.Linear(16 * 3 * 3, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))          # 28x28
        x = x + F.relu(self.conv2(x))                # residual
        x = F.max_pool2d(x, 2)                       # 14x14
        x = F.gelu(self.bn3(self.conv3(x)))          # 7x7
        x = F.relu(self.conv4(x))
        x = F.avg_pool2d(x, 2)                       # 3x3 (floor mode)
        x = torch.flatten(x, 1)
        x = torch.sigmoid(self.fc1(x)) * 2 - 1
        return self.fc2(x)


class CeilPool(nn.Module):
    def forward(self, x):
        return F.avg_pool2d(x, 2, ceil_mode=True)


def export(net, shape, path):
    net.eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        torch.onnx.export(net, x, path, opset_version=13, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    print("wrote", path)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(4321)
    net = CheckNet()
    with torch.no_grad():
        for bn in (net.bn1, net.bn3):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    export(net, (2, 1, 28, 28), os.path.join(out_dir, "ortcheck-cnn.onnx"))
    export(CeilPool(), (2, 2, 7, 7), os.path.join(out_dir, "avgpool-ceil.onnx"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/src/test/resources/ort")
