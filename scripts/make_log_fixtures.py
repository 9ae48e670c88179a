"""Regenerate tests/fixtures/logs/: learning rates logged by real training runs, each with a
known schedule, for `lrsched fit` and `--log` to be tested on what the tools really write.

- ``hf_trainer_state.json``: a tiny Hugging Face ``Trainer`` run on CPU (60 updates, cosine with
  6 warmup steps, logging_steps=3), its ``trainer_state.json``;
- ``lightning_metrics.csv``: a Lightning run (80 updates, ``SequentialLR`` of a ``LinearLR``
  warmup and ``CosineAnnealingLR``, interval "step") with ``LearningRateMonitor`` and
  ``CSVLogger``, its ``metrics.csv`` (rows of other metrics leave the LR cell empty);
- ``torch_run/events.out.tfevents.fixture``: a plain PyTorch loop (100 updates,
  ``PolynomialLR(total_iters=80, power=2)``) writing ``train/lr`` every 4 steps with
  ``torch.utils.tensorboard.SummaryWriter`` (float32, as TensorBoard stores scalars).

``known.json`` holds each fixture's schedule as an lrsched mapping and the steps it ran, which
the tests compare the fitted schedule with. The fixtures are small (a few KB) and committed;
the suite never runs this script.

Needs torch, transformers, accelerate, lightning and tensorboard in one environment, installed
so that pip cannot replace torch::

    pip install torch==2.13.0
    pip install --no-deps transformers==5.24.0 accelerate psutil lightning lightning-utilities \\
        torchmetrics tensorboard tensorboard-data-server
    pip install huggingface_hub tokenizers safetensors regex tqdm packaging filelock requests \\
        pyyaml fsspec protobuf werkzeug markdown grpcio absl-py

    python scripts/make_log_fixtures.py            # writes tests/fixtures/logs/
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import tempfile
import warnings

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "logs")
KNOWN: dict[str, dict] = {}


def tiny_data(n: int = 64):
    import torch

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=gen)
    return x, x.sum(dim=1, keepdim=True)


def hf_run(out: str) -> None:
    import torch
    from transformers import Trainer, TrainingArguments

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(4, 1)

        def forward(self, x, labels=None):
            y = self.layer(x)
            return {"loss": torch.nn.functional.mse_loss(y, labels), "logits": y}

    x, y = tiny_data()
    rows = [{"x": a, "labels": b} for a, b in zip(x, y)]
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, max_steps=60, learning_rate=0.01, lr_scheduler_type="cosine",
                                 warmup_steps=6, logging_steps=3, per_device_train_batch_size=4,
                                 save_strategy="no", report_to=[], use_cpu=True, seed=0, disable_tqdm=True)
        trainer = Trainer(model=Model(), args=args, train_dataset=rows)
        trainer.train()
        trainer.state.save_to_json(os.path.join(out, "hf_trainer_state.json"))
    KNOWN["hf_trainer_state.json"] = {
        "spec": "hf:cosine(num_warmup_steps=6, num_training_steps=60)", "base_lr": 0.01, "steps": 60,
        "schedule": {"kind": "cosine", "max_lr": 0.01, "cycle_length": 54, "warmup_steps": 6}}


def lightning_run(out: str) -> None:
    import lightning as L
    import torch
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger

    class Module(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(4, 1)

        def training_step(self, batch, _):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.layer(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.1)
            warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
            cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=75)
            seq = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[5])
            return {"optimizer": opt, "lr_scheduler": {"scheduler": seq, "interval": "step"}}

    x, y = tiny_data()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=4)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = L.Trainer(max_steps=80, accelerator="cpu", logger=CSVLogger(tmp, name="run"),
                            callbacks=[LearningRateMonitor(logging_interval="step")], log_every_n_steps=1,
                            enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
        trainer.fit(Module(), loader)
        shutil.copy(glob.glob(os.path.join(tmp, "run", "version_*", "metrics.csv"))[0],
                    os.path.join(out, "lightning_metrics.csv"))
    KNOWN["lightning_metrics.csv"] = {
        "spec": "torch:SequentialLR(schedulers=[LinearLR(start_factor=0.1, total_iters=5), "
                "CosineAnnealingLR(T_max=75)], milestones=[5])", "base_lr": 0.1, "steps": 80,
        "schedule": {"kind": "cosine", "max_lr": 0.1, "cycle_length": 75, "warmup_steps": 5,
                     "warmup_start_lr": 0.01}}


def torch_run(out: str) -> None:
    import torch
    from torch.utils.tensorboard import SummaryWriter

    folder = os.path.join(out, "torch_run")
    shutil.rmtree(folder, ignore_errors=True)
    x, y = tiny_data()
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    scheduler = torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=80, power=2.0)
    with tempfile.TemporaryDirectory() as tmp:
        writer = SummaryWriter(tmp)
        for step in range(100):
            if step % 4 == 0 or step == 99:  # lr(step): the rate this update uses
                writer.add_scalar("train/lr", scheduler.get_last_lr()[0], step, walltime=1_700_000_000 + step)
            batch = slice((step * 4) % 64, (step * 4) % 64 + 4)
            loss = torch.nn.functional.mse_loss(model(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            scheduler.step()
        writer.close()
        os.makedirs(folder)
        shutil.copy(glob.glob(os.path.join(tmp, "events.out.tfevents.*"))[0],
                    os.path.join(folder, "events.out.tfevents.fixture"))
    KNOWN["torch_run"] = {
        "spec": "torch:PolynomialLR(total_iters=80, power=2.0)", "base_lr": 0.05, "steps": 100,
        "schedule": {"kind": "polynomial", "max_lr": 0.05, "max_update": 80, "power": 2.0}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", default=OUT)
    out = os.path.abspath(parser.parse_args().out)
    os.makedirs(out, exist_ok=True)
    warnings.filterwarnings("ignore")
    for run in (hf_run, lightning_run, torch_run):
        run(out)
        print(f"made {run.__name__}")
    with open(os.path.join(out, "known.json"), "w") as fh:
        json.dump(KNOWN, fh, indent=2, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
