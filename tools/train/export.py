"""ONNX export (opset 13) with metadata, checks, dead units. Called by train.py at the end of a run."""
import csv
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import onnx  # noqa: E402
import torch  # noqa: E402

import data  # noqa: E402
import deadunits  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
MODELS_DIR = os.path.join(REPO, "models")
OPSET = 13
LOG_FIELDS = ["epoch", "loss", "train_acc", "val_acc", "lr", "seconds"]


def paths(info):
    d = os.path.join(MODELS_DIR, info["arch"])
    base = os.path.join(d, info["name"])
    return d, dict(onnx=base + ".onnx", csv=base + ".csv", dead=base + ".deadunits.json")


def write_log(log, path):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=LOG_FIELDS)
        w.writeheader()
        for r in log:
            w.writerow({k: (repr(r[k]) if isinstance(r[k], float) else r[k]) for k in LOG_FIELDS})


def export_run(model, info, log, xte, yte):
    d, p = paths(info)
    os.makedirs(d, exist_ok=True)
    model.eval()
    tmp = p["onnx"] + ".tmp"
    dummy = xte[:2].clone()
    with torch.no_grad():
        torch.onnx.export(model, dummy, tmp, opset_version=OPSET, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                          do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(tmp)
    meta = {
        "arch": info["arch"],
        "activation": info["activation"],
        "helu_alpha": ("%g" % info["helu_alpha"]) if info["activation"] == "helu" else "0",
        "seed": str(info["seed"]),
        "epochs": str(info["epochs_completed"]),
        "dataset": "fashion-mnist",
        "test_accuracy": repr(info["test_accuracy"]),
        "test_correct": str(info["test_correct"]),
        "test_total": str(info["test_total"]),
        "val_accuracy": repr(info["final_val_acc"]),
        "diverged": "1" if info["diverged"] else "0",
        "input_mean": repr(data.INPUT_MEAN),
        "input_std": repr(data.INPUT_STD),
        "input_format": "float32 NCHW [N,1,28,28], (pixel/255 - input_mean)/input_std",
        "output_format": "raw logits [N,10]",
        "labels": ",".join(data.LABELS),
        "recipe": info["recipe"],
        "recipe_name": info["recipe_name"],
        "trained_with": "torch " + torch.__version__,
        "train_seconds": repr(info["train_seconds"]),
        "params": str(info["params"]),
        "macs": str(info["macs"]),
        "validation_split": "5000 images of the 60000 training images (numpy RandomState(%d) permutation); "
                            "trained on the other 55000" % data.VAL_SEED,
    }
    del m.metadata_props[:]
    for k, v in meta.items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    m.doc_string = "helu4j model %s: %s" % (info["name"], info["recipe"])
    onnx.checker.check_model(m)
    # sanity: the graph's activation node types match the training activation
    ops = [n.op_type for n in m.graph.node]
    if info["activation"] in ("relu", "helu"):
        assert "Relu" in ops and "Erf" not in ops, ops
    else:
        assert "Erf" in ops and "Relu" not in ops, ops
    onnx.save(m, p["onnx"])
    os.remove(tmp)
    # the exported file loads and checks again from disk
    onnx.checker.check_model(onnx.load(p["onnx"]))
    write_log(log, p["csv"])
    res = deadunits.compute(model, xte)
    deadunits.attach_onnx_names(res, m, info["activation"])
    for r in res:
        if info["activation"] == "gelu":
            r["note"] = "GELU output is exactly 0 only at z == 0 or on float32 underflow (z < ~-13); " \
                        "a 'dead' GELU unit in this sense is not expected"
    with open(p["dead"], "w") as f:
        json.dump(dict(model=os.path.basename(p["onnx"]), dataset="fashion-mnist test (10000 images)",
                       definition="dead = post-activation output exactly 0 for every test image "
                                  "(conv: at every spatial position)", layers=res), f, indent=1)
    info["files"] = {k: os.path.relpath(v, REPO) for k, v in p.items()}
    info["dead_units"] = [dict(layer=r["layer"], units=r["units"], dead=r["dead"]) for r in res]
    return p
