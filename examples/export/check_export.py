#!/usr/bin/env python3
"""Checks `lrsearch export --format pytorch` against `lrsearch schedule`, with torch.

For each trial config (or, with --all-families, a built-in set covering every schedule family), it runs
`lrsearch export CONFIG`, execs the module, builds its optimizer and scheduler on two small tensors, steps
them as the module says, and compares the optimizer's LR after k scheduler steps with row k of
`lrsearch schedule @CONFIG --steps N` (N = the run's scheduler steps), and the momentum (SGD momentum or
Adam's beta1) with `lrsearch export --format csv` when the schedule cycles it. plateau is fed the same
made-up loss sequence on both sides. A value passes when its relative error is at most 1e-9. For a config
file in JSON, it also steps the module's optimizer (with before_optimizer_step) on float64 tensors and compares
the parameters with lrsearch's update rule written out in ReferenceOptimizer (weight decay modes, exemptions,
momentum, Adam, gradient clipping, explr's initial buffer) to 1e-9 of the largest parameter.

Needs torch (not the repository: install it elsewhere, e.g. python3 -m venv /tmp/venv && /tmp/venv/bin/pip
install torch). Usage, from the repository root after `swift build`:

    python check_export.py --all-families              # every family, prints one line each
    python check_export.py results/quickstart/best.json
    python check_export.py --results results/quickstart      # every trial of a search (--trial N)
    python check_export.py --all-families --swift 12   # also print 12 torch LRs per case as Swift literals
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

import torch

TOLERANCE = 1e-9

SGD = {"kind": "sgd", "momentum": 0.9}
ADAM = {"kind": "adam"}

# (name, schedule object, epochs, unit, optimizer): every ScheduleFamily, and the variants that map differently.
CASES = [
    ("constant", {"family": "constant", "lr": 0.1, "factor": 0.5, "total_iters": 4}, 12, "epoch", SGD),
    ("step", {"family": "step", "lr": 0.1, "step_size": 3, "gamma": 0.5}, 12, "epoch", {"kind": "adamw"}),
    ("step-bounded", {"family": "step", "lr": 0.1, "final_lr": 0.001, "updates": 5, "total_steps": 23}, 30, "epoch", SGD),
    ("step-drop", {"family": "step", "lr": 0.1, "drop": 0.5, "epochs_drop": 4}, 16, "epoch", SGD),
    ("multistep", {"family": "multistep", "lr": 0.1, "milestones": [8, 3, 3], "gamma": 0.3}, 12, "epoch", SGD),
    ("exponential", {"family": "exponential", "lr": 0.1, "gamma": 0.9}, 40, "epoch", SGD),
    ("exponential-rate", {"family": "exponential", "lr": 0.1, "decay_rate": 0.5, "decay_steps": 7, "staircase": True}, 30, "epoch", SGD),
    ("exponential-final", {"family": "exponential", "lr": 0.1, "final_lr": 0.0001}, 30, "epoch", SGD),
    ("polynomial", {"family": "polynomial", "lr": 0.1, "power": 2.0}, 20, "epoch", SGD),
    ("linear", {"family": "linear", "lr": 0.1, "start_factor": 0.25, "end_factor": 0.75, "total_iters": 8}, 12, "epoch", SGD),
    ("cosine", {"family": "cosine", "lr": 0.1, "eta_min": 0.001}, 50, "epoch", dict(SGD, weight_decay={"mode": "coupled", "lambda": 5e-4, "exempt_bias_and_norm": True})),
    ("cosine-past-t_max", {"family": "cosine", "lr": 0.1, "t_max": 7}, 40, "epoch", SGD),
    ("sgdr", {"family": "sgdr", "lr": 0.1, "t_0": 5, "t_mult": 2, "eta_min": 0.0001}, 40, "epoch", dict(SGD, grad_clip=1.0)),
    ("cyclic", {"family": "cyclic", "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 5, "step_size_down": 3, "mode": "triangular2"}, 40, "step", SGD),
    ("cyclic-exp-range", {"family": "cyclic", "base_lr": 0.001, "max_lr": 0.1, "step_size_up": 4, "mode": "exp_range", "gamma": 0.97}, 40, "step", SGD),
    ("onecycle", {"family": "onecycle", "max_lr": 0.5}, 60, "step", SGD),
    ("onecycle-adam-3phase", {"family": "onecycle", "max_lr": 0.01, "three_phase": True, "anneal_strategy": "linear"}, 60, "step", ADAM),
    ("onecycle-short", {"family": "onecycle", "max_lr": 0.5, "total_steps": 20}, 30, "epoch", SGD),
    ("plateau", {"family": "plateau", "lr": 0.1, "patience": 2, "factor": 0.5, "cooldown": 1}, 40, "epoch", SGD),
    ("sequence", {"family": "sequence", "lr": 0.1, "schedules": [{"family": "linear", "start_factor": 0.1, "total_iters": 5}, {"family": "cosine", "t_max": 20}], "milestones": [5]}, 30, "epoch", SGD),
    ("sequence-mixed", {"family": "sequence", "schedules": [{"family": "constant", "lr": 0.05, "factor": 1.0, "total_iters": 1}, {"family": "wsd", "lr": 0.1, "warmup_steps": 2, "stable_steps": 5, "decay_steps": 10}, {"family": "cyclic", "base_lr": 0.01, "max_lr": 0.02, "step_size_up": 3}], "milestones": [4, 20]}, 40, "epoch", SGD),
    ("sequence-native-3", {"family": "sequence", "lr": 0.1, "schedules": [{"family": "constant", "factor": 0.5, "total_iters": 3}, {"family": "exponential", "gamma": 0.8}, {"family": "multistep", "milestones": [2, 5], "gamma": 0.5}, {"family": "polynomial", "total_iters": 6}], "milestones": [5, 12, 20]}, 30, "epoch", SGD),
    ("warmup-over-sgdr", {"family": "warmup", "warmup_steps": 4, "start_factor": 0.1, "schedule": {"family": "sgdr", "lr": 0.1, "t_0": 3, "t_mult": 2}}, 30, "step", SGD),
    ("sequence-native-later", {"family": "sequence", "lr": 0.1, "schedules": [{"family": "step", "step_size": 2, "gamma": 0.7}, {"family": "constant", "factor": 0.25, "total_iters": 2}, {"family": "linear", "start_factor": 0.5, "end_factor": 0.2, "total_iters": 4}, {"family": "sgdr", "t_0": 3, "t_mult": 2, "eta_min": 0.01}, {"family": "cosine", "t_max": 5}, {"family": "step", "step_size": 2, "gamma": 0.5}], "milestones": [4, 8, 14, 25, 33]}, 45, "epoch", SGD),
    ("sequence-two-lrs", {"family": "sequence", "schedules": [{"family": "step", "lr": 0.1, "step_size": 2}, {"family": "cosine", "lr": 0.05, "t_max": 10}], "milestones": [6]}, 20, "epoch", SGD),
    ("warmup-over-onecycle", {"family": "warmup", "warmup_steps": 3, "schedule": {"family": "onecycle", "max_lr": 0.2, "total_steps": 30}}, 40, "epoch", SGD),
    ("warmup", {"family": "warmup", "warmup_steps": 5, "schedule": {"family": "step", "lr": 0.1, "step_size": 4, "gamma": 0.5}}, 30, "epoch", SGD),
    ("warmup-over-log", {"family": "warmup", "warmup_steps": 5, "start_factor": 0.01, "schedule": {"family": "log_annealing", "lr": 0.1}}, 30, "epoch", SGD),
    ("inverse_sqrt", {"family": "inverse_sqrt", "lr": 0.1, "warmup_steps": 6}, 40, "epoch", dict(ADAM, weight_decay=0.01)),
    ("wsd", {"family": "wsd", "lr": 0.1, "warmup_steps": 4, "stable_steps": 10, "decay_steps": 12, "warmup_type": "cosine", "decay_type": "1-sqrt", "min_lr_ratio": 0.1}, 30, "epoch", dict(SGD, weight_decay={"mode": "new", "lambda_new": 1e-3, "exempt_bias_and_norm": True})),
    ("log_annealing", {"family": "log_annealing", "lr": 0.1, "eta_min": 0.001}, 30, "epoch", dict(SGD, nesterov=True, weight_decay={"mode": "decoupled", "lambda": 0.01})),
    ("explr", {"family": "explr", "lr": 0.1}, 40, "step", dict(SGD, weight_decay={"mode": "coupled", "lambda": 5e-4})),
    ("equivalent_explr", {"family": "equivalent_explr", "of": {"family": "cosine", "lr": 0.1}}, 40, "step", dict(SGD, weight_decay={"mode": "coupled", "lambda": 5e-4})),
    ("texp", {"family": "texp", "of": {"family": "multistep", "lr": 0.1, "milestones": [40, 80]}}, 40, "step", dict(SGD, weight_decay={"mode": "coupled", "lambda": 5e-4})),
    ("inverse_time", {"family": "inverse_time", "lr": 0.1, "decay_rate": 0.5, "decay_steps": 3, "staircase": False}, 20, "epoch", SGD),
    ("piecewise", {"family": "piecewise", "boundaries": [3, 9], "values": [0.1, 0.03, 0.001]}, 15, "epoch", SGD),
    ("table", {"family": "table", "lrs": [0.1, 0.2, 0.15, 0.05, 0.0]}, 8, "epoch", dict(ADAM, weight_decay={"mode": "decoupled", "lambda": 0.01})),
]


def lrsearch(binary, *args):
    run = subprocess.run([binary, *args], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"lrsearch {' '.join(args)} exited {run.returncode}: {run.stderr.strip()}")
    return run.stdout


def csv_rows(text):
    lines = text.strip().splitlines()
    header = lines[0].split(",")
    return header, [[float(x) for x in line.split(",")] for line in lines[1:]]


def losses(n):
    """A made-up validation loss: improves, stalls, improves a little, stalls (drives plateau's reductions)."""
    return [1.0 / (1 + k) if k < 8 or 20 <= k < 24 else 1.0 / (1 + min(k, 24)) + 0.01 * (k % 3) for k in range(n)]


class ReferenceOptimizer:
    """lrsearch's update rule (Sources/Trainer/Optimizer.swift), written out from the trial config, to check
    the exported optimizer and before_optimizer_step: coupled decay added to the gradient, decoupled decay as
    θ·(1 − lr·λ), λnew as θ·(1 − λnew), biases exempt when asked, explr/texp's initial buffer c·θ₀."""

    def __init__(self, config, params):
        o = config.get("optimizer", {})
        self.kind = o.get("kind", "sgd")
        self.mu, self.tau, self.nesterov = o.get("momentum", 0.0), o.get("dampening", 0.0), o.get("nesterov", False)
        self.b1, self.b2 = o.get("betas", [0.9, 0.999])
        self.eps = o.get("eps", 1e-8)
        self.clip = o.get("grad_clip")
        wd = o.get("weight_decay", {"mode": "decoupled", "lambda": 0.01} if self.kind == "adamw" else {"mode": "none"})
        if isinstance(wd, (int, float)):
            wd = {"mode": "decoupled" if self.kind == "adamw" else "coupled", "lambda": wd}
        family = config["schedule"].get("family")
        self.mode = "none" if family in ("explr", "equivalent_explr", "texp") else wd.get("mode", "none")
        self.lam = wd.get("lambda", wd.get("lambda_new", 0.0))
        exempt = wd.get("exempt_bias_and_norm", False)
        self.decays = [not (exempt and p.ndim <= 1) for p in params]
        self.state = [{} for _ in params]
        self.t = 0
        if family in ("explr", "texp") and self.kind == "sgd" and self.mu != 0:
            sched = config["schedule"]
            lr = sched.get("lr") or sched["of"]["lr"]
            lam = sched.get("weight_decay", wd.get("lambda", 0.0))
            b = 1 + self.mu - lam * lr
            alpha = (b + math.sqrt(max(0.0, b * b - 4 * self.mu))) / 2
            c = -(1 - alpha) / (alpha * lr)
            for st, p in zip(self.state, params):
                st["buf"] = c * p.detach().clone()

    def step(self, params, lr, momentum):
        self.t += 1
        out = []
        grads = [p.grad.detach().clone() for p in params]
        if self.clip is not None:  # clip_grad_norm_: scale by clip/(norm + 1e-6) when that is below 1
            coefficient = self.clip / (math.sqrt(sum(float((g * g).sum()) for g in grads)) + 1e-6)
            if coefficient < 1:
                grads = [g * coefficient for g in grads]
        for p, g, decays, st in zip(params, grads, self.decays, self.state):
            theta = p.detach().clone()
            coupled = self.lam if decays and self.mode == "coupled" else 0.0
            shrink = 1.0
            if decays and self.mode == "decoupled":
                shrink = 1 - lr * self.lam
            elif decays and self.mode == "new":
                shrink = 1 - self.lam
            d = g + coupled * theta
            if self.kind == "sgd":
                mu = momentum
                if mu != 0:
                    st["buf"] = d.clone() if "buf" not in st else mu * st["buf"] + (1 - self.tau) * d
                    d = d + mu * st["buf"] if self.nesterov else st["buf"]
                out.append(shrink * theta - lr * d)
            else:
                b1 = momentum
                st["m"] = b1 * st.get("m", torch.zeros_like(d)) + (1 - b1) * d
                st["v"] = self.b2 * st.get("v", torch.zeros_like(d)) + (1 - self.b2) * d * d
                bc1, bc2 = 1 - b1 ** self.t, 1 - self.b2 ** self.t
                out.append(shrink * theta - (lr / bc1) * (st["m"] / (st["v"].sqrt() / math.sqrt(bc2) + self.eps)))
        return out


def torch_run(module_text, steps, metrics, config=None):
    """The LR (and momentum) per step; with `config` (a trial config dict) also the largest relative
    difference between the parameters torch updated and ReferenceOptimizer's, in float64."""
    scope = {}
    exec(compile(module_text, "<lrsearch export>", "exec"), scope)
    weight = torch.nn.Parameter(torch.tensor([[1.0, -2.0], [0.5, 3.0], [-1.5, 0.25]], dtype=torch.float64))
    bias = torch.nn.Parameter(torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64))
    optimizer = scope["build_optimizer"]([("weight", weight), ("bias", bias)])
    scheduler = scope["build_scheduler"](optimizer)
    check_params = config is not None
    reference = ReferenceOptimizer(config, [weight, bias]) if check_params else None
    lrs, momenta, param_err = [], [], 0.0
    for k in range(steps):
        group = optimizer.param_groups[0]
        lrs.append(float(group["lr"]))
        momenta.append(float(group["momentum"] if "momentum" in group else group["betas"][0]))
        if k == steps - 1:
            break
        optimizer.zero_grad()
        (0.5 * (weight ** 2).sum() + (3 * bias).sum()).backward()
        expected = reference.step([weight, bias], lrs[-1], momenta[-1]) if reference else None
        scope["before_optimizer_step"](optimizer)
        optimizer.step()
        if expected:
            for p, e in zip([weight, bias], expected):
                diff = (p.detach() - e).abs().max().item() / max(e.abs().max().item(), 1e-300)
                param_err = max(param_err, diff)
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[k])
    return lrs, momenta, param_err if check_params else None


def worst(a, b):
    """The largest relative error of a against b, and its row."""
    err, row = 0.0, -1
    for k, (x, y) in enumerate(zip(a, b)):
        if x == y:
            continue
        e = abs(x - y) / max(abs(x), abs(y)) if math.isfinite(x) and math.isfinite(y) else math.inf
        if e > err:
            err, row = e, k
    return err, row


def check(binary, config_path, name, swift_rows, trial=None):
    """config_path: a trial config, or with `trial` a results folder (its trial's resolved JSON is then what
    `lrsearch schedule` reads, so the check also covers `--format json`)."""
    source = [config_path] if trial is None else [config_path, "--trial", str(trial)]
    module = lrsearch(binary, "export", *source)
    if trial is not None:
        resolved = os.path.join(tempfile.gettempdir(), f"lrsearch-check-{os.getpid()}-{trial}.json")
        with open(resolved, "w") as f:
            f.write(lrsearch(binary, "export", *source, "--format", "json"))
        config_path = resolved
    probe = {}
    exec(compile(module, "<lrsearch export>", "exec"), probe)
    steps = probe.get("SCHEDULER_STEPS") or 100
    metrics = None
    args = ["schedule", "@" + config_path, "--steps", str(steps)]
    if "MONITOR" in probe:
        metrics = losses(steps)
        path = config_path + ".metrics"
        with open(path, "w") as f:
            f.write("\n".join(repr(m) for m in metrics[: steps - 1]) + "\n")
        args += ["--metrics", path]
    _, reference = csv_rows(lrsearch(binary, *args))
    expected = [row[1] for row in reference]
    try:
        with open(config_path) as f:
            config = json.load(f)
        config = config if "schedule" in config else None
    except (OSError, ValueError):
        config = None  # JSON5 or a schedule object: the LRs are checked, the update rule is not
    lrs, momenta, param_err = torch_run(module, steps, metrics, config)
    if len(set(expected)) < 2:
        print(f"note {name}: the LR never changes over {steps} steps, so this case checks little")
    err, row = worst(lrs, expected)
    ok = len(lrs) == len(expected) and err <= TOLERANCE
    detail = f"lr max rel err {err:.1e}" + (f" at step {row}" if row >= 0 else "")
    if metrics is None:
        header, table = csv_rows(lrsearch(binary, "export", *source, "--format", "csv"))
        if "momentum" in header:
            merr, mrow = worst(momenta, [r[2] for r in table])
            ok = ok and merr <= TOLERANCE
            detail += f", momentum max rel err {merr:.1e}"
    if param_err is not None:
        ok = ok and param_err <= TOLERANCE
        detail += f", params {param_err:.0e}"
    mapping = next(line.split("-> ")[1] for line in module.splitlines() if "#   schedule" in line)
    print(f"{'ok  ' if ok else 'FAIL'} {name:24} {steps:4} steps  {detail:60} {mapping.replace('torch.optim.lr_scheduler.', '')}")
    if swift_rows:
        resolved = json.loads(lrsearch(binary, "export", *source, "--format", "json"))
        picks = sorted({round(i * (steps - 1) / (swift_rows - 1)) for i in range(swift_rows)}) if swift_rows > 1 else [0]
        values = ", ".join(f"({k}, {lrs[k]!r})" for k in picks)
        cls = mapping.replace("torch.optim.lr_scheduler.", "").split(" ")[0].rstrip(",")
        print(f'        Reference("{name}", "{cls}", #"{json.dumps(resolved, separators=(",", ":"))}"#,\n'
              f'                  [{values}]),')
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", nargs="*", help="trial configs (best.json)")
    parser.add_argument("--results", metavar="DIR", help="check every trial of a results folder (--trial N)")
    parser.add_argument("--all-families", action="store_true", help="check the built-in case for every family")
    parser.add_argument("--lrsearch", default=".build/debug/lrsearch", help="the lrsearch binary")
    parser.add_argument("--swift", type=int, default=0, metavar="N", help="print N torch LRs per case (evenly spaced steps) as Swift literals")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.all_families:
            for name, schedule, epochs, unit, optimizer in CASES:
                config = {"seed": 0, "task": {"dataset": "digits", "epochs": epochs, "schedule_unit": unit,
                                              "batch_size": 512},
                          "optimizer": optimizer, "schedule": schedule}
                path = os.path.join(tmp, name + ".json")
                with open(path, "w") as f:
                    json.dump(config, f)
                results.append(check(args.lrsearch, path, name, args.swift))
        for path in args.configs:
            results.append(check(args.lrsearch, path, path, args.swift))
        if args.results:
            with open(os.path.join(args.results, "trials.jsonl")) as f:
                trials = sorted({json.loads(line)["index"] for line in f if '"op":"trial"' in line})
            for t in trials:
                results.append(check(args.lrsearch, args.results, f"trial {t}", args.swift, trial=t))
    print(f"{sum(results)} of {len(results)} passed (relative tolerance {TOLERANCE:g}, torch {torch.__version__})")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
