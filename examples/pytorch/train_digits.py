"""An external trial for lrsearch: a small PyTorch MLP on scikit-learn's digits, driven by protocol v1.

Needs torch and scikit-learn (installed by you; lrsearch's tests and CI never run this file).
Run it through the search next to it:

    lrsearch run examples/pytorch/search.json5

lrsearch starts this script once per trial in this folder, with the trial's configuration in
LRSEARCH_CONFIG; the script trains, reports every epoch, and stops when lrsearch says so.
"""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))

import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from lrsearch_trial import Trial  # noqa: E402


def main():
    trial = Trial.from_env()
    task, opt = trial.config["task"], trial.config.get("optimizer", {})
    torch.manual_seed(trial.seed)

    torch.set_num_threads(1)  # lrsearch runs --jobs trials at once: one thread each

    # Data: 80/20 split with a fixed seed (the same for every trial); pixels 0..16 scaled to 0..1.
    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x, dtype=torch.float32) / 16
    y = torch.tensor(y, dtype=torch.long)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    n_val = int(0.2 * len(x))
    val_idx, train_idx = order[:n_val], order[n_val:]
    batch_size = int(task.get("batch_size", 64))
    hidden = int(task.get("hidden", 64))

    model = torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))
    decay = opt.get("weight_decay", 0)
    decay = decay.get("lambda", 0) if isinstance(decay, dict) else decay
    optimizer = torch.optim.SGD(model.parameters(), lr=trial.lr(0), momentum=float(opt.get("momentum", 0)),
                                weight_decay=float(decay))
    scheduler = trial.torch_scheduler(optimizer)  # the exact LR lrsearch computed for every step
    loss_fn = torch.nn.CrossEntropyLoss()

    for epoch in range(1, trial.epochs + 1):
        model.train()
        perm = train_idx[torch.randperm(len(train_idx))]
        total, rows = 0.0, 0
        for lo in range(0, len(perm), batch_size):
            rows_idx = perm[lo:lo + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x[rows_idx]), y[rows_idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows_idx)
            rows += len(rows_idx)
            if trial.step_per == "batch":
                scheduler.step()
        model.eval()
        with torch.no_grad():
            logits = model(x[val_idx])
            val_loss = loss_fn(logits, y[val_idx]).item()
            val_acc = (logits.argmax(1) == y[val_idx]).float().mean().item()
        train_loss = total / rows
        print("epoch %d lr %.6g train %.4f val %.4f" % (epoch, optimizer.param_groups[0]["lr"], train_loss, val_loss))
        decision = trial.report(epoch, train_loss=train_loss, val_loss=val_loss, val_accuracy=val_acc)
        if decision.stop or not math.isfinite(train_loss):
            break
        if trial.step_per == "epoch":
            scheduler.step()


if __name__ == "__main__":
    main()
