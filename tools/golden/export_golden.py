#!/usr/bin/env python3
"""Exports a small CNN with random weights to ONNX, with an input and PyTorch's output, for the engine's
golden end-to-end test. Deterministic: run it again and the files are identical.

    /usr/bin/python3 tools/golden/export_golden.py engine/src/test/resources/golden
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class GoldenNet(nn.Module):
    """Touches the ops a Fashion-MNIST model needs: conv with and without bias, BN, ReLU, GELU, pools,
    a residual add, a depthwise conv, flatten (the Shape/Gather/Reshape export pattern) and Gemm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=8)  # depthwise
        self.conv3 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.bn3 = nn.BatchNorm2d(16)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))          # 28x28
        x = x + F.relu(self.conv2(x))                # residual
        x = F.max_pool2d(x, 2)                       # 14x14
        x = F.gelu(self.bn3(self.conv3(x)))          # 7x7
        x = F.avg_pool2d(x, 2, ceil_mode=True)       # 4x4
        x = x.view(x.size(0), -1)
        x = torch.sigmoid(self.fc1(x)) * 2 - 1
        return self.fc2(x)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(1234)
    net = GoldenNet()
    # Give BN non-trivial statistics so that folding it is really tested.
    with torch.no_grad():
        for bn in (net.bn1, net.bn3):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    net.eval()
    x = torch.randn(3, 1, 28, 28)
    with torch.no_grad():
        y = net(x)
    torch.onnx.export(net, x, os.path.join(out_dir, "golden-cnn.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    np.save(os.path.join(out_dir, "golden-cnn-input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out_dir, "golden-cnn-output.npy"), y.numpy().astype(np.float32))
    print("wrote", out_dir, "torch", torch.__version__)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "engine/src/test/resources/golden")
