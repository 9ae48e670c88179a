"""The adapters train with the values lrsched shows: against the real torch, optax and keras
(framework stage of CI; they skip without the library), each with a resume halfway."""
from __future__ import annotations

import io
import os

import numpy as np
import pytest

import lrsched_cli as lr
from lrsched_cli.core.kinds import REGISTRY
from lrsched_cli.errors import UsageError

os.environ.setdefault("KERAS_BACKEND", "jax")
#: Closed-form kinds (their values extend past the preview: the torch adapter computes further).
CLOSED = [k.name for k in REGISTRY if k.name != "python" and not k.feedback]
FEEDBACK = [k.name for k in REGISTRY if k.feedback]


def example(kind: str, steps: int = 60) -> lr.LRSchedule:
    return lr.schedule({"kind": kind, **REGISTRY.get(kind).example}, steps=steps)


# -- torch ------------------------------------------------------------------------------------

def torch_run(schedule, steps, optimizer=None, scheduler=None, groups=1):
    torch = pytest.importorskip("torch")
    if optimizer is None:
        params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(groups)]
        optimizer = torch.optim.SGD([{"params": [p]} for p in params], lr=0.5)
    scheduler = scheduler or schedule.to_torch(optimizer)
    seen = []
    for _ in range(steps):
        last = scheduler.get_last_lr()
        assert [group["lr"] for group in optimizer.param_groups] == last
        seen.append(last)
        optimizer.step()
        scheduler.step()
    return seen, optimizer, scheduler


@pytest.mark.parametrize("kind", CLOSED + FEEDBACK)
def test_torch_get_last_lr_after_t_steps_is_values_t_exactly(kind):
    torch = pytest.importorskip("torch")
    s = example(kind)
    seen, _, scheduler = torch_run(s, 60, groups=2)
    assert isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler)
    values = s.values(60).tolist()
    assert seen == [[v, v] for v in values]


@pytest.mark.parametrize("kind", CLOSED)
def test_torch_goes_past_the_preview_with_the_same_function(kind):
    s = example(kind, steps=30)
    seen, _, scheduler = torch_run(s, 200)
    assert [v[0] for v in seen] == s.values(200).tolist()
    assert len(scheduler.lrsched_table) == 240  # 30 -> 60 -> 120 -> 240: doubled when needed


def test_torch_a_feedback_kind_stops_at_the_end_of_its_metric_with_one_line():
    s = example("plateau", steps=40)
    with pytest.raises(lr.SpecError, match="the metric has 40 values"):
        torch_run(s, 80)


def test_torch_resume_halfway_in_a_fresh_optimizer_and_scheduler():
    torch = pytest.importorskip("torch")
    s = lr.schedule("torch:OneCycleLR(max_lr=0.1, total_steps=100)", base_lr=0.1)
    whole, _, _ = torch_run(s, 100)
    first, optimizer, scheduler = torch_run(s, 50)
    buffer = io.BytesIO()
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)  # plain data only: no numpy table, no objects
    for load_optimizer in (True, False):  # the scheduler alone sets the optimizer's lr too
        fresh = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.5)
        resumed = lr.schedule("torch:OneCycleLR(max_lr=0.1, total_steps=100)", base_lr=0.1).to_torch(fresh)
        if load_optimizer:
            fresh.load_state_dict(saved["optimizer"])
        resumed.load_state_dict(saved["scheduler"])
        rest, _, _ = torch_run(s, 50, fresh, resumed)
        assert first + rest == whole


def test_torch_refuses_the_state_of_another_schedule():
    torch = pytest.importorskip("torch")
    _, optimizer, scheduler = torch_run(lr.schedule("cosine", max_lr=0.1), 5)
    other = lr.schedule("cosine", max_lr=0.2).to_torch(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))]))
    with pytest.raises(UsageError, match="saved by another schedule"):
        other.load_state_dict(scheduler.state_dict())


def test_torch_step_with_an_epoch_uses_the_same_values():
    s = lr.schedule("step", max_lr=0.1, step_size=3)
    _, _, scheduler = torch_run(s, 1)
    with pytest.warns(UserWarning):
        scheduler.step(7)
    assert scheduler.get_last_lr() == [s.values(8)[7]]


# -- optax ------------------------------------------------------------------------------------

@pytest.mark.parametrize("x64", [False, True])
@pytest.mark.parametrize("kind", ["cosine", "onecycle", "wsd", "cosine_restarts", "step"])
def test_optax_schedule_under_jit_gives_values_t(kind, x64):
    jax = pytest.importorskip("jax")
    pytest.importorskip("optax")
    s = example(kind)
    values = s.values()
    with jax.enable_x64(x64):
        fn = s.to_optax()
        jitted = jax.jit(fn)
        got = np.asarray(jax.vmap(jitted)(jax.numpy.arange(-2, 70)))
        want = values.astype(np.float64 if x64 else np.float32)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got[2:62], want)   # bit for bit: float64 exact, float32 rounded
        assert (got[:2] == want[0]).all() and (got[62:] == want[-1]).all()  # held at both ends
        assert float(jitted(17)) == float(want[17])


def test_optax_trains_and_resumes_halfway_with_the_same_values():
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    s = lr.schedule("cosine", max_lr=0.1, warmup_steps=10, steps=100)
    with jax.enable_x64(True):
        tx = optax.sgd(learning_rate=s.to_optax())
        grads = {"w": jax.numpy.ones(())}

        def run(state, steps):
            updates = []
            for _ in range(steps):
                update, state = tx.update(grads, state)
                updates.append(-float(update["w"]))   # sgd: -lr * grad, grad 1
            return updates, state

        whole, _ = run(tx.init(grads), 100)
        first, state = run(tx.init(grads), 50)
        saved = jax.tree_util.tree_map(np.asarray, state)          # a checkpoint, as plain arrays
        rest, _ = run(jax.tree_util.tree_map(jax.numpy.asarray, saved), 50)
    assert whole == first + rest == s.values().tolist()


# -- keras ------------------------------------------------------------------------------------

def test_keras_schedule_gives_values_in_floatx_and_round_trips_its_config():
    keras = pytest.importorskip("keras")
    s = lr.schedule("onecycle", max_lr=0.1, steps=100)
    schedule = s.to_keras()
    assert isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule)
    want = s.values().astype(np.float32)
    got = np.array([float(schedule(t)) for t in range(0, 102)], dtype=np.float32)
    np.testing.assert_array_equal(got[:100], want)
    assert (got[100:] == want[-1]).all()
    config = keras.optimizers.schedules.serialize(schedule)
    again = keras.optimizers.schedules.deserialize(config)
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    assert [float(again(t)) for t in range(100)] == got[:100].tolist()


def test_keras_optimizer_resumes_halfway_with_the_same_values(tmp_path):
    keras = pytest.importorskip("keras")
    s = lr.schedule("cosine", max_lr=0.1, warmup_steps=10, steps=100)
    want = s.values().astype(np.float32).tolist()

    def run(optimizer, variable, steps):
        seen = []
        for _ in range(steps):
            seen.append(float(optimizer.learning_rate))
            optimizer.apply_gradients([(keras.ops.ones(()), variable)])
        return seen

    variable = keras.Variable(0.0)
    optimizer = keras.optimizers.SGD(learning_rate=s.to_keras())
    first = run(optimizer, variable, 50)
    config, iterations = keras.optimizers.serialize(optimizer), int(optimizer.iterations)
    fresh = keras.optimizers.deserialize(config)
    variable2 = keras.Variable(float(variable))
    fresh.build([variable2])
    fresh.iterations.assign(iterations)
    rest = run(fresh, variable2, 50)
    assert first + rest == want
