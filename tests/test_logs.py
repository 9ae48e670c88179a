"""The log readers: every format of the registry, sparse and resumed logs, and bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest

from lrsched_cli.errors import DataError, UsageError
from lrsched_cli.logs import FORMATS, detect, read_log

LR = [0.0, 0.05, 0.1, 0.0975, 0.09]
STEPS = [0, 10, 20, 30, 40]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def tensorboard_csv(tmp_path):
    rows = "".join(f"{1700000000.5 + i},{s},{v!r}\n" for i, (s, v) in enumerate(zip(STEPS, LR)))
    return write(tmp_path, "run-lr.csv", "Wall time,Step,Value\n" + rows)


def wandb_csv(tmp_path):
    rows = "".join(f"{s},{v!r},{v!r},{v!r}\n" for s, v in zip(STEPS, LR))
    return write(tmp_path, "wandb.csv", "Step,brisk-3 - train/learning_rate,brisk-3 - train/learning_rate__MIN,"
                 "brisk-3 - train/learning_rate__MAX\n" + rows)


def lightning_csv(tmp_path):
    rows = []
    for s, v in zip(STEPS, LR):
        rows.append(f"0,{s},{v!r},\n")
        rows.append(f"0,{s},,0.5\n")  # another metric's row: the LR cell is empty
    return write(tmp_path, "lightning_logs/version_0/metrics.csv", "epoch,step,lr-SGD,train_loss\n" + "".join(rows))


def any_csv(tmp_path):
    rows = "".join(f"{s},{v!r},1.5\n" for s, v in zip(STEPS, LR))
    return write(tmp_path, "mine.csv", "global_step,learning_rate,loss\n" + rows)


def hf_json(tmp_path):
    history = [{"epoch": s / 40, "learning_rate": v, "loss": 1.0, "step": s} for s, v in zip(STEPS, LR)]
    history.insert(2, {"epoch": 0.5, "eval_loss": 0.9, "step": 20})  # an evaluation: no learning rate
    return write(tmp_path, "trainer_state.json", json.dumps({"global_step": 40, "log_history": history}))


def mlflow_file(tmp_path):
    rows = "".join(f"{1700000000000 + s} {v!r} {s}\n" for s, v in zip(STEPS, LR))
    return write(tmp_path, "mlruns/0/abc/metrics/lr", rows)


MAKERS = {"tensorboard-csv": tensorboard_csv, "wandb": wandb_csv, "lightning": lightning_csv, "csv": any_csv,
          "hf": hf_json, "mlflow": mlflow_file}


@pytest.mark.parametrize("fmt", sorted(MAKERS))
def test_each_format_is_detected_and_read_with_its_steps(tmp_path, fmt):
    path = MAKERS[fmt](tmp_path)
    assert detect(path).name == fmt
    log = read_log(path)
    assert log.steps.tolist() == STEPS
    assert log.values.tolist() == LR  # bit-exact: repr round-trips
    assert log.restarts == []


def test_every_registered_format_but_event_files_has_a_maker():
    assert {f.name for f in FORMATS} == set(MAKERS) | {"tensorboard"}


def test_epochs_are_kept_where_the_file_has_them(tmp_path):
    assert read_log(hf_json(tmp_path)).epochs.tolist() == [s / 40 for s in STEPS]
    assert read_log(lightning_csv(tmp_path)).epochs.tolist() == [0.0] * 5


def test_wandb_column_by_its_key_alone(tmp_path):
    assert read_log(wandb_csv(tmp_path), "train/learning_rate").key == "brisk-3 - train/learning_rate"


def test_steps_going_back_are_a_restart_and_said(tmp_path):
    text = "step,lr\n0,0.1\n10,0.09\n20,0.08\n10,0.07\n20,0.06\n30,0.05\n"
    log = read_log(write(tmp_path, "resumed.csv", text))
    assert log.restarts == [3]
    assert "steps go back from 20 to 10" in log.notes[0] and "restart" in log.notes[0]
    steps, values = log.latest()
    assert steps.tolist() == [0, 10, 20, 30]
    assert values.tolist() == [0.1, 0.07, 0.06, 0.05]  # the resumed run's values win


def test_float32_logs_are_recognised(tmp_path):
    values = np.float32(0.1) * np.float32([1.0, 0.5, 0.25])
    text = "step,lr\n" + "".join(f"{i},{float(v)!r}\n" for i, v in enumerate(values))
    assert read_log(write(tmp_path, "f32.csv", text)).float32
    assert not read_log(any_csv(tmp_path)).float32


@pytest.mark.parametrize("name,text,message", [
    ("empty.csv", "", "empty.csv: the log is empty"),
    ("header.csv", "step,lr\n", "header.csv: column 'lr' has no values (the log is empty)"),
    ("nolr.csv", "step,loss,acc\n0,1,2\n", "nolr.csv: no learning-rate column (columns: 'loss', 'acc'); "
     "choose one with --log-column NAME"),
    ("bad.csv", "step,lr\n0,0.1\n1,abc\n", "bad.csv: line 3: column 'lr': 'abc' is not a number"),
    ("badstep.csv", "step,lr\n0,0.1\n1.5,0.1\n", "badstep.csv: line 3: column 'step': '1.5' is not a step"),
    ("inf.csv", "step,lr\n0,inf\n", "inf.csv: line 2: column 'lr': 'inf' is not a finite number"),
    ("two.csv", "step,lr-SGD,lr-Adam\n0,0.1,0.2\n", "several learning-rate columns ('lr-SGD', 'lr-Adam')"),
    ("nostep.csv", "lr,loss\n0.1,1\n", "nostep.csv: no step column (columns: 'lr', 'loss')"),
    ("bad.json", '{"log_history": [', "bad.json: line 1: not valid JSON"),
    ("noh.json", '{"log_history": []}', "noh.json: the log is empty"),
    ("mlruns/metrics/lr", "17 0.1 0\n18 x 1\n", "lr: line 2: value: 'x' is not a number"),
])
def test_bad_logs_fail_in_one_line(tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    with pytest.raises(DataError) as err:
        read_log(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_named_column_that_is_missing_lists_the_columns_and_a_suggestion(tmp_path):
    with pytest.raises(DataError, match=r"no column named 'learning_rat' \(columns: 'global_step', 'learning_rate', "
                                        r"'loss'\); did you mean"):
        read_log(any_csv(tmp_path), "learning_rat")


def test_missing_file_and_blank_column(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_log(str(tmp_path / "nope.csv"))
    with pytest.raises(UsageError, match="--log-column must be a name"):
        read_log(any_csv(tmp_path), " ")


def test_event_files_without_tensorboard_say_how_to_install(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith("tensorboard"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    path = write(tmp_path, "events.out.tfevents.1.host", "x")
    with pytest.raises(DataError, match=r"pip install 'lrsched\[tensorboard\]'"):
        read_log(path)


def test_event_files_are_read_with_tensorboard(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    from tensorboard.compat.proto import event_pb2, summary_pb2

    writer = EventFileWriter(str(tmp_path))
    for s, v in zip(STEPS, LR):
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="train/lr", simple_value=v)])
        writer.add_event(event_pb2.Event(step=s, wall_time=1.0 + s, summary=summary))
    writer.close()
    log = read_log(str(tmp_path))
    assert log.key == "train/lr" and log.steps.tolist() == STEPS
    assert log.values.tolist() == [float(np.float32(v)) for v in LR]  # TensorBoard stores float32
