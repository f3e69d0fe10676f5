"""A tiny, slow NumPy reference interpreter for the ONNX ops our exports use (Conv, Relu, MaxPool,
Flatten, Gemm, MatMul, Add, Mul, Div, Erf, BatchNormalization, ReduceMean, Reshape). onnxruntime is not
available here, so this is how each export is checked against PyTorch: same logits within float
rounding and identical argmax on the checked images.

  /usr/bin/python3 tools/train/onnx_ref.py models/fashion-cnn/X.onnx [--n 200]
"""
import argparse
import math
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, a):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    group = a.get("group", 1)
    assert group == 1
    sh, sw = a.get("strides", [1, 1])
    pads = a.get("pads", [0, 0, 0, 0])
    dh, dw = a.get("dilations", [1, 1])
    assert dh == 1 and dw == 1
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (xp.shape[2] - kh) // sh + 1
    ow = (xp.shape[3] - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    y = np.einsum("nckloq,mckl->nmoq", cols, w.astype(np.float64))
    if b is not None:
        y += b.astype(np.float64)[None, :, None, None]
    return y


def _maxpool(x, a):
    kh, kw = a["kernel_shape"]
    sh, sw = a.get("strides", [kh, kw])
    assert not any(a.get("pads", [0, 0, 0, 0]))
    oh = (x.shape[2] - kh) // sh + 1
    ow = (x.shape[3] - kw) // sw + 1
    y = np.full(x.shape[:2] + (oh, ow), -np.inf)
    for i in range(kh):
        for j in range(kw):
            y = np.maximum(y, x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw])
    return y


def run(model, x):
    """Evaluates in float64 (a reference, not a bit-exact float32 engine)."""
    env = {t.name: numpy_helper.to_array(t).astype(np.float64) if numpy_helper.to_array(t).dtype.kind == "f"
           else numpy_helper.to_array(t) for t in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float64)
    erf = np.vectorize(math.erf)
    for node in model.graph.node:
        a = _attrs(node)
        i = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Conv":
            y = _conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
        elif op == "Identity":
            y = i[0]
        elif op == "Relu":
            y = np.maximum(i[0], 0)
        elif op == "MaxPool":
            y = _maxpool(i[0], a)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == "Reshape":
            y = i[0].reshape([int(d) if d != 0 else i[0].shape[k] for k, d in enumerate(i[1])])
        elif op == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * A @ B
            if len(i) > 2 and i[2] is not None:
                y = y + a.get("beta", 1.0) * i[2]
        elif op == "MatMul":
            y = i[0] @ i[1]
        elif op == "Add":
            y = i[0] + i[1]
        elif op == "Mul":
            y = i[0] * i[1]
        elif op == "Div":
            y = i[0] / i[1]
        elif op == "Erf":
            y = erf(i[0])
        elif op == "BatchNormalization":
            sc, bi, mu, var = (t[None, :, None, None] for t in i[1:5])
            y = (i[0] - mu) / np.sqrt(var + a.get("epsilon", 1e-5)) * sc + bi
        elif op == "ReduceMean":
            y = i[0].mean(axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        elif op == "Constant":
            y = numpy_helper.to_array(a["value"])
            if y.dtype.kind == "f":
                y = y.astype(np.float64)
        else:
            raise NotImplementedError(op)
        env[node.output[0]] = y
    return env[model.graph.output[0].name]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("onnx")
    ap.add_argument("--n", type=int, default=100)
    args = ap.parse_args()
    import data
    m = onnx.load(args.onnx)
    xs, ys = data.load_test()
    x = data.normalize(xs[:args.n]).numpy()
    out = run(m, x)
    acc = (out.argmax(1) == ys[:args.n].numpy()).mean()
    print("%s: first %d test images, accuracy %.4f" % (args.onnx, args.n, acc))


if __name__ == "__main__":
    main()
