"""The run arithmetic against the trainers' own code: the Hugging Face Trainer's
`set_initial_training_values` over a dataloader as Accelerate shards it, and Lightning's
`estimated_stepping_batches` from a real `Trainer.fit`. Framework venv only (skips elsewhere;
CI's stage 2 installs accelerate and lightning and turns the skips into failures)."""
from __future__ import annotations

import types

import pytest

from lrsched_cli.core.geometry import derive

# (dataset, batch per device, devices, accumulation, drop_last, epochs): a remainder in every
# division, a batch larger than the dataset, accumulation over more batches than an epoch has.
CASES = [
    (52002, 4, 4, 8, False, 3),
    (52002, 4, 4, 8, True, 3),
    (1000, 7, 3, 5, False, 2.5),
    (1000, 7, 3, 5, True, 0.3),
    (100, 64, 2, 1, False, 2),
    (97, 10, 1, 4, False, 1.7),
    (50, 8, 1, 16, False, 3),
]


def hf_values(dataset, batch, devices, accum, drop_last, epochs):
    """What transformers' Trainer computes: the per-process dataloader length as Accelerate's
    BatchSamplerShard gives it (what Trainer sees after accelerator.prepare), then the Trainer's
    own method on that length."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    accelerate_data = pytest.importorskip("accelerate.data_loader")
    sampler = torch.utils.data.BatchSampler(range(dataset), batch, drop_last)
    shard = accelerate_data.BatchSamplerShard(sampler, num_processes=devices, process_index=0,
                                              even_batches=True, split_batches=False)
    length = len(shard)

    class Loader:
        def __len__(self):
            return length

    args = types.SimpleNamespace(max_steps=-1, num_train_epochs=epochs, gradient_accumulation_steps=accum)
    fake = types.SimpleNamespace(get_total_train_batch_size=lambda a: batch * devices * accum,
                                 get_sp_size=lambda: 1, num_examples=lambda loader: dataset)
    out = transformers.Trainer.set_initial_training_values(fake, args, Loader())
    _, per_epoch, *_, max_steps = out
    return per_epoch, max_steps


@pytest.mark.parametrize("case", CASES)
def test_the_hugging_face_trainer_counts_the_same(case):
    dataset, batch, devices, accum, drop_last, epochs = case
    if drop_last and batch * devices > dataset:
        pytest.skip("refused by lrsched, and by the Trainer (an empty dataloader)")
    per_epoch, max_steps = hf_values(*case)
    run = derive(dict(dataset_size=dataset, batch_size=batch, world_size=devices, grad_accum=accum,
                      drop_last=drop_last, epochs=epochs))
    assert (run.updates_per_epoch, run.total) == (per_epoch, max_steps)


def test_hugging_face_warmup_ratio_is_get_warmup_steps():
    transformers = pytest.importorskip("transformers")
    for ratio, total in [(0.03, 1221), (0.1, 1000), (0.06, 95367), (0.5, 3)]:
        args = types.SimpleNamespace(warmup_steps=ratio)
        expected = transformers.TrainingArguments.get_warmup_steps(args, total)
        assert derive(dict(steps_per_epoch=total, epochs=1, warmup_ratio=ratio)).warmup == expected


def lightning_estimate(dataset, batch, accum, epochs, max_steps=-1):
    """Lightning's estimated_stepping_batches, read inside configure_optimizers of a real fit
    (then the fit is stopped: the number is all this test needs)."""
    torch = pytest.importorskip("torch")
    lightning = pytest.importorskip("lightning.pytorch")
    seen = {}

    class Stop(Exception):
        pass

    class Model(lightning.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(1, 1)

        def training_step(self, batch_, index):
            return self.layer(batch_[0]).sum()

        def train_dataloader(self):
            data = torch.utils.data.TensorDataset(torch.zeros(dataset, 1))
            return torch.utils.data.DataLoader(data, batch_size=batch)

        def configure_optimizers(self):
            seen["estimate"] = self.trainer.estimated_stepping_batches
            raise Stop

    trainer = lightning.Trainer(max_epochs=epochs, max_steps=max_steps, accumulate_grad_batches=accum,
                                accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False)
    with pytest.raises(Stop):
        trainer.fit(Model())
    return seen["estimate"]


@pytest.mark.parametrize("dataset, batch, accum, epochs", [(52002, 4, 8, 3), (97, 10, 4, 2), (50, 8, 16, 3),
                                                           (100, 128, 1, 5)])
def test_lightning_estimated_stepping_batches_counts_the_same(dataset, batch, accum, epochs):
    run = derive(dict(dataset_size=dataset, batch_size=batch, grad_accum=accum, epochs=epochs))
    assert run.total == lightning_estimate(dataset, batch, accum, epochs)


def test_lightning_max_steps_below_the_epochs_is_the_total():
    run = derive(dict(dataset_size=97, batch_size=10, grad_accum=4, epochs=2, max_steps=5),
                 ranks={"max_steps": 0, "epochs": 1})
    assert run.total == lightning_estimate(97, 10, 4, 2, max_steps=5) == 5
