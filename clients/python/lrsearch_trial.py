"""lrsearch_trial: the reference Python client of lrsearch's external-trial protocol, version 1.

One file, standard library only. Copy it next to your training script (or put this folder on
PYTHONPATH). The protocol is specified in docs/protocol.md; this file is one implementation of it.

    from lrsearch_trial import Trial

    trial = Trial.from_env()                      # the config lrsearch wrote for this trial
    optimizer = torch.optim.SGD(model.parameters(), lr=trial.lr(0), momentum=0.9)
    scheduler = trial.torch_scheduler(optimizer)  # sets the exact LR of every scheduler step
    for epoch in range(1, trial.epochs + 1):
        for batch in loader:
            ...; optimizer.step()
            if trial.step_per == "batch": scheduler.step()
        if trial.step_per == "epoch": scheduler.step()
        decision = trial.report(epoch, train_loss=tl, val_loss=vl, val_accuracy=acc)
        if decision.stop:
            break

`report` prints one `[lrsearch] {...}` line on stdout and reads lrsearch's answer from stdin:
whether to stop (a pruner decided) and the LR of the next epoch, which is how loss-dependent
schedules (plateau) reach the program. Everything else you print goes to the trial's log.
"""

import csv
import json
import math
import os
import sys

__all__ = ["Trial", "Decision", "PROTOCOL_VERSION"]

PROTOCOL_VERSION = 1


class Decision:
    """lrsearch's answer to one report: `stop`, and the LR (and momentum, when the schedule cycles
    it) for the next epoch."""

    __slots__ = ("epoch", "lr", "momentum", "stop")

    def __init__(self, epoch, lr=None, momentum=None, stop=False):
        self.epoch = epoch
        self.lr = lr
        self.momentum = momentum
        self.stop = stop

    def __repr__(self):
        return "Decision(epoch=%r, lr=%r, momentum=%r, stop=%r)" % (self.epoch, self.lr, self.momentum, self.stop)


class Trial:
    """One trial of an lrsearch search, as the program sees it.

    Attributes: `config` (the whole trial configuration: task, optimizer, schedule with every
    parameter resolved, seed), `index`, `repeat`, `seed`, `trial_dir` (a scratch folder kept with
    the results), `epochs`, `steps_per_epoch`, `step_per` ("epoch" or "batch": when to call the
    scheduler's step()).
    """

    def __init__(self, config, schedule_path=None, index=0, repeat=0, seed=None, trial_dir=None,
                 stdin=None, stdout=None):
        self.config = config
        self.index = index
        self.repeat = repeat
        task = config.get("task", {})
        schedule = config.get("schedule", {})
        self.seed = seed if seed is not None else int(config.get("seed", 0))
        self.trial_dir = trial_dir
        self.epochs = int(task.get("epochs", 20))
        self.steps_per_epoch = int(task.get("steps_per_epoch", 1))
        unit = schedule.get("unit", task.get("schedule_unit", "epoch"))
        self.step_per = "batch" if unit == "step" else "epoch"
        self._stdin = stdin if stdin is not None else sys.stdin
        self._stdout = stdout if stdout is not None else sys.stdout
        self._lrs = []
        self._momenta = None
        if schedule_path:
            self._read_table(schedule_path)
        # Without a table (plateau: the LR depends on the losses) the LR is the last answer's.
        self._current_lr = self._lrs[0] if self._lrs else _first_number(schedule, ("lr", "max_lr", "base_lr"))
        self._current_momentum = None
        self._last_epoch = 0

    @classmethod
    def from_env(cls):
        """The trial lrsearch started this process for (LRSEARCH_CONFIG, LRSEARCH_SCHEDULE, …).

        Raises RuntimeError when the process was not started by lrsearch.
        """
        version = os.environ.get("LRSEARCH_PROTOCOL")
        path = os.environ.get("LRSEARCH_CONFIG")
        if version is None or path is None:
            raise RuntimeError("not started by lrsearch: LRSEARCH_PROTOCOL and LRSEARCH_CONFIG are not set "
                               "(run this program through `lrsearch run SPEC` with task.command)")
        if version != str(PROTOCOL_VERSION):
            raise RuntimeError("lrsearch speaks protocol version %s; this client speaks %d" % (version, PROTOCOL_VERSION))
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        return cls(config, schedule_path=os.environ.get("LRSEARCH_SCHEDULE"),
                   index=int(os.environ.get("LRSEARCH_TRIAL", "0")), repeat=int(os.environ.get("LRSEARCH_REPEAT", "0")),
                   seed=int(os.environ.get("LRSEARCH_SEED", config.get("seed", 0))),
                   trial_dir=os.environ.get("LRSEARCH_TRIAL_DIR"))

    def _read_table(self, path):
        with open(path, newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            header = next(rows)
            if header[:2] != ["step", "lr"]:
                raise ValueError("%s: expected the header step,lr[,momentum], got %s" % (path, ",".join(header)))
            if len(header) > 2 and header[2] == "momentum":
                self._momenta = []
            for i, row in enumerate(rows):
                if int(row[0]) != i:
                    raise ValueError("%s: row %d is step %s, expected %d" % (path, i + 2, row[0], i))
                self._lrs.append(float(row[1]))
                if self._momenta is not None:
                    self._momenta.append(float(row[2]))

    def lr(self, step):
        """The LR of scheduler step `step` (0-based: the LR used before the first step() call is
        lr(0)). Past the end of the run, the last step's LR. For a loss-dependent schedule
        (plateau), the LR of lrsearch's latest answer (the step is ignored)."""
        if not self._lrs:
            return self._current_lr
        return self._lrs[min(max(int(step), 0), len(self._lrs) - 1)]

    def momentum(self, step):
        """The momentum (Adam: beta1) of scheduler step `step` when the schedule cycles it
        (cyclic, onecycle), else None: keep the optimizer's own."""
        if self._momenta is None:
            return self._current_momentum
        return self._momenta[min(max(int(step), 0), len(self._momenta) - 1)]

    def report(self, epoch, **metrics):
        """Reports epoch `epoch` (1-based; in order) with its numbers — train_loss, val_loss,
        val_accuracy (and val_r2, val_mae for regression) are ranked on; any other number is
        journaled — and returns lrsearch's Decision. A NaN or infinite value marks the trial
        diverged (lrsearch answers stop). When stdin is closed (lrsearch is gone), the decision is stop.
        """
        payload = {"epoch": int(epoch)}
        for key, value in metrics.items():
            payload[key] = float(value)
        line = "[lrsearch] " + json.dumps(payload, allow_nan=True)
        self._stdout.write(line + "\n")
        self._stdout.flush()
        self._last_epoch = int(epoch)
        answer = self._stdin.readline()
        if not answer:
            return Decision(epoch, stop=True)
        try:
            data = json.loads(answer)
        except ValueError:
            raise RuntimeError("lrsearch answered a line that is not JSON: %r" % answer)
        decision = Decision(data.get("epoch", epoch), data.get("lr"), data.get("momentum"), bool(data.get("stop", False)))
        if decision.lr is not None:
            self._current_lr = float(decision.lr)
        if decision.momentum is not None:
            self._current_momentum = float(decision.momentum)
        return decision

    def torch_scheduler(self, optimizer):
        """A torch.optim.lr_scheduler scheduler (a LambdaLR-like LRScheduler) that sets every param
        group's LR to exactly lr(k) after k step() calls (and momentum, or Adam's beta1, when the
        schedule cycles it). Call step() once per epoch or once per batch, as `step_per` says. For
        plateau it applies lrsearch's latest answer: call step() after report()."""
        import torch  # only this method needs torch

        trial = self

        class LRSearchScheduler(torch.optim.lr_scheduler.LRScheduler):
            def get_lr(self):
                return [trial.lr(self.last_epoch) for _ in self.optimizer.param_groups]

            def step(self, epoch=None):
                super().step()
                m = trial.momentum(self.last_epoch)
                if m is not None:
                    for group in self.optimizer.param_groups:
                        if "betas" in group:
                            group["betas"] = (m, group["betas"][1])
                        elif "momentum" in group:
                            group["momentum"] = m

        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        return LRSearchScheduler(optimizer)


def _first_number(obj, keys):
    for key in keys:
        value = obj.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return None
