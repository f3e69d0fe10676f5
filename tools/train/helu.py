"""HeLU: the Hysteresis Linear Unit (Kimhi et al., 2024, arXiv:2411.10573).

Forward:  HeLU(z) = max(z, 0)             (bit-for-bit ReLU)
Backward: dHeLU/dz = 1 if z > -alpha else 0   (ReLU's is 1 if z > 0)

So a unit whose pre-activation is in (-alpha, 0] still receives gradient. At inference the module is
exactly ReLU and exports to ONNX as a `Relu` node.
"""
import torch
from torch import nn


class HeLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z, alpha):
        ctx.save_for_backward(z)
        ctx.alpha = float(alpha)
        return z.clamp_min(0)

    @staticmethod
    def backward(ctx, grad_out):
        (z,) = ctx.saved_tensors
        mask = z > -ctx.alpha
        return grad_out * mask.to(grad_out.dtype), None

    @staticmethod
    def symbolic(g, z, alpha):  # ONNX export: the forward is ReLU
        return g.op("Relu", z)


def helu(z, alpha):
    return HeLUFunction.apply(z, alpha)


class HeLU(nn.Module):
    """nn.Module wrapper. In training (grad enabled) uses the hysteresis backward; otherwise plain ReLU
    (identical forward), which is what the ONNX export sees."""

    def __init__(self, alpha=0.05):
        super().__init__()
        if alpha < 0:
            raise ValueError("alpha must be >= 0")
        self.alpha = float(alpha)

    def forward(self, z):
        if torch.is_grad_enabled() and z.requires_grad and not torch.jit.is_tracing() \
                and not torch.onnx.is_in_onnx_export():
            return HeLUFunction.apply(z, self.alpha)
        return torch.relu(z)

    def extra_repr(self):
        return "alpha=%g" % self.alpha


def make_activation(act, alpha=None):
    if act == "relu":
        return nn.ReLU()
    if act == "helu":
        if alpha is None:
            raise ValueError("helu needs --alpha")
        return HeLU(alpha)
    if act == "gelu":
        return nn.GELU()  # exact (erf) GELU
    raise ValueError("unknown activation %r" % act)


ACTIVATION_TYPES = (nn.ReLU, HeLU, nn.GELU)
