"""The run arithmetic of core/geometry.py: exact values with a remainder in every division, the
working lines in the issue's words, the rules as properties, and the refusals."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrsched_cli.core.geometry import (GeometryError, batches_per_device, derive, updates_from_amount,
                                       updates_from_batches, updates_from_epochs, warmup_from_ratio)


def test_the_issue_example_line_by_line():
    run = derive(dict(dataset_size=52002, batch_size=4, world_size=4, grad_accum=8, epochs=3, warmup_ratio=0.03))
    assert (run.updates_per_epoch, run.total, run.warmup) == (407, 1221, 37)
    assert run.lines[:4] == ("1221 updates = 3 epochs x 407 updates/epoch",
                             "407 = ceil(3251 batches / 8 accumulation)",
                             "3251 = ceil(ceil(52002 / 4) / 4 devices)",
                             "warmup 37 = ceil(0.03 x 1221)")
    assert "Hugging Face Trainer 5.x" in run.lines[4]


def test_batches_count_the_last_partial_batch_and_drop_last_floors_it():
    # 52002 / 4 = 13000.5 and 13001 / 4 = 3250.25: a remainder in both divisions
    assert batches_per_device(52002, 4, 4) == (3251, "3251 = ceil(ceil(52002 / 4) / 4 devices)")
    assert batches_per_device(52002, 4, 4, drop_last=True) == (3250, "3250 = floor(floor(52002 / 4) / 4 devices)")
    assert batches_per_device(10, 3) == (4, "4 = ceil(10 / 3)")
    assert batches_per_device(10, 3, drop_last=True)[0] == 3


def test_accumulation_ceil_is_hf5_and_lightning_floor_is_hf4():
    assert updates_from_batches(3251, 8, "ceil") == (407, "407 = ceil(3251 batches / 8 accumulation)")
    assert updates_from_batches(3251, 8, "floor") == (406, "406 = floor(3251 batches / 8 accumulation)")
    assert updates_from_batches(3, 8, "floor") == (1, "1 = floor(3 batches / 8 accumulation) (at least 1)")
    assert updates_from_batches(3251, 1) == (3251, None)


def test_fractional_epochs_round_up_as_hf_max_steps():
    assert updates_from_epochs(2.5, 407) == (1018, "1018 updates = ceil(2.5 epochs x 407 updates/epoch)")
    assert updates_from_epochs(3, 407) == (1221, "1221 updates = 3 epochs x 407 updates/epoch")
    assert updates_from_epochs(3.0, 407)[0] == 1221


def test_tokens_and_samples_floor_the_last_partial_update():
    assert updates_from_amount(1e11, 1048576, "tokens") == (
        95367, "95367 updates = floor(100000000000 tokens / 1048576 tokens/update)")
    run = derive(dict(tokens=1e11, seq_len=2048, batch_size=8, world_size=16, grad_accum=4))
    assert (run.total, run.samples_per_update, run.tokens_per_update) == (95367, 512, 1048576)
    assert "512 samples/update = 8 x 16 devices x 4 accumulation" in run.lines
    assert derive(dict(samples=1000, batch_size=7, world_size=3)).total == 47  # 1000 / 21 = 47.6


def test_warmup_ratio_rounds_up():
    assert warmup_from_ratio(0.03, 1221) == (37, "warmup 37 = ceil(0.03 x 1221)")  # 36.63
    assert warmup_from_ratio(0.1, 1000)[0] == 100  # exact: no extra step
    assert warmup_from_ratio(0.0, 1000)[0] == 0


def test_steps_per_epoch_gives_the_updates_directly():
    run = derive(dict(steps_per_epoch=390, epochs=90))
    assert (run.updates_per_epoch, run.total) == (390, 35100)


def test_max_steps_beats_epochs_from_a_weaker_source():
    run = derive(dict(steps_per_epoch=100, epochs=3, max_steps=250), ranks={"max_steps": 0, "epochs": 1})
    assert run.total == 250
    run = derive(dict(steps_per_epoch=100, epochs=3, max_steps=250), ranks={"max_steps": 1, "epochs": 0})
    assert run.total == 300  # the command line's epochs beat the file's max_steps


def test_epochs_and_max_steps_of_one_source_must_agree():
    with pytest.raises(GeometryError, match=r"max_steps and epochs disagree: 250 updates = max_steps but "
                                            r"300 updates = 3 epochs x 100 updates/epoch"):
        derive(dict(steps_per_epoch=100, epochs=3, max_steps=250))
    assert derive(dict(steps_per_epoch=100, epochs=3, max_steps=300)).total == 300


def test_a_batch_larger_than_the_dataset_is_one_update_and_a_note():
    run = derive(dict(dataset_size=100, batch_size=64, world_size=2, epochs=1))
    assert run.total == 1 and "larger than the dataset" in run.notes[0]


@pytest.mark.parametrize("values, words", [
    (dict(dataset_size=100, batch_size=64, world_size=2, drop_last=True, epochs=1), "every batch is dropped"),
    (dict(dataset_size=100, epochs=1), "dataset_size needs batch_size"),
    (dict(epochs=3), "epochs needs the updates per epoch"),
    (dict(tokens=1000, batch_size=4), "tokens needs seq_len"),
    (dict(tokens=1000, seq_len=512), "tokens needs batch_size"),
    (dict(tokens=1000, seq_len=512, batch_size=4), "makes 0 updates"),
    (dict(steps_per_epoch=10, epochs=1, warmup_ratio=0.95), "warmup of 10 updates, not shorter than the run's 10"),
    (dict(warmup_ratio=0.1), "warmup_ratio needs the run's total"),
    (dict(steps_per_epoch=10, dataset_size=100, batch_size=4, epochs=1), "disagree"),
])
def test_refusals_name_the_setting_and_the_rule(values, words):
    with pytest.raises(GeometryError, match=words):
        derive(values)


def test_messages_spell_settings_as_their_source_does():
    with pytest.raises(GeometryError, match="--dataset-size needs --batch-size"):
        derive(dict(dataset_size=100), name=lambda key: "--" + key.replace("_", "-"))


SIZES = st.integers(1, 10**7)


@given(n=SIZES, b=st.integers(1, 4096), g=st.integers(1, 64), a=st.integers(1, 64))
def test_ceil_rules_cover_every_sample_and_no_more(n, b, g, a):
    batches, _ = batches_per_device(n, b, g)
    assert batches * b * g >= n > (batches - 1) * b * g
    assert batches == math.ceil(n / (b * g)) or n > 2**50
    updates, _ = updates_from_batches(batches, a, "ceil")
    assert updates * a >= batches > (updates - 1) * a
    floor, _ = updates_from_batches(batches, a, "floor")
    assert floor == max(batches // a, 1) and floor <= updates


@given(n=SIZES, b=st.integers(1, 4096), g=st.integers(1, 64))
def test_drop_last_keeps_only_full_batches(n, b, g):
    batches, _ = batches_per_device(n, b, g, drop_last=True)
    assert batches * b * g <= n
    assert (n // b) - batches * g < g  # fewer than one batch per device left over


@given(epochs=st.floats(0.01, 1000), per_epoch=st.integers(1, 10**5))
def test_epochs_give_the_smallest_whole_number_of_updates_that_covers_them(epochs, per_epoch):
    total, _ = updates_from_epochs(epochs, per_epoch)
    assert total == math.ceil(epochs * per_epoch)


@given(ratio=st.floats(0, 0.999), total=st.integers(1, 10**7))
def test_warmup_is_the_hf_ceil(ratio, total):
    assert warmup_from_ratio(ratio, total)[0] == math.ceil(total * ratio)
