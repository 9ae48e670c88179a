"""The Python API: the schedule you previewed is the one you train with.

>>> import lrsched_cli as lr
>>> s = lr.schedule("cosine", max_lr=0.1, steps=100)
>>> s.values()[:3].tolist()
[0.1, 0.09997532801828658, 0.09990133642141358]
>>> s.values(200).shape      # the same function, evaluated further: lr(t) for t = 0 .. 199
(200,)

`schedule` builds one schedule from a kind and its parameters, a `kind:key=value,...` spec or a
framework scheduler as written (`"torch:StepLR(step_size=30)"` with `base_lr`); `load` returns the
schedules of a YAML file. An `LRSchedule` gives its values (float64 numpy), a matplotlib Figure,
table rows and a summary, and hands the very same values to training: `.to_torch(optimizer)`,
`.to_optax()`, `.to_keras()` (each imports its framework only when called).

Errors are lrsched's own (`lrsched_cli.errors.LrschedError` and its subclasses, `UsageError`
for a bad kind, parameter or value), each with a one-line message.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, NamedTuple

from .errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from matplotlib.figure import Figure

    from .core.engine import Schedule
    from .core.summary import Summary

__all__ = ["schedule", "load", "LRSchedule", "Row"]

#: Keywords of `schedule` that are run settings, not the kind's parameters.
_RUN_KEYS = ("steps", "base_lr", "unit")
#: What a framework scheduler accepts besides its own text (its arguments are inside the text).
_FRAMEWORK_KEYS = ("metric", "label")


class Row(NamedTuple):
    """One row of `LRSchedule.table`: the step and the learning rate after that many steps."""

    step: int
    lr: float


class LRSchedule:
    """One schedule, built once: lr(t) for t = 0, 1, 2, ..., as lrsched evaluates it.

    `steps` is the run it was built for: lengths left out (a cosine's `cycle_length`, a
    one-cycle's `total_steps`) were filled from it, and it is the default length of `values`,
    `plot`, `table` and the adapters. Build one with `schedule` or `load`.

    >>> import lrsched_cli as lr
    >>> s = lr.schedule("step", max_lr=0.1, step_size=30, gamma=0.5, steps=90)
    >>> s
    LRSchedule('step', kind='step', steps=90, unit='epoch')
    >>> s.label, s.steps, s.kind
    ('step', 90, 'step')
    """

    def __init__(self, built: Schedule, steps: int, unit: str = "epoch", *,
                 allow_import: bool = False) -> None:
        self._schedule = built
        self.steps = steps
        self.unit = unit
        self._allow_import = allow_import

    @property
    def label(self) -> str:
        return self._schedule.label

    @property
    def kind(self) -> str:
        return self._schedule.kind.name

    def mapping(self) -> dict[str, Any]:
        """The schedule as a mapping with every parameter resolved (what a YAML file would say).

        >>> import lrsched_cli as lr
        >>> lr.schedule("torch:StepLR(step_size=30)", base_lr=0.1).mapping()["step_size"]
        30
        """
        return self._schedule.to_mapping()

    def __repr__(self) -> str:
        return f"LRSchedule({self.label!r}, kind={self.kind!r}, steps={self.steps}, unit={self.unit!r})"

    # -- values --------------------------------------------------------------------------

    def values(self, steps: int | None = None) -> np.ndarray:
        """lr(t) for t = 0 .. steps-1 as a new float64 numpy array [default: the schedule's steps].

        lr(t) is the learning rate after t calls of `scheduler.step()`. A longer `steps` evaluates
        the same function further (past its own run a schedule does what its kind says: a cosine
        rises again as PyTorch's does, a one-cycle holds its last value).

        >>> import lrsched_cli as lr
        >>> lr.schedule("step", max_lr=0.1, step_size=2).values(5).tolist()
        [0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002]
        """
        from .core.engine import evaluate

        count = self.steps if steps is None else _count(steps)
        with self._imports():
            return evaluate(self._schedule, count)

    def table(self, steps: int | None = None, every: int | None = None) -> list[Row]:
        """Rows `(step, lr)`: every `every`-th step, or about 40 evenly spaced; the last step is
        always included. Values are the exact float64 ones.

        >>> import lrsched_cli as lr
        >>> lr.schedule("step", max_lr=0.1, step_size=30, steps=90).table(every=30)
        [Row(step=0, lr=0.1), Row(step=30, lr=0.010000000000000002), \
Row(step=60, lr=0.0010000000000000002), Row(step=89, lr=0.0010000000000000002)]
        """
        from .core.summary import sample_rows

        values = self.values(steps)
        if every is not None and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
            raise UsageError(f"every must be an integer >= 1 (received {every!r})")
        return [Row(t, float(values[t])) for t in sample_rows(values.size, every)]

    def summary(self, steps: int | None = None) -> Summary:
        """Initial, peak, final, minimum and mean LR, the LR area, and the steps where the rate
        first falls below half and a tenth of its peak (what `lrsched table` prints).

        >>> import lrsched_cli as lr
        >>> lr.schedule("onecycle", max_lr=0.1, steps=1000).summary().peak_step
        299
        """
        from .core.summary import summarize

        return summarize(self.values(steps))

    def plot(self, steps: int | None = None, *, log_y: bool = False, title: str | None = None,
             dpi: int = 100, **zoom: Any) -> Figure:
        """A matplotlib Figure of the curve (Jupyter displays it; `fig.savefig(...)` writes it).

        `zoom`: `xlim=(a, b)` and `ylim=(a, b)` (None for a side as drawn), `inset="warmup"` (a
        magnified warmup, for warmups under 2% of the run).

        >>> import lrsched_cli as lr
        >>> fig = lr.schedule("cosine", max_lr=0.1, warmup_steps=5, steps=100).plot(log_y=True)
        >>> type(fig).__name__
        'Figure'
        >>> fig = lr.schedule("cosine", max_lr=0.1, warmup_steps=50, steps=100_000).plot(inset="warmup")
        >>> fig.axes[0].child_axes[0].get_xlim() == (0, 76)   # the warmup, magnified
        True
        """
        return plot([self], steps, log_y=log_y, title=title, dpi=dpi, **zoom)

    # -- adapters: the same values, in training --------------------------------------------

    def to_torch(self, optimizer: Any, last_epoch: int = -1) -> Any:
        """A `torch.optim.lr_scheduler.LRScheduler` that sets every parameter group's lr to
        `values()[t]` after t calls of `step()` (`get_last_lr()` equals it exactly).

        Values are computed in chunks: the first `steps`, and twice as many whenever training
        goes further, so a run longer than the preview follows the same function (past its own
        run the schedule does what its kind says, as `values` does). `state_dict()` holds the
        step count and the schedule's fingerprint, not the values; `load_state_dict` refuses the
        state of another schedule and sets the optimizer's lr at once, so a resumed run goes on
        with the same values.

        >>> import torch, lrsched_cli as lr                          # doctest: +SKIP
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)  # doctest: +SKIP
        >>> sched = lr.schedule("cosine", max_lr=0.1, steps=100).to_torch(opt)    # doctest: +SKIP
        """
        from .adapters.torch import scheduler

        return scheduler(self, optimizer, last_epoch)

    def to_optax(self, steps: int | None = None) -> Any:
        """An optax Schedule `count -> lr`, usable under `jax.jit`: a table lookup of
        `values(steps)`. Counts before 0 give the first value and counts past the table the last
        one (optax's own schedules hold their end value too). The table is float64 when jax has
        x64 enabled (`jax.config.update("jax_enable_x64", True)`: the values exactly), else float32
        (each value rounded to nearest, as jax holds every float by default).

        >>> import lrsched_cli as lr                                     # doctest: +SKIP
        >>> fn = lr.schedule("cosine", max_lr=0.1, steps=100).to_optax()  # doctest: +SKIP
        >>> optax.sgd(learning_rate=fn)                                   # doctest: +SKIP
        """
        from .adapters.optax import schedule_fn

        return schedule_fn(self.values(steps))

    def to_keras(self, steps: int | None = None) -> Any:
        """A `keras.optimizers.schedules.LearningRateSchedule` giving `values(steps)[step]` in
        Keras's float type (float32 unless `keras.config.set_floatx("float64")`), holding the last
        value past the table. `get_config()` stores the schedule's mapping and length (not the
        values), so `from_config` and saved models rebuild the same schedule.

        >>> import keras, lrsched_cli as lr                                 # doctest: +SKIP
        >>> keras.optimizers.SGD(lr.schedule("cosine", max_lr=0.1).to_keras())  # doctest: +SKIP
        """
        from .adapters.keras import schedule_class

        return schedule_class()(self.mapping(), self.steps if steps is None else _count(steps))

    def lint(self, steps: int | None = None) -> list:
        """What `lrsched lint` finds in the schedule over `steps` [default: its steps]: a list of
        `Finding`s (`.level` "warning" or "note", `.check`, `.message`; `.line()` as printed).

        >>> import lrsched_cli as lr
        >>> [f.line() for f in lr.schedule("cosine", max_lr=0.1, cycle_length=90, steps=100).lint()]
        ['warning: cosine: the rate rises again from step 90 to 100 (cycle_length 90 < 100 steps); \
set past_end=hold or cycle_length=100']
        >>> lr.schedule("cosine", max_lr=0.1, steps=100).lint()
        []
        """
        from .core.lint import lint

        count = self.steps if steps is None else _count(steps)
        return lint([self._schedule], [self.values(count)], _run({"steps": count, "unit": self.unit}))

    def _imports(self) -> Any:
        from .core.pykind import allowed_imports

        return allowed_imports(self._allow_import)


def schedule(source: Any, *, steps: int | None = None, base_lr: float | None = None,
             unit: str | None = None, label: str | None = None, **params: Any) -> LRSchedule:
    """One schedule from a kind and its parameters, a spec string, or a framework's scheduler.

    - a kind (`lrsched list`): `schedule("cosine", max_lr=0.1, warmup_steps=5)`;
    - a spec: `schedule("step:max_lr=0.1,step_size=30")`;
    - a mapping as in YAML: `schedule({"kind": "cosine", "max_lr": 0.1})`;
    - a framework's scheduler as written, with the optimizer's lr:
      `schedule("torch:StepLR(step_size=30)", base_lr=0.1)`;
    - a training config, read as its trainer reads it (`lrsched list --dialects`): a DeepSpeed
      JSON, a Megatron launch script, `"megatron:--lr 6e-4 ..."`; its number of updates is its own.

    `steps` is the run the schedule is built for (lengths left out default to it) and the default
    length of its values: given, else the run a framework scheduler names itself, else 100.
    The `python` kind imports the target you name here (you asked for it in your own code).

    >>> import lrsched_cli as lr
    >>> lr.schedule("torch:OneCycleLR(max_lr=0.1, total_steps=1000)", base_lr=0.1).steps
    1000
    >>> lr.schedule("cosine", max_lr=0.1, warmup_steps=5, steps=50).values()[:6].round(4).tolist()
    [0.0, 0.02, 0.04, 0.06, 0.08, 0.1]
    >>> ds = lr.schedule("configs/trainers/ds_config.json")
    >>> ds.steps, ds.unit
    (20000, 'step')
    >>> lr.schedule("cosin", max_lr=0.1)
    Traceback (most recent call last):
    ...
    lrsched_cli.errors.SpecError: schedule: unknown kind 'cosin'; did you mean 'cosine'? see 'lrsched list'
    """
    from .core.engine import build, natural_steps
    from .core.pykind import allowed_imports

    mapping, framework = _mapping(source, base_lr, params)
    if label is not None:
        mapping["label"] = label
    defaults = {"steps": natural_steps(mapping)} if framework else {}
    if isinstance(framework, Mapping):  # a training config: its own run
        defaults = {name: framework[name] for name in ("steps", "unit") if framework.get(name) is not None}
    run = _run({"steps": steps, "unit": unit}, defaults)
    with allowed_imports(True):
        built = build(mapping, run.steps, "schedule")
    return LRSchedule(built, run.steps, run.unit, allow_import=True)


def load(path: Any, *, steps: int | None = None, base_lr: float | None = None,
         allow_import: bool = False) -> list[LRSchedule]:
    """The schedules of a YAML file (as `lrsched plot --config` reads it), in order.

    `steps` and `base_lr` given here win over the file's, as on the command line. A `python`
    kind in the file imports its target only with `allow_import=True`.

    >>> import lrsched_cli as lr
    >>> [s.label for s in lr.load("configs/decays.yaml")][:2]
    ['step (30, 0.1)', 'polynomial (power 2)']
    """
    from .core.pykind import allowed_imports
    from .io.config import build_all, read_config

    file = read_config(path)
    run = _run({"steps": steps, "base_lr": base_lr}, file=file.settings, source=file.name)
    with allowed_imports(allow_import):
        built = build_all(file.items, run.steps, file.name, base_lr=run.base_lr)
    return [LRSchedule(s, run.steps, run.unit, allow_import=allow_import) for s in built]


def plot(schedules: list[LRSchedule], steps: int | None = None, *, log_y: bool = False,
         title: str | None = None, dpi: int = 100, layout: str = "overlay", **zoom: Any) -> Figure:
    """One matplotlib Figure of several schedules (overlaid, or `layout="grid"`).

    `zoom` takes the static plot's zoom: `xlim=(a, b)`, `ylim=(a, b)` and `inset="warmup"`.

    >>> import lrsched_cli as lr
    >>> fig = lr.plot(lr.load("configs/decays.yaml"), title="decays")
    >>> len(fig.axes[0].get_lines())
    6
    """
    from .present.plot import Series, build_figure

    if not schedules:
        raise UsageError("nothing to plot: no schedules")
    count = max(s.steps for s in schedules) if steps is None else _count(steps)
    series = [Series(s.label, s.values(count), s._schedule.marks(count), jumps=s._schedule.kind.jumps,
                     warmup=s._schedule.params["warmup_steps"]) for s in schedules]
    unit = schedules[0].unit
    return build_figure(series, unit=unit, log_y=log_y, title=title, dpi=dpi, layout=layout, **zoom)


# -- helpers ------------------------------------------------------------------------------------

def _mapping(source: Any, base_lr: Any, params: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """(the lrsched mapping, whether it came from a framework's scheduler, or the run a training
    config states)."""
    from .frameworks import is_framework_spec
    from .io.config import from_framework, parse_spec
    from .trainers import is_trainer_source

    if is_trainer_source(source):
        return _from_training_config(source, base_lr, params)
    if is_framework_spec(source):
        extra = sorted(set(params) - set(_FRAMEWORK_KEYS))
        if extra:
            raise UsageError(f"schedule: {source!r} takes its arguments inside the text; "
                             f"received {', '.join(extra)} as keywords (only base_lr, steps, "
                             "metric and label go beside it)")
        item = {"from": source, **({"base_lr": base_lr} if base_lr is not None else {}), **params}
        return from_framework(item, base_lr, "schedule"), True
    if base_lr is not None:
        raise UsageError("schedule: base_lr is the optimizer's lr of a framework scheduler written as "
                         f"text ('torch:StepLR(step_size=30)'); {source!r} takes max_lr instead")
    if isinstance(source, Mapping):
        return {**source, **params}, False
    if not isinstance(source, str):
        raise UsageError(f"schedule: the source must be a kind name, a spec or a mapping (received "
                         f"{type(source).__name__})")
    if ":" in source:
        return {**parse_spec(source), **params}, False
    return {"kind": source, **params}, False


def _from_training_config(source: str, base_lr: Any, params: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """A training config (a DeepSpeed JSON, a Megatron launch script, ...) read as its trainer
    reads it (lrsched_cli.trainers); its messages (where each number came from) are dropped."""
    from .trainers import read

    if params:
        raise UsageError(f"schedule: {source!r} is a training config whose numbers are its own; received "
                         f"{', '.join(sorted(params))} as keywords (only steps, base_lr and label go beside it)")
    reading = read(source, overrides={"base_lr": base_lr} if base_lr is not None else {})
    return dict(reading.schedule), dict(reading.run)


def _run(given: dict[str, Any], defaults: Mapping[str, Any] | None = None, *,
         file: Mapping[str, Any] | None = None, source: str = "the file") -> Any:
    """The run settings by the CLI's one rule, each given value checked by its setting's rule."""
    from .app.settings import BY_NAME, RuleError, check_file_value, resolve

    checked = {}
    for name, value in given.items():
        if value is None:
            continue
        try:
            checked[name] = check_file_value(name, value)
        except RuleError:
            raise UsageError(f"{name} must be {BY_NAME[name].rule} (received {value!r})") from None
    return resolve(checked, file, source=source, defaults=defaults)


def _count(steps: Any) -> int:
    """A number of steps, by the steps setting's rule."""
    return _run({"steps": steps}).steps
