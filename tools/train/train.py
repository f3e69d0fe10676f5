"""Train one model on Fashion-MNIST, export it to ONNX with metadata, measure dead units.

  /usr/bin/python3 tools/train/train.py --arch fashion-cnn --act helu --alpha 0.01 --seed 0 [--recipe paper|tuned]

Deterministic given the seed (1 thread, deterministic algorithms, per-epoch generators), resumable
(a checkpoint is written after every epoch under tools/train/runs/ and picked up on restart).
"""
import argparse
import csv
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import data  # noqa: E402
import models  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
RUNS_DIR = os.path.join(HERE, "runs")
MODELS_DIR = os.path.join(REPO, "models")
BATCH = 128

# One recipe for all activations. Epoch counts are per architecture (sized for this 2-core machine).
RECIPES = {
    "paper": dict(lr=0.01, momentum=0.9, nesterov=False, weight_decay=0.0, schedule="constant",
                  desc="SGD momentum 0.9, constant lr 0.01, no weight decay, batch 128, random crop (pad 2) + horizontal flip"),
    "tuned": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4, schedule="onecycle",
                  desc="SGD nesterov momentum 0.9, one-cycle lr (linear warm-up 15% to 0.1, cosine to 0), weight decay 5e-4, batch 128, random crop (pad 2) + horizontal flip"),
}
EPOCHS = {"fashion-cnn": 5, "fashion-wrn": 2, "fashion-mlp": 10}
# "paperlong": the paper recipe with more epochs, added when the machine's load dropped.
RECIPES["paperlong"] = dict(RECIPES["paper"])
EPOCHS_BY_RECIPE = {"paperlong": {"fashion-wrn": 6, "fashion-cnn": 10, "fashion-mlp": 20}}


def default_epochs(arch, recipe):
    return EPOCHS_BY_RECIPE.get(recipe, {}).get(arch, EPOCHS[arch])


def run_name(arch, act, alpha, seed, recipe):
    name = "%s-%s" % (arch, act)
    if act == "helu":
        name += "-a%g" % alpha
    if recipe != "paper":
        name += "-" + recipe
    return name + "-s%d" % seed


def setup_determinism(seed):
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(seed)
    np.random.seed(seed)


def lr_at(recipe, step, total_steps):
    r = RECIPES[recipe]
    if r["schedule"] == "constant":
        return r["lr"]
    warm = max(1, int(0.15 * total_steps))
    if step < warm:
        return r["lr"] * (step + 1) / warm
    p = (step - warm) / max(1, total_steps - warm)
    return r["lr"] * 0.5 * (1 + math.cos(math.pi * p))


@torch.no_grad()
def evaluate(model, x, y, bs=1000):
    """x: normalized float32 [N,1,28,28]. Returns (correct, n, logits)."""
    model.eval()
    outs = [model(x[i:i + bs]) for i in range(0, len(x), bs)]
    logits = torch.cat(outs)
    correct = int((logits.argmax(1) == y).sum())
    return correct, len(y), logits


def atomic_save(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(args):
    setup_determinism(args.seed)
    rec = RECIPES[args.recipe]
    name = run_name(args.arch, args.act, args.alpha, args.seed, args.recipe)
    rdir = os.path.join(RUNS_DIR, name)
    os.makedirs(rdir, exist_ok=True)
    ckpt_path = os.path.join(rdir, "checkpoint.pt")
    epochs = args.epochs if args.epochs is not None else default_epochs(args.arch, args.recipe)

    tv = data.load_train_val()
    xtr_u8, ytr = tv["train"]
    xva = data.normalize(tv["val"][0])
    yva = tv["val"][1]
    aug = data.Augmenter(xtr_u8)
    n = len(ytr)
    steps_per_epoch = math.ceil(n / BATCH)
    total_steps = steps_per_epoch * epochs

    model = models.build(args.arch, args.act, args.alpha)
    opt = torch.optim.SGD(model.parameters(), lr=rec["lr"], momentum=rec["momentum"],
                          nesterov=rec["nesterov"], weight_decay=rec["weight_decay"])
    log = []
    start_epoch = 0
    diverged = False
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        log = ck["log"]
        start_epoch = ck["epoch"]
        diverged = ck.get("diverged", False)
        torch.set_rng_state(ck["torch_rng"])
        print("[%s] resumed after epoch %d" % (name, start_epoch), flush=True)
        if ck["epochs"] != epochs:
            raise SystemExit("checkpoint was for %d epochs, asked %d" % (ck["epochs"], epochs))

    for epoch in range(start_epoch, epochs):
        if diverged:
            break
        t0 = time.time()
        gen = torch.Generator().manual_seed(args.seed * 1000003 + epoch)
        perm = torch.randperm(n, generator=gen)
        model.train()
        tot_loss, tot_correct, seen = 0.0, 0, 0
        for s in range(steps_per_epoch):
            idx = perm[s * BATCH:(s + 1) * BATCH]
            xb = aug.batch(idx, gen)
            yb = ytr[idx]
            lr = lr_at(args.recipe, epoch * steps_per_epoch + s, total_steps)
            for g in opt.param_groups:
                g["lr"] = lr
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot_loss += float(loss) * len(idx)
            tot_correct += int((out.argmax(1) == yb).sum())
            seen += len(idx)
        train_loss = tot_loss / seen
        vc, vn, _ = evaluate(model, xva, yva)
        secs = time.time() - t0
        if not math.isfinite(train_loss):
            diverged = True
        row = dict(epoch=epoch + 1, loss=train_loss, train_acc=tot_correct / seen, val_acc=vc / vn,
                   lr=lr, seconds=round(secs, 2))
        log.append(row)
        print("[%s] epoch %d loss %.4f train %.4f val %.4f  %.1fs%s" % (
            name, epoch + 1, train_loss, row["train_acc"], row["val_acc"], secs,
            "  DIVERGED" if diverged else ""), flush=True)
        atomic_save(dict(model=model.state_dict(), opt=opt.state_dict(), log=log, epoch=epoch + 1,
                         epochs=epochs, diverged=diverged, torch_rng=torch.get_rng_state()), ckpt_path)

    # ---- final: test accuracy, export, dead units ----
    final_pt = os.path.join(rdir, "final.pt")
    torch.save(model.state_dict(), final_pt)
    xte_u8, yte = data.load_test()
    xte = data.normalize(xte_u8)
    correct, ntest, logits = evaluate(model, xte, yte)
    correct2, _, logits2 = evaluate(model, xte, yte)
    assert correct == correct2 and torch.equal(logits, logits2), "eval not deterministic"
    info = dict(name=name, arch=args.arch, activation=args.act,
                helu_alpha=(args.alpha if args.act == "helu" else 0.0), seed=args.seed, recipe_name=args.recipe,
                recipe=rec["desc"] + (", %d epochs" % epochs), epochs=epochs,
                epochs_completed=len(log), diverged=diverged, test_correct=correct, test_total=ntest,
                test_accuracy=correct / ntest, final_val_acc=log[-1]["val_acc"] if log else None,
                train_seconds=round(sum(r["seconds"] for r in log), 1),
                params=models.count_params(model), macs=models.count_macs(model))
    if not args.no_export:
        import export
        export.export_run(model, info, log, xte, yte)
    with open(os.path.join(rdir, "done.json"), "w") as f:
        json.dump(info, f, indent=1)
    print("[%s] test %d/%d = %.4f" % (name, correct, ntest, correct / ntest), flush=True)
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True, choices=sorted(models.ARCHS))
    ap.add_argument("--act", required=True, choices=["relu", "helu", "gelu"])
    ap.add_argument("--alpha", type=float, default=None)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--recipe", default="paper", choices=sorted(RECIPES))
    ap.add_argument("--epochs", type=int, default=None, help="override the per-architecture default")
    ap.add_argument("--val", action="store_true",
                    help="accepted for compatibility: validation accuracy (5k held out of the training set) "
                         "is always logged per epoch; alpha is chosen on it")
    ap.add_argument("--no-export", action="store_true", help="do not write to models/")
    args = ap.parse_args()
    if args.act == "helu" and args.alpha is None:
        ap.error("--act helu needs --alpha")
    if args.act != "helu":
        args.alpha = None
    train(args)


if __name__ == "__main__":
    main()
