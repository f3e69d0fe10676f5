"""Run the whole experiment grid. Skips finished runs, resumes interrupted ones (train.py checkpoints
every epoch), commits each finished run (its .onnx, .csv and .deadunits.json) as it completes.
Safe to stop (Ctrl-C / SIGTERM) and restart at any time.

  /usr/bin/python3 tools/train/grid.py [--jobs 1|2] [--only fashion-cnn] [--no-commit] [--list]

The HeLU alpha for the main grid is chosen on the VALIDATION split (5k images held out of the training
set): the alpha with the best mean final-epoch validation accuracy over the sweep seeds on fashion-cnn
(paper recipe). Ties go to the smaller alpha. The test set plays no part in the choice.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RUNS_DIR = os.path.join(HERE, "runs")
sys.path.insert(0, HERE)
from train import run_name  # noqa: E402

SWEEP_ALPHAS = [0.001, 0.01, 0.05]
SWEEP_SEEDS = [0]
CHOSEN = "chosen"


def grid():
    """Priority-ordered runs: (arch, act, alpha, seed, recipe). alpha == CHOSEN waits for the sweep."""
    g = []
    cnn = "fashion-cnn"
    for s in SWEEP_SEEDS:                                  # alpha sweep + first seeds of the baselines
        for a in SWEEP_ALPHAS:
            g.append((cnn, "helu", a, s, "paper"))
        g.append((cnn, "relu", None, s, "paper"))
        g.append((cnn, "gelu", None, s, "paper"))
    for s in (1, 2, 3, 4):                                 # headline: 5 seeds each
        g.append((cnn, "relu", None, s, "paper"))
        g.append((cnn, "gelu", None, s, "paper"))
        g.append((cnn, "helu", CHOSEN, s, "paper"))
    for arch in ("fashion-mlp", "fashion-wrn"):            # 3 seeds each on the other architectures
        for s in (0, 1, 2):
            for act, a in (("relu", None), ("helu", CHOSEN), ("gelu", None)):
                g.append((arch, act, a, s, "paper"))
    for s in (0, 1, 2):                                    # second recipe on the headline model
        for act, a in (("relu", None), ("helu", CHOSEN), ("gelu", None)):
            g.append((cnn, act, a, s, "tuned"))
    for s in (0, 1, 2):                                    # the WRN again, 6 epochs (2 is too short)
        for act, a in (("relu", None), ("helu", CHOSEN), ("gelu", None)):
            g.append(("fashion-wrn", act, a, s, "paperlong"))
    for s in (3, 4):                                       # tuned recipe: seeds 3, 4
        for act, a in (("relu", None), ("helu", CHOSEN), ("gelu", None)):
            g.append((cnn, act, a, s, "tuned"))
    for s in (0, 1, 2):                                    # exploratory: other alphas on the plain MLP
        for a in SWEEP_ALPHAS:
            g.append(("fashion-mlp", "helu", a, s, "paper"))
    return g


def done_info(arch, act, alpha, seed, recipe):
    p = os.path.join(RUNS_DIR, run_name(arch, act, alpha, seed, recipe), "done.json")
    if os.path.exists(p):
        with open(p) as f:
            return json.load(f)
    return None


def choose_alpha():
    """Returns (alpha or None if the sweep is unfinished, {alpha: [val_acc per seed]})."""
    table = {}
    for a in SWEEP_ALPHAS:
        table[a] = []
        for s in SWEEP_SEEDS:
            info = done_info("fashion-cnn", "helu", a, s, "paper")
            if info is None:
                return None, table
            table[a].append(info["final_val_acc"] if info["final_val_acc"] is not None else 0.0)
    best = max(SWEEP_ALPHAS, key=lambda a: (sum(table[a]) / len(table[a]), -a))
    return best, table


def git_commit(files, msg):
    files = [os.path.relpath(f, REPO) for f in files if os.path.exists(f)]
    for attempt in range(20):
        r1 = subprocess.run(["git", "add", "--"] + files, cwd=REPO, capture_output=True, text=True)
        if r1.returncode == 0:
            r2 = subprocess.run(["git", "commit", "-q", "-m", msg, "--"] + files, cwd=REPO,
                                capture_output=True, text=True)
            if r2.returncode == 0:
                return True
            err = r2.stderr + r2.stdout
        else:
            err = r1.stderr
        if "index.lock" in err:
            time.sleep(3)
            continue
        print("git commit failed: %s" % err.strip(), flush=True)
        return False
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--only", default=None, help="restrict to one architecture")
    ap.add_argument("--recipe", default=None, help="restrict to one recipe")
    ap.add_argument("--no-commit", action="store_true")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    os.makedirs(RUNS_DIR, exist_ok=True)

    running = {}   # name -> (Popen, spec)
    failed = set()
    stopping = [False]

    def stop(signum, frame):
        stopping[0] = True
        for p, _ in running.values():
            p.terminate()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def pending():
        alpha, _ = choose_alpha()
        out = []
        for arch, act, a, s, rec in grid():
            if args.only and arch != args.only:
                continue
            if args.recipe and rec != args.recipe:
                continue
            if a == CHOSEN:
                if alpha is None:
                    out.append(((arch, act, CHOSEN, s, rec), False))
                    continue
                a = alpha
            spec = (arch, act, a, s, rec)
            if done_info(*spec) is None:
                out.append((spec, True))
        return out

    if args.list:
        alpha, table = choose_alpha()
        print("chosen alpha:", alpha, table)
        for spec, ready in pending():
            print(("ready   " if ready else "waiting ") + str(spec))
        return

    while not stopping[0]:
        # reap
        for name in list(running):
            p, spec = running[name]
            if p.poll() is not None:
                del running[name]
                if p.returncode == 0 and done_info(*spec) is not None:
                    info = done_info(*spec)
                    print("finished %s: test %.4f (%d s)" % (name, info["test_accuracy"], info["train_seconds"]),
                          flush=True)
                    if not args.no_commit and "files" in info:
                        files = [os.path.join(REPO, f) for f in info["files"].values()]
                        git_commit(files, "models: %s (%s recipe, %d epochs): test %.4f, val %.4f%s\n\n"
                                   "Trained by tools/train/grid.py; committed as soon as the run finished." % (
                                       name, spec[4], info["epochs_completed"], info["test_accuracy"],
                                       info["final_val_acc"] or 0.0, ", DIVERGED" if info["diverged"] else ""))
                elif not stopping[0]:
                    print("FAILED %s (rc %s), see runs/%s/stdout.log" % (name, p.returncode, name), flush=True)
                    failed.add(name)
        if stopping[0]:
            break
        todo = pending()
        ready = [spec for spec, r in todo if r and run_name(*spec) not in running and run_name(*spec) not in failed]
        if not running and not ready:
            waiting = [spec for spec, r in todo if not r]
            if waiting:
                print("nothing runnable; %d runs wait for the alpha sweep, which failed?" % len(waiting), flush=True)
            break
        while ready and len(running) < args.jobs:
            spec = ready.pop(0)
            name = run_name(*spec)
            arch, act, a, s, rec = spec
            cmd = [sys.executable, os.path.join(HERE, "train.py"), "--arch", arch, "--act", act,
                   "--seed", str(s), "--recipe", rec]
            if act == "helu":
                cmd += ["--alpha", repr(a)]
            os.makedirs(os.path.join(RUNS_DIR, name), exist_ok=True)
            logf = open(os.path.join(RUNS_DIR, name, "stdout.log"), "a")
            print("start %s" % name, flush=True)
            running[name] = (subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, cwd=REPO), spec)
        time.sleep(5)
    for p, _ in running.values():
        p.wait()
    print("grid stopped" if stopping[0] else "grid complete", flush=True)


if __name__ == "__main__":
    main()
