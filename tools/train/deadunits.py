"""Dead units: per activation layer, the units (MLP neurons) or channels (conv: zero at every spatial
position of every image) whose post-activation output is exactly 0 for every image of the 10,000-image
Fashion-MNIST test set.

Layer order = order of the activation modules in the forward pass = order of the activation nodes
(Relu, or the Erf of GELU) in the exported ONNX graph.

  /usr/bin/python3 tools/train/deadunits.py tools/train/runs/<run>      (a run directory with final.pt + done.json)
  /usr/bin/python3 tools/train/deadunits.py path/to/final.pt --arch fashion-cnn --act relu
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

import data  # noqa: E402
import models  # noqa: E402


@torch.no_grad()
def compute(model, x, bs=1000):
    """Returns a list of dicts {index, module, units, dead, zero_everywhere mask} in forward order."""
    acts = models.activation_modules(model)
    alive = [None] * len(acts)
    shapes = [None] * len(acts)

    def make_hook(i):
        def hook(m, inp, out):
            nz = out != 0
            if out.dim() == 4:      # [N,C,H,W]: a channel is alive if nonzero anywhere
                a = nz.any(dim=3).any(dim=2).any(dim=0)
            else:                   # [N,F]
                a = nz.any(dim=0)
            alive[i] = a if alive[i] is None else (alive[i] | a)
            shapes[i] = tuple(out.shape[1:])
        return hook

    hooks = [m.register_forward_hook(make_hook(i)) for i, (_, m) in enumerate(acts)]
    model.eval()
    try:
        for i in range(0, len(x), bs):
            model(x[i:i + bs])
    finally:
        for h in hooks:
            h.remove()
    res = []
    for i, (name, m) in enumerate(acts):
        units = int(alive[i].numel())
        dead = int((~alive[i]).sum())
        res.append(dict(index=i, module=name, kind="channel" if len(shapes[i]) == 3 else "neuron",
                        units=units, dead=dead, fraction=dead / units))
    return res


def onnx_activation_nodes(onnx_model, act):
    """Activation nodes of the exported graph, in graph order: [(node_name, output_name)]."""
    nodes = list(onnx_model.graph.node)
    if act in ("relu", "helu"):
        return [(n.name, n.output[0]) for n in nodes if n.op_type == "Relu"]
    # GELU (exact) exports as x * 0.5 * (1 + erf(x / sqrt 2)): Div, Erf, Add, Mul, Mul.
    consumers = {}
    for n in nodes:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    out = []
    for n in nodes:
        if n.op_type == "Erf":
            cur = n
            for _ in range(3):
                nxt = [c for c in consumers.get(cur.output[0], []) if c.op_type in ("Add", "Mul")]
                if len(nxt) != 1:
                    break
                cur = nxt[0]
            out.append((n.name, cur.output[0]))
    return out


def attach_onnx_names(res, onnx_model, act):
    names = onnx_activation_nodes(onnx_model, act)
    if len(names) != len(res):
        raise RuntimeError("activation count mismatch: %d modules vs %d ONNX nodes" % (len(res), len(names)))
    for r, (node, output) in zip(res, names):
        r["layer"] = node
        r["onnx_node"] = node
        r["onnx_output"] = output
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path", help="run directory (final.pt + done.json) or a state-dict .pt")
    ap.add_argument("--arch")
    ap.add_argument("--act")
    ap.add_argument("--alpha", type=float, default=None)
    ap.add_argument("--onnx", help="exported model, to record the ONNX node names")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if os.path.isdir(args.path):
        with open(os.path.join(args.path, "done.json")) as f:
            info = json.load(f)
        arch, act, alpha = info["arch"], info["activation"], info["helu_alpha"] or None
        pt = os.path.join(args.path, "final.pt")
    else:
        arch, act, alpha, pt = args.arch, args.act, args.alpha, args.path
    model = models.build(arch, act, alpha)
    model.load_state_dict(torch.load(pt))
    x, _ = data.load_test()
    res = compute(model, data.normalize(x))
    if args.onnx:
        import onnx
        attach_onnx_names(res, onnx.load(args.onnx), act)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
