"""Golden outputs for the Java engine: for one model per architecture, the first 8 test images
(normalized float32 [8,1,28,28]) and the PyTorch float32 logits [8,10], saved with numpy.save.
Also checks every shipped .onnx against PyTorch with the NumPy reference interpreter (onnx_ref.py).

  /usr/bin/python3 tools/train/golden.py            (golden files + check of all exports)
"""
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

import data  # noqa: E402
import models  # noqa: E402
import onnx_ref  # noqa: E402
from train import RUNS_DIR  # noqa: E402

N_GOLDEN = 8
N_CHECK = 64


def load_torch(onnx_path):
    meta = {p.key: p.value for p in onnx.load(onnx_path).metadata_props}
    name = os.path.basename(onnx_path)[:-5]
    act = meta["activation"]
    alpha = float(meta["helu_alpha"]) if act == "helu" else None
    model = models.build(meta["arch"], act, alpha)
    model.load_state_dict(torch.load(os.path.join(RUNS_DIR, name, "final.pt")))
    model.eval()
    return model, meta


def pick(arch):
    """Prefer the HeLU seed-0 paper-recipe model, else ReLU seed 0, else anything."""
    import grid
    alpha, _ = grid.choose_alpha()
    files = sorted(glob.glob(os.path.join(REPO, "models", arch, "*.onnx")))
    want = (["%s-helu-a%g-paperlong-s0.onnx" % (arch, alpha), "%s-helu-a%g-s0.onnx" % (arch, alpha)]
            if alpha is not None else []) + ["%s-relu-s0.onnx" % arch]
    for w in want:
        for f in files:
            if os.path.basename(f) == w:
                return f
    return files[0] if files else None


def main():
    torch.set_num_threads(1)
    xs, ys = data.load_test()
    x_all = data.normalize(xs)
    ok = True
    for f in sorted(glob.glob(os.path.join(REPO, "models", "*", "*.onnx"))):
        if not os.path.exists(os.path.join(RUNS_DIR, os.path.basename(f)[:-5], "final.pt")):
            print("skip (no final.pt here): %s" % f)
            continue
        model, meta = load_torch(f)
        with torch.no_grad():
            t = model(x_all[:N_CHECK]).numpy().astype(np.float64)
        r = onnx_ref.run(onnx.load(f), x_all[:N_CHECK].numpy())
        err = np.abs(t - r).max() / max(1e-6, np.abs(r).max())
        same = bool((t.argmax(1) == r.argmax(1)).all())
        print("%-50s max rel err vs ONNX reference %.2e, argmax equal: %s" % (os.path.basename(f), err, same))
        ok &= err < 1e-4 and same
    for arch in ("fashion-cnn", "fashion-wrn", "fashion-mlp"):
        f = pick(arch)
        if f is None:
            continue
        model, meta = load_torch(f)
        x = x_all[:N_GOLDEN].contiguous()
        with torch.no_grad():
            logits = model(x).contiguous()
        d = os.path.join(REPO, "models", arch, "golden")
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "input.npy"), np.ascontiguousarray(x.numpy(), dtype=np.float32))
        np.save(os.path.join(d, "logits.npy"), np.ascontiguousarray(logits.numpy(), dtype=np.float32))
        with open(os.path.join(d, "model.txt"), "w") as fh:
            fh.write("%s\n\ninput.npy: the first %d images of the Fashion-MNIST test set (models/data), "
                     "normalized as (pixel/255 - %s)/%s, float32 [%d,1,28,28], C order.\n"
                     "logits.npy: PyTorch %s float32 logits [%d,10] of that model in eval mode.\n"
                     "labels of these images: %s\n" % (
                         os.path.basename(f), N_GOLDEN, meta["input_mean"], meta["input_std"], N_GOLDEN,
                         torch.__version__, N_GOLDEN, ",".join(str(int(v)) for v in ys[:N_GOLDEN])))
        print("golden: %s -> %s" % (arch, os.path.basename(f)))
    if not ok:
        raise SystemExit("ONNX reference check FAILED")


if __name__ == "__main__":
    main()
