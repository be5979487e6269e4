"""Checks Trial.torch_scheduler against the schedule table lrsearch wrote for a trial: exact equality.

    python3 clients/python/check_torch_scheduler.py results/<name>/trials/<index>.<repeat>

Needs torch. Builds the trial's scheduler on a throwaway SGD optimizer, steps it through every row
of the trial's schedule.csv and counts the steps whose LR (or cycled momentum) differs from the row.
Exits 1 on any difference. Trials of loss-dependent schedules (plateau) have no table: their LRs are
lrsearch's answers, journaled per epoch in trials.jsonl.
"""

import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from lrsearch_trial import Trial  # noqa: E402


def main(trial_dir):
    table_path = os.path.join(trial_dir, "schedule.csv")
    if not os.path.exists(table_path):
        print("%s: no schedule.csv (a loss-dependent schedule): nothing to check" % trial_dir)
        return 0
    import json
    with open(os.path.join(trial_dir, "config.json"), encoding="utf-8") as f:
        trial = Trial(json.load(f), schedule_path=table_path)
    with open(table_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=trial.lr(0), momentum=0.9)
    scheduler = trial.torch_scheduler(optimizer)
    wrong = 0
    for row in rows:
        group = optimizer.param_groups[0]
        if group["lr"] != float(row["lr"]) or ("momentum" in row and group["momentum"] != float(row["momentum"])):
            wrong += 1
        optimizer.step()
        scheduler.step()
    print("%s: %d steps, %d differ%s" % (trial_dir, len(rows), wrong, " (momentum checked too)" if rows and "momentum" in rows[0] else ""))
    return 1 if wrong else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_torch_scheduler.py TRIAL_DIR")
    sys.exit(main(sys.argv[1]))
