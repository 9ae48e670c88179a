"""mmengine (OpenMMLab) configs: `param_scheduler`, `optim_wrapper.optimizer.lr`, `train_cfg`, `_base_` files.

A Python config is read with `ast`, never run: literals, `dict(...)`/`list(...)`/`tuple(...)`, names
assigned earlier in the file or in its `_base_` files, and arithmetic on them. The `_base_` files
(followed relative to the file) are merged as mmengine's Config merges them: dicts key by key,
`_delete_=True` replaces. YAML and JSON configs of the same shape are read too.

Replayed from mmengine/optim/scheduler/param_scheduler.py (mmengine 0.10) and the runner that
drives it: every scheduler is active at once, each stepping at construction and then after every
iteration (`by_epoch=False`) or every epoch, changing the lr only while `begin <= step < end`
(`end` defaults to the train loop's max_epochs or max_iters, `convert_to_iter_based` multiplies
the epoch lengths by the iterations per epoch). The schedulers are recursive (each scales the
current lr); the ones that multiply it (Linear, Constant, Step, MultiStep, Exponential, and
CosineAnnealing / Poly towards 0) compose as the product of their closed forms; one that moves
the lr towards a floor or sets it (CosineAnnealing / Poly with an eta_min, OneCycle,
CosineRestart) is exact while no other scheduler changes the lr during its steps, and a config
where one does is refused. tests/golden/trainers_golden.json holds the real mmengine's values.
"""
from __future__ import annotations

import ast
import copy
import math
import operator
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import SpecError
from .base import Content, Dialect, Reading, fail, formula, num, unsupported

INF = int(1e9)  # mmengine's INF, the default `end`
MAX_BASES = 10
COMMON = {"begin": 0, "end": None, "last_step": -1, "by_epoch": True, "verbose": False,
          "convert_to_iter_based": False}
#: Each scheduler's own parameters and defaults (None: required, or computed from begin/end).
PARAMS: dict[str, dict[str, Any]] = {
    "ConstantLR": {"factor": 1.0 / 3},
    "LinearLR": {"start_factor": 1.0 / 3, "end_factor": 1.0},
    "StepLR": {"step_size": None, "gamma": 0.1},
    "MultiStepLR": {"milestones": None, "gamma": 0.1},
    "ExponentialLR": {"gamma": None},
    "CosineAnnealingLR": {"T_max": None, "eta_min": None, "eta_min_ratio": None},
    "PolyLR": {"eta_min": 0.0, "power": 1.0},
    "OneCycleLR": {"eta_max": 0.0, "total_steps": None, "pct_start": 0.3, "anneal_strategy": "cos",
                   "div_factor": 25.0, "final_div_factor": 1e4, "three_phase": False},
    "CosineRestartLR": {"periods": None, "restart_weights": [1], "eta_min": None, "eta_min_ratio": None},
}
REQUIRED = {"StepLR": ("step_size",), "MultiStepLR": ("milestones",), "ExponentialLR": ("gamma",),
            "CosineRestartLR": ("periods",)}
#: The `...ParamScheduler` spelling of each (with param_name='lr').
SPELLINGS = {name.replace("LR", "ParamScheduler"): name for name in PARAMS}
TYPES = tuple(PARAMS) + tuple(SPELLINGS)
MOMENTUM = ("ConstantMomentum", "CosineAnnealingMomentum", "ExponentialMomentum", "LinearMomentum",
            "MultiStepMomentum", "StepMomentum", "PolyMomentum", "CosineRestartMomentum", "ReduceOnPlateauMomentum")


# -- reading a Python config with ast ----------------------------------------------------------

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_IMPORTED = object()
_NOT_RUN = "nothing in a config is run: literals, dict(...)/list(...)/tuple(...), names and arithmetic only"


class _Values:
    """The values of one file's expressions; `names` are those assigned so far (and the bases')."""

    def __init__(self, name: str, names: dict[str, Any]) -> None:
        self.name, self.names = name, names

    def error(self, node: ast.AST, message: str) -> SpecError:
        return SpecError(f"{self.name}:{getattr(node, 'lineno', '?')}: {message}")

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.value(item) for item in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict):
            out: dict = {}
            for key, item in zip(node.keys, node.values):
                if key is None:
                    out.update(self._mapping(item))
                else:
                    out[self.value(key)] = self.value(item)
            return out
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self._arithmetic(node, _BINARY[type(node.op)], self.value(node.left), self.value(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            operand = self.value(node.operand)
            if isinstance(operand, bool) or not isinstance(operand, (int, float)):
                raise self.error(node, f"a sign before {operand!r}, which is not a number")
            return _UNARY[type(node.op)](operand)
        if isinstance(node, ast.Call):
            return self._call(node)
        what = {ast.Attribute: "an attribute", ast.Subscript: "a subscript", ast.Lambda: "a lambda",
                ast.JoinedStr: "an f-string", ast.ListComp: "a comprehension", ast.DictComp: "a comprehension",
                ast.SetComp: "a comprehension", ast.GeneratorExp: "a comprehension"}.get(type(node))
        raise self.error(node, f"{what or 'this expression'} ({_source(node)}) is not read; {_NOT_RUN}")

    def _name(self, node: ast.Name) -> Any:
        if node.id not in self.names:
            raise self.error(node, f"{node.id!r} is not assigned above (nor in a _base_ file)")
        if self.names[node.id] is _IMPORTED:
            raise self.error(node, f"{node.id!r} is imported; lrsched imports nothing ({_NOT_RUN})")
        return copy.deepcopy(self.names[node.id])

    def _mapping(self, node: ast.AST) -> dict:
        value = self.value(node)
        if not isinstance(value, dict):
            raise self.error(node, f"** needs a dict (received {value!r})")
        return value

    def _call(self, node: ast.Call) -> Any:
        func = node.func.id if isinstance(node.func, ast.Name) else None
        if func not in ("dict", "list", "tuple") or func in self.names:
            raise self.error(node, f"a call of {_source(node.func)} is not read; {_NOT_RUN}")
        args = [self.value(arg) for arg in node.args]
        if func == "dict":
            out = {}
            if len(args) > 1 or (args and not isinstance(args[0], dict)):
                raise self.error(node, "dict(...) takes keywords (or one dict)")
            out.update(args[0] if args else {})
            for keyword in node.keywords:
                if keyword.arg is None:
                    out.update(self._mapping(keyword.value))
                else:
                    out[keyword.arg] = self.value(keyword.value)
            return out
        if node.keywords or len(args) > 1 or (args and not isinstance(args[0], (list, tuple, str))):
            raise self.error(node, f"{func}(...) takes one list or tuple")
        return (list if func == "list" else tuple)(args[0] if args else ())

    def _arithmetic(self, node: ast.BinOp, op: Callable, left: Any, right: Any) -> Any:
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
        if op is operator.pow and numbers and abs(right) > 1024 and abs(left) > 1:
            raise self.error(node, f"{_source(node)} is too large a number")
        if op is operator.mul and not numbers and any(isinstance(v, int) and v > 100_000 for v in (left, right)):
            raise self.error(node, f"{_source(node)} repeats a sequence too many times")
        try:
            return op(left, right)
        except (TypeError, ZeroDivisionError, OverflowError, ValueError) as exc:
            raise self.error(node, f"cannot compute {_source(node)}: {exc}") from None


def _source(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def load(content: Content, chain: tuple[Path, ...] = ()) -> dict:
    """The config as mmengine's Config holds it: its `_base_` files merged under it."""
    if content.suffix in (".yaml", ".yml", ".json"):
        own = dict(content.data())
        bases = own.pop("_base_", None)
        merged = _bases(content, bases, chain)
    else:
        try:
            tree = ast.parse(content.text, filename=content.name)
        except SyntaxError as exc:
            raise SpecError(f"{content.name}:{exc.lineno}: not valid Python: {exc.msg}") from None
        own, merged = _statements(content, tree, chain)
    return _strip(_merge(own, merged, content.name))


def _statements(content: Content, tree: ast.Module, chain: tuple[Path, ...]) -> tuple[dict, dict]:
    """The file's own assignments (in order, each seeing those above it and the bases') and its bases."""
    merged: dict = {}
    for statement in tree.body:  # _base_ first: the names of the bases are visible to the whole file
        if isinstance(statement, ast.Assign) and any(_is_name(t, "_base_") for t in statement.targets):
            merged = _bases(content, _Values(content.name, {}).value(statement.value), chain)
    names: dict[str, Any] = dict(merged)
    own: dict[str, Any] = {}
    values = _Values(content.name, names)
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets):
            if any(_is_name(t, "_base_") for t in statement.targets):
                continue
            value = values.value(statement.value)
            for target in statement.targets:
                own[target.id] = names[target.id] = value
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                names[(alias.asname or alias.name).split(".")[0]] = _IMPORTED
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring
        elif not isinstance(statement, ast.Pass):
            raise values.error(statement, f"a {type(statement).__name__.lower()} statement is not read; only "
                                          f"assignments ({_NOT_RUN})")
    return own, merged


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _bases(content: Content, bases: Any, chain: tuple[Path, ...]) -> dict:
    """The `_base_` files (a name or a list, relative to the file) merged in order; a key in two is an error."""
    if bases is None:
        return {}
    files = [bases] if isinstance(bases, str) else bases
    if not isinstance(files, (list, tuple)) or not all(isinstance(f, str) for f in files):
        raise fail(content, f"_base_ must be a file name or a list of them (received {bases!r})")
    if content.path is None:
        raise fail(content, "_base_ needs the config's file, to find the bases relative to it")
    here = content.path.resolve()
    if len(chain) >= MAX_BASES:
        raise fail(content, f"_base_ files nest more than {MAX_BASES} deep")
    merged: dict = {}
    for name in files:
        path = (content.path.parent / name).resolve()
        if path in chain + (here,):
            cycle = " -> ".join(p.name for p in chain + (here, path))
            raise fail(content, f"_base_ {name!r} makes a cycle: {cycle}")
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(content, f"_base_ {name!r}: cannot read {content.path.parent / name}: "
                                f"{exc.strerror or exc}") from None
        base = load(Content(text, str(content.path.parent / name), path), chain + (here,))
        twice = sorted(set(base) & set(merged))
        if twice:
            raise fail(content, f"_base_ files both set {', '.join(twice)}; mmengine refuses a key in two bases")
        merged.update(base)
    return merged


def _merge(child: Mapping, base: Mapping, where: str) -> dict:
    """mmengine Config._merge_a_into_b: dicts merged key by key, unless the child's says `_delete_=True`."""
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and key in out and not value.get("_delete_", False):
            if not isinstance(out[key], dict):
                raise SpecError(f"{where}: {key} is a dict here but not in its _base_; add _delete_=True "
                                "to replace it")
            out[key] = _merge(value, out[key], where)
        else:
            out[key] = value
    return out


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "_delete_"}
    if isinstance(value, (list, tuple)):
        return type(value)(_strip(v) for v in value)
    return value


# -- detection ---------------------------------------------------------------------------------

_MARKER = re.compile(r"^\s*(param_scheduler|optim_wrapper)\s*=", re.M)


def _detect(content: Content) -> str | None:
    if content.suffix == ".py" or (content.suffix == "" and _MARKER.search(content.text)):
        if _MARKER.search(content.text) or "_base_" in content.text:
            return None
        return "a Python file without param_scheduler, optim_wrapper or _base_"
    data = content.mapping()
    if isinstance(data, Mapping) and ("param_scheduler" in data or _is_optim_wrapper(data.get("optim_wrapper"))):
        return None
    return "no param_scheduler or optim_wrapper.optimizer"


def _is_optim_wrapper(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("optimizer"), Mapping)


# -- the run: learning rate, train loop, iterations per epoch ------------------------------------

@dataclass
class _Loop:
    by_epoch: bool
    length: int  # max_epochs or max_iters
    per_epoch: int | None  # iterations per epoch, when known


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def _number(content: Content, value: Any, key: str, kind: type = float, low: float | None = None) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or \
            (kind is int and not float(value).is_integer()) or (low is not None and value < low):
        expected = "an integer" if kind is int else "a number"
        bound = f" >= {low:g}" if low is not None else ""
        raise fail(content, f"{key} must be {expected}{bound} (received {value!r})")
    return kind(value)


def _base_lr(content: Content, cfg: Mapping, reading: Reading, overrides: Mapping) -> float:
    for keys in (("optim_wrapper", "optimizer", "lr"), ("optimizer", "lr")):
        value = _get(cfg, *keys)
        if value is not None:
            reading.put("base_lr", _number(content, value, ".".join(keys), low=0), ".".join(keys))
            break
    if overrides.get("base_lr") is not None:
        return float(overrides["base_lr"])
    if "base_lr" not in reading.run:
        raise fail(content, "no optim_wrapper.optimizer.lr (nor optimizer.lr): give --base-lr")
    return reading.run["base_lr"]


def _loop(content: Content, cfg: Mapping, reading: Reading, overrides: Mapping) -> _Loop:
    train = cfg.get("train_cfg")
    if not isinstance(train, Mapping):
        raise fail(content, "no train_cfg: mmengine needs dict(type='EpochBasedTrainLoop', max_epochs=N) or "
                            "dict(type='IterBasedTrainLoop', max_iters=N) to know the run's length")
    kind = train.get("type")
    by_epoch = train.get("by_epoch", kind != "IterBasedTrainLoop") if kind is None else kind != "IterBasedTrainLoop"
    if kind not in (None, "EpochBasedTrainLoop", "IterBasedTrainLoop"):
        raise unsupported(content, "train_cfg.type", kind, ("EpochBasedTrainLoop", "IterBasedTrainLoop"))
    key = "max_epochs" if by_epoch else "max_iters"
    if key not in train:
        raise fail(content, f"train_cfg needs {key}")
    length = _number(content, train[key], f"train_cfg.{key}", int, 1)
    reading.put("epochs" if by_epoch else "max_steps", length, f"train_cfg.{key}")
    given = overrides.get("epochs" if by_epoch else "max_steps")
    if given is not None:  # the command line beats the file, for the schedulers' default ends too
        if by_epoch and not float(given).is_integer():
            raise fail(content, f"--epochs {given}: an mmengine run trains whole epochs")
        length = int(given)
    if (overrides.get("grad_accum") or 1) != 1:
        raise fail(content, "--grad-accum: mmengine steps its schedulers once per iteration, whatever the "
                            "accumulation (optim_wrapper.accumulative_counts); leave --grad-accum out")
    batch = _get(cfg, "train_dataloader", "batch_size")
    if batch is not None:
        reading.put("batch_size", _number(content, batch, "train_dataloader.batch_size", int, 1),
                    "train_dataloader.batch_size")
    return _Loop(by_epoch, length, _per_epoch(overrides, reading) if by_epoch else None)


def _per_epoch(overrides: Mapping, reading: Reading) -> int | None:
    """len(train_dataloader): from --steps-per-epoch, or the dataset over the batch and the devices (mmengine's
    DefaultSampler gives each device ceil(N / G) samples, so ceil(N / (B x G)) batches). The schedulers step
    once per iteration whatever the gradient accumulation, so these are iterations, not updates."""
    from ..core.geometry import batches_per_device

    if overrides.get("steps_per_epoch"):
        reading.put("steps_per_epoch", overrides["steps_per_epoch"], "--steps-per-epoch")
        return overrides["steps_per_epoch"]
    batch = overrides.get("batch_size") or reading.run.get("batch_size")
    if overrides.get("dataset_size") and batch:
        value, working = batches_per_device(overrides["dataset_size"], batch, overrides.get("world_size") or 1,
                                            bool(overrides.get("drop_last")))
        reading.put("steps_per_epoch", value, f"len(train_dataloader): {working}")
        return value
    return None


# -- the schedulers ----------------------------------------------------------------------------

@dataclass
class _Scheduler:
    """One scheduler as mmengine builds it: its lengths on its own clock (iterations, or epochs when it
    steps per epoch), `base` the group's initial_lr it records, `i` its place (the formula's suffix)."""

    kind: str
    p: dict
    begin: int
    end: int
    by_epoch: bool
    base: float
    i: int

    @property
    def last(self) -> int:
        """The last step at which it changes the lr (its last_step is then `last - begin`)."""
        return self.end - 1


def _schedulers(content: Content, cfg: Mapping, loop: _Loop, lr: float, reading: Reading) -> list[_Scheduler]:
    given = cfg.get("param_scheduler")
    if given is None:
        return []
    items = [given] if isinstance(given, Mapping) else given
    if not isinstance(items, (list, tuple)):
        raise fail(content, "param_scheduler must be a dict or a list of dicts")
    out: list[_Scheduler] = []
    initial = lr  # the group's initial_lr: the optimizer's lr, until a OneCycleLR sets it
    for n, item in enumerate(items):
        where = f"param_scheduler[{n}]" if not isinstance(given, Mapping) else "param_scheduler"
        if not isinstance(item, Mapping):
            raise fail(content, f"{where} must be a dict (received {item!r})")
        scheduler = _scheduler(content, dict(item), where, loop, reading, initial, len(out))
        if scheduler is not None:
            if scheduler.kind == "OneCycleLR":
                initial = scheduler.p["eta_max"] / scheduler.p["div_factor"]
                scheduler.base = initial
            out.append(scheduler)
    return out


def _scheduler(content: Content, item: dict, where: str, loop: _Loop, reading: Reading, initial: float,
               i: int) -> _Scheduler | None:
    from ..core.registry import did_you_mean

    kind = item.pop("type", None)
    kind = kind.split(".")[-1] if isinstance(kind, str) else kind  # a registry scope: 'mmdet.LinearLR'
    if kind in MOMENTUM or (kind in SPELLINGS and item.get("param_name", "lr") != "lr"):
        reading.warnings.append(f"{where}: {kind} schedules {item.get('param_name', 'the momentum')}, "
                                "not the lr; not shown")
        return None
    if kind == "ReduceOnPlateauLR":
        raise fail(content, f"{where}: ReduceOnPlateauLR follows a validation metric the config does not hold")
    if kind not in TYPES:
        raise unsupported(content, f"{where}.type", kind, tuple(PARAMS))
    if kind in SPELLINGS:
        item.pop("param_name", None)
        kind = SPELLINGS[kind]
    table = {**PARAMS[kind], **COMMON}
    for key in item:
        if key not in table:
            raise fail(content, f"{where}: {kind} takes no {key!r}{did_you_mean(key, table)}; it takes: "
                                f"{', '.join(table)}")
    for key in REQUIRED.get(kind, ()):
        if key not in item:
            raise fail(content, f"{where}: {kind} needs {key}")
    p = {**table, **item}
    if p["last_step"] != -1:
        raise fail(content, f"{where}: last_step resumes a run; lrsched shows it from the start (remove it)")
    by_epoch, convert = bool(p["by_epoch"]), bool(p["convert_to_iter_based"])
    if by_epoch and not loop.by_epoch:
        raise fail(content, f"{where}: {kind} steps by epoch (by_epoch defaults to True) under an IterBasedTrainLoop; "
                            "write by_epoch=False")
    # the runner's default end, set before any conversion: max_epochs for by_epoch, else max_iters
    if not loop.by_epoch or by_epoch:
        default_end = loop.length
    else:
        default_end = loop.length * _iterations(content, loop, where, kind)
    begin = _number(content, p["begin"], f"{where}.begin", int, 0)
    end = default_end if p["end"] is None else _number(content, p["end"], f"{where}.end", int, 1)
    if by_epoch and convert:
        epoch = _iterations(content, loop, where, kind)
        begin, end, by_epoch = int(begin * epoch), (int(end * epoch) if end != INF else INF), False
        for key in ("step_size", "T_max", "total_steps"):
            if p.get(key) is not None:
                p[key] = p[key] * epoch
        for key in ("milestones", "periods"):
            if p.get(key) is not None:
                p[key] = [m * epoch for m in p[key]]
    if end <= begin:
        raise fail(content, f"{where}: end ({end}) must be larger than begin ({begin}), as mmengine requires")
    return _Scheduler(kind, p, begin, end, by_epoch, initial, i)


def _iterations(content: Content, loop: _Loop, where: str, kind: str) -> int:
    if loop.per_epoch is None:
        raise fail(content, f"{where}: {kind} steps per iteration in an epoch-based run, which needs the iterations "
                            "per epoch: give --steps-per-epoch N, or --dataset-size N (with the batch size)")
    return loop.per_epoch


# -- each scheduler as a factor of the lr ------------------------------------------------------

@dataclass
class _Factor:
    """lr(t) = base_lr x the product of the factors; `text` in the local step L (its last_step)."""

    text: str
    values: dict[str, float]
    multiplies: bool  # True: it scales the current lr (composes with any other); False: it moves or sets it
    changes: list[tuple[int, int]]  # the steps (its own clock) at which it changes the lr


def _factor(content: Content, s: _Scheduler, v0: float | None) -> _Factor:
    """The scheduler's effect after L = last_step steps; `v0` is the lr before its first step (for the ones
    that do not multiply)."""
    p, b, span = s.p, s.begin, s.end - s.begin - 1  # span: mmengine's total_iters
    k = s.i
    whole = [(b, s.last)]
    if s.kind == "ConstantLR":
        factor = _number(content, p["factor"], "ConstantLR.factor")
        if not 0 <= factor <= 1:
            raise fail(content, "ConstantLR.factor must be between 0 and 1, as mmengine requires")
        if span == 0:
            return _Factor(f"f{k}", {f"f{k}": factor}, True, [(b, b)])
        if factor == 0:
            raise fail(content, "ConstantLR.factor 0: mmengine divides by it at the end")
        values = {f"f{k}": factor, f"r{k}": factor * (1.0 / factor), f"T{k}": span}
        return _Factor(f"where(L < T{k}, f{k}, r{k})", values, True, [(b, b), (s.last, s.last)])
    if s.kind == "LinearLR":
        start, stop = (_number(content, p[key], f"LinearLR.{key}") for key in ("start_factor", "end_factor"))
        if not (0 <= start <= 1 and 0 <= stop <= 1):
            raise fail(content, "LinearLR start_factor and end_factor must be between 0 and 1, as mmengine requires")
        if span == 0:
            return _Factor(f"s{k}", {f"s{k}": start}, True, [(b, b)])
        if start == 0:
            raise fail(content, "LinearLR.start_factor 0: mmengine's recursive form divides by zero at its second step")
        return _Factor(f"s{k} + d{k} * L / T{k}", {f"s{k}": start, f"d{k}": stop - start, f"T{k}": span}, True, whole)
    if s.kind == "StepLR":
        size = _number(content, p["step_size"], "StepLR.step_size", int, 1)
        return _Factor(f"g{k} ** floor(L / S{k})", {f"g{k}": p["gamma"], f"S{k}": size}, True, [(b + size, s.last)])
    if s.kind == "MultiStepLR":
        marks = [_number(content, m, "MultiStepLR.milestones", int, 0) for m in p["milestones"]]
        count = " + ".join(f"(L >= {m})" for m in sorted(marks)) or "0"
        return _Factor(f"g{k} ** ({count})", {f"g{k}": _number(content, p["gamma"], "MultiStepLR.gamma")}, True,
                       [(b + m, b + m) for m in marks])
    if s.kind == "ExponentialLR":
        return _Factor(f"g{k} ** L", {f"g{k}": _number(content, p["gamma"], "ExponentialLR.gamma")}, True,
                       [(b + 1, s.last)])
    if s.kind == "CosineAnnealingLR":
        return _cosine(content, s, v0)
    if s.kind == "PolyLR":
        power, floor = _number(content, p["power"], "PolyLR.power"), _number(content, p["eta_min"], "PolyLR.eta_min")
        if span == 0:
            return _Factor("1.0", {}, True, [])
        shape = f"((T{k} - L) / T{k}) ** P{k}"
        values = {f"T{k}": span, f"P{k}": power}
        if floor == 0:
            return _Factor(shape, values, True, [(b + 1, s.last)])
        return _towards(shape, values, floor, v0, k, [(b + 1, s.last)])
    if s.kind == "OneCycleLR":
        return _one_cycle(content, s, v0)
    return _restarts(content, s, v0)


def _towards(shape: str, values: dict, floor: float, v0: float | None, k: int,
             changes: list[tuple[int, int]]) -> _Factor:
    """m + (v0 - m) x shape, as a factor of v0 (the recursive form from v0 towards the floor m)."""
    if v0 is None:
        return _Factor("1.0", {}, False, changes)  # a first pass: v0 is not known yet
    return _Factor(f"(m{k} + (v{k} - m{k}) * {shape}) / v{k}", {**values, f"m{k}": floor, f"v{k}": v0}, False,
                   changes)


def _eta_min(content: Content, s: _Scheduler, name: str) -> float:
    low, ratio = s.p["eta_min"], s.p["eta_min_ratio"]
    if low is not None and ratio is not None:
        raise fail(content, f"{name}: give eta_min or eta_min_ratio, not both (mmengine asserts one)")
    if ratio is not None:
        return s.base * _number(content, ratio, f"{name}.eta_min_ratio")
    if low is None and name == "CosineRestartLR":
        raise fail(content, "CosineRestartLR needs eta_min or eta_min_ratio (mmengine asserts one)")
    return _number(content, low or 0.0, f"{name}.eta_min")


def _cosine(content: Content, s: _Scheduler, v0: float | None) -> _Factor:
    k, b = s.i, s.begin
    period = s.p["T_max"] or (s.end - s.begin)  # mmengine: T_max or (end - begin)
    period = _number(content, period, "CosineAnnealingLR.T_max", int, 1)
    floor = _eta_min(content, s, "CosineAnnealingLR")
    shape = f"(1 + cos(pi * L / C{k})) / 2"
    values = {f"C{k}": period}
    beyond = s.last - b > period  # past T_max it rises again, from the base value (its additive step)
    if floor == 0 and not beyond:
        return _Factor(shape, values, True, [(b + 1, s.last)])
    changes = [(b + 1, s.last)]  # at its first step it keeps the lr, which the later steps scale from
    if not beyond:
        return _towards(shape, values, floor, v0, k, changes)
    if v0 is None:
        return _Factor("1.0", {}, False, changes)
    return _Factor(f"where(L <= C{k}, m{k} + (v{k} - m{k}) * {shape}, m{k} + (B{k} - m{k}) * {shape}) / v{k}",
                   {**values, f"m{k}": floor, f"v{k}": v0, f"B{k}": s.base}, False, changes)


def _one_cycle(content: Content, s: _Scheduler, v0: float | None) -> _Factor:
    p, k, b = s.p, s.i, s.begin
    total = p["total_steps"] if p["total_steps"] is not None else s.end - s.begin
    total = _number(content, total, "OneCycleLR.total_steps", int, 1)
    if s.last - b > total:
        raise fail(content, f"OneCycleLR: its steps run to {s.last - b}, past total_steps {total}, where mmengine "
                            "stops with 'Tried to step ... times'; set end or total_steps")
    pct = _number(content, p["pct_start"], "OneCycleLR.pct_start")
    if p["anneal_strategy"] not in ("cos", "linear"):
        raise unsupported(content, "OneCycleLR.anneal_strategy", p["anneal_strategy"], ("cos", "linear"))
    peak = _number(content, p["eta_max"], "OneCycleLR.eta_max")
    initial = peak / _number(content, p["div_factor"], "OneCycleLR.div_factor")
    low = initial / _number(content, p["final_div_factor"], "OneCycleLR.final_div_factor")
    ends = [float(pct * total) - 1, total - 1.0]
    levels = [(f"i{k}", f"x{k}"), (f"x{k}", f"n{k}")]
    if p["three_phase"]:
        ends = [float(pct * total) - 1, float(2 * pct * total) - 2, total - 1.0]
        levels = [(f"i{k}", f"x{k}"), (f"x{k}", f"i{k}"), (f"i{k}", f"n{k}")]
    starts = [0.0] + ends[:-1]
    if any(e <= a for a, e in zip(starts, ends)):
        raise fail(content, "OneCycleLR: pct_start x total_steps leaves a phase of no steps, where mmengine "
                            "divides by zero")
    if v0 is None:
        return _Factor("1.0", {}, False, [(b, s.last)])
    if v0 == 0:
        raise fail(content, "OneCycleLR starts where the lr is 0; lrsched cannot show it as a factor of 0")
    text = ""
    for n in reversed(range(len(ends))):
        (start, stop), pct_n = levels[n], f"(L - {num(starts[n])}) / {num(ends[n] - starts[n])}"
        phase = (f"{stop} + ({start} - {stop}) / 2.0 * (cos(pi * {pct_n}) + 1)" if p["anneal_strategy"] == "cos"
                 else f"({stop} - {start}) * {pct_n} + {start}")
        text = phase if not text else f"where(L <= {num(ends[n])}, {phase}, {text})"
    return _Factor(f"({text}) / v{k}", {f"i{k}": initial, f"x{k}": peak, f"n{k}": low, f"v{k}": v0}, False,
                   [(b, s.last)])


def _restarts(content: Content, s: _Scheduler, v0: float | None) -> _Factor:
    p, k, b = s.p, s.i, s.begin
    periods = [_number(content, x, "CosineRestartLR.periods", int, 1) for x in p["periods"]]
    weights = [_number(content, w, "CosineRestartLR.restart_weights") for w in p["restart_weights"]]
    if len(periods) != len(weights):
        raise fail(content, "CosineRestartLR: periods and restart_weights must have the same length")
    floor = _eta_min(content, s, "CosineRestartLR")
    if v0 is None:
        return _Factor("1.0", {}, False, [(b, s.last)])
    if v0 == 0:
        raise fail(content, "CosineRestartLR starts where the lr is 0; lrsched cannot show it as a factor of 0")
    cumulative = [sum(periods[:n + 1]) for n in range(len(periods))]
    at = f"minimum(L, {cumulative[-1] - 1})"  # past the periods it holds
    text = ""
    for n in reversed(range(len(periods))):
        start = cumulative[n] - periods[n]
        phase = f"m{k} + ({num(s.base * weights[n])} - m{k}) * (1 + cos(pi * ({at} - {start}) / {periods[n]})) / 2"
        text = phase if not text else f"where({at} < {cumulative[n]}, {phase}, {text})"
    return _Factor(f"({text}) / v{k}", {f"m{k}": floor, f"v{k}": v0}, False, [(b, s.last)])


# -- the whole schedule ------------------------------------------------------------------------

def _clock(s: _Scheduler, per_epoch: int | None) -> tuple[str, int]:
    """Its step count after t steps of the run, and how many of the run's steps one of its steps is."""
    if s.by_epoch and per_epoch is not None:
        return f"floor(t / {per_epoch})", per_epoch
    return "t", 1


_LOCAL = re.compile(r"\bL\b")


def _term(f: _Factor, s: _Scheduler, per_epoch: int | None) -> str:
    clock, _ = _clock(s, per_epoch)
    local = f"maximum(minimum({clock}, {s.last}) - {s.begin}, 0)"
    return f"where({clock} < {s.begin}, 1.0, {_LOCAL.sub(local, f.text)})"


def _overlap(a: tuple[_Scheduler, _Factor], b: tuple[_Scheduler, _Factor], per_epoch: int | None) -> tuple | None:
    """The first run steps at which both change the lr, or None."""
    def spans(pair):
        _, scale = _clock(pair[0], per_epoch)
        return [(lo * scale, hi * scale) for lo, hi in pair[1].changes]
    for lo, hi in spans(a):
        for lo2, hi2 in spans(b):
            if max(lo, lo2) <= min(hi, hi2):
                return max(lo, lo2), min(hi, hi2)
    return None


def _compose(content: Content, schedulers: list[_Scheduler], lr: float, per_epoch: int | None) -> dict[str, Any]:
    """lr(t) = base_lr x each factor, the ones that do not multiply given the lr they start from."""
    from ..core.expr import compile_expr
    import numpy as np

    factors = [_factor(content, s, None) for s in schedulers]
    others = [n for n, f in enumerate(factors) if not f.multiplies]
    for n in others:
        for m in range(len(schedulers)):
            hit = m != n and _overlap((schedulers[n], factors[n]), (schedulers[m], factors[m]), per_epoch)
            if hit:
                raise fail(content, f"{schedulers[n].kind} (param_scheduler[{n}]) and {schedulers[m].kind} "
                                    f"(param_scheduler[{m}]) both change the lr at step {hit[0]}; mmengine composes "
                                    "them recursively, which lrsched reproduces only for schedulers that multiply "
                                    "(Linear, Constant, Step, MultiStep, Exponential, Cosine/Poly to 0)")
    values: dict[str, float] = {"base": lr}
    terms: dict[int, str] = {n: _term(f, schedulers[n], per_epoch) for n, f in enumerate(factors) if f.multiplies}
    for n, f in enumerate(factors):
        if f.multiplies:
            values.update(f.values)

    def value_at(step: int) -> float:
        text = " * ".join(["base"] + list(terms.values()))
        return float(compile_expr(text, ["t", *values])({**values, "t": np.array([float(step)])})[0])

    for n in sorted(others, key=lambda n: schedulers[n].begin * _clock(schedulers[n], per_epoch)[1]):
        s = schedulers[n]
        factor = _factor(content, s, value_at(s.begin * _clock(s, per_epoch)[1]))
        terms[n] = _term(factor, s, per_epoch)
        values.update(factor.values)
    text = " * ".join(["base"] + [terms[n] for n in sorted(terms)])
    names = ", ".join(s.kind for s in schedulers) or "constant"
    return formula(text, lr, f"mmengine:{names}"[:60], **values)


def _read(content: Content, overrides: Mapping[str, Any]) -> Reading:
    cfg = load(content)
    reading = Reading("mmengine", content.name, {}, run={"unit": "step"})
    lr = _base_lr(content, cfg, reading, overrides)
    loop = _loop(content, cfg, reading, overrides)
    _warn(cfg, reading)
    schedulers = _schedulers(content, cfg, loop, lr, reading)
    per_iteration = any(not s.by_epoch for s in schedulers) or loop.per_epoch is not None
    if loop.by_epoch and not per_iteration:  # every scheduler steps per epoch, epochs unknown: a step is an epoch
        reading.run["unit"] = "epoch"
        reading.put("steps", loop.length, "train_cfg.max_epochs")
        reading.schedule = _compose(content, schedulers, lr, None)
        return reading
    if loop.by_epoch:  # the run geometry counts max_epochs x iterations per epoch, and says so
        reading.notes.append("the steps are iterations: train_cfg.max_epochs x len(train_dataloader)")
    reading.schedule = _compose(content, schedulers, lr, loop.per_epoch if loop.by_epoch else None)
    return reading


def _warn(cfg: Mapping, reading: Reading) -> None:
    if _get(cfg, "optim_wrapper", "paramwise_cfg") is not None:
        reading.warnings.append("optim_wrapper.paramwise_cfg scales some parameter groups' lr (lr_mult); "
                                "shown for the base lr")
    if (_get(cfg, "optim_wrapper", "accumulative_counts") or 1) != 1:
        reading.notes.append("optim_wrapper.accumulative_counts: the schedulers still step once per iteration, "
                             "so the steps shown are iterations, not optimizer updates")
    if _get(cfg, "auto_scale_lr", "enable"):
        reading.warnings.append("auto_scale_lr.enable scales the lr by the real batch over base_batch_size; "
                                "shown unscaled")


# -- writing: export --to mmengine ----------------------------------------------------------------

#: lrsched kinds mmengine runs exactly, each with the parameters that must keep their defaults.
_DEFAULTS = {
    "exponential": {"decay_steps": 1, "end_lr": None},
    "polynomial": {"cycle_limit": 1, "cycle_mult": 1, "cycle_decay": 1, "k_decay": 1, "past_end": "hold"},
    "cosine": {"exponent": 1, "past_end": "continue"},
    "onecycle": {"past_end": "hold"},
}


#: What the writer holds, said with every refusal (the writers' shared wording: `<dialect>: why; it holds ...`).
_HOLDS = ("it holds constant, step, multistep, exponential, linear, polynomial, cosine (with a linear warmup) "
          "and onecycle (without a momentum cycle)")


def _write(schedule: Any, steps: int) -> str:
    from ..frameworks.codegen import CodegenError

    try:
        return _fragment(schedule, steps)
    except CodegenError as exc:
        raise CodegenError(f"mmengine: {exc}; {_HOLDS}") from None


def _fragment(schedule: Any, steps: int) -> str:
    """`param_scheduler` (every scheduler by_epoch=False: one step is one iteration), the lr and the train loop
    that make mmengine run `schedule` over `steps` iterations."""
    from ..frameworks.codegen import CodegenError

    kind, p = schedule.kind.name, schedule.params
    if kind not in ("constant", "step", "multistep", "exponential", "linear", "polynomial", "cosine", "onecycle"):
        raise CodegenError(f"mmengine has no scheduler for {kind}")
    if kind == "onecycle" and p["cycle_momentum"]:  # mmengine's OneCycleLR moves the lr only
        raise CodegenError("mmengine's OneCycleLR does not cycle the momentum: write it with cycle_momentum=false")
    if schedule.groups or schedule.weight_decay is not None:
        raise CodegenError("mmengine's param_scheduler sets one lr for every group: write the schedule without "
                           "parameter groups or a weight-decay schedule")
    for key, default in _DEFAULTS.get(kind, {}).items():
        if p.get(key) != default and not (key == "past_end" and _never_past(kind, p, steps)):
            raise CodegenError(f"{kind} with {key}={p.get(key)!r} has no mmengine scheduler (mmengine's keeps "
                               f"{key}={default!r})")
    lr, schedulers = float(p["max_lr"]), _warmup_lines(kind, p)
    offset = p["warmup_steps"]
    if kind == "step":
        schedulers.append(f"dict(type='StepLR', step_size={p['step_size']}, gamma={p['gamma']!r}, by_epoch=False)")
    elif kind == "multistep":
        schedulers.append(f"dict(type='MultiStepLR', milestones={list(p['milestones'])}, gamma={p['gamma']!r}, "
                          "by_epoch=False)")
    elif kind == "exponential":
        schedulers.append(f"dict(type='ExponentialLR', gamma={p['gamma']!r}, by_epoch=False)")
    elif kind == "linear":
        if not (0 < p["start_factor"] <= 1 and 0 <= p["end_factor"] <= 1):
            raise CodegenError("mmengine's LinearLR takes factors between 0 and 1 and a start_factor above 0")
        schedulers.append(f"dict(type='LinearLR', start_factor={p['start_factor']!r}, end_factor="
                          f"{p['end_factor']!r}, by_epoch=False, begin=0, end={p['total_iters'] + 1})")
    elif kind == "polynomial":
        schedulers.append(f"dict(type='PolyLR', eta_min={float(p['min_lr'])!r}, power={p['power']!r}, "
                          f"by_epoch=False, begin=0, end={p['max_update'] + 1})")
    elif kind == "cosine":
        if steps <= offset:
            raise CodegenError(f"the warmup ({offset} steps) fills the run of {steps}: no cosine left to write")
        schedulers.append(f"dict(type='CosineAnnealingLR', T_max={p['cycle_length']}, eta_min={float(p['min_lr'])!r}"
                          f", by_epoch=False, begin={offset}, end={max(steps, offset + 1)})")
    elif kind == "onecycle":
        lr = p["max_lr"] / p["div_factor"]  # OneCycleLR sets its own initial lr: eta_max / div_factor
        schedulers.append(f"dict(type='OneCycleLR', eta_max={p['max_lr']!r}, total_steps={p['total_steps']}, "
                          f"pct_start={p['pct_start']!r}, anneal_strategy={p['anneal_strategy']!r}, div_factor="
                          f"{p['div_factor']!r}, final_div_factor={p['final_div_factor']!r}, three_phase="
                          f"{p['three_phase']!r}, by_epoch=False, end={p['total_steps']})")
    body = "".join(f"    {line},\n" for line in schedulers)
    return (f"# mmengine: {schedule.label} over {steps} iterations (every scheduler steps per iteration)\n"
            f"optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr={lr!r}))\n"
            f"param_scheduler = [\n{body}]\n"
            f"train_cfg = dict(type='IterBasedTrainLoop', max_iters={steps})\n")


def _never_past(kind: str, p: Mapping, steps: int) -> bool:
    """The run ends before the schedule's own length, so what it does past it does not matter."""
    length = {"polynomial": "max_update", "cosine": "cycle_length", "onecycle": "total_steps"}[kind]
    return steps - p["warmup_steps"] <= p[length]


def _warmup_lines(kind: str, p: Mapping) -> list[str]:
    """A linear warmup from warmup_start_lr to max_lr over W steps: LinearLR to its end_factor 1 at step W."""
    from ..frameworks.codegen import CodegenError

    warmup = p["warmup_steps"]
    if not warmup:
        return []
    if kind != "cosine":
        raise CodegenError(f"a warmup before {kind}: lrsched writes mmengine's warmup for cosine only")
    if p["warmup_shape"] != "linear" or p["warmup_mode"] != "prefix":
        raise CodegenError(f"warmup_shape {p['warmup_shape']} / warmup_mode {p['warmup_mode']}: mmengine's "
                           "LinearLR warms up linearly, before the schedule (prefix)")
    start = p["warmup_start_lr"] / p["max_lr"]
    if not 0 < start <= 1:
        raise CodegenError("a warmup from 0 (or above max_lr): mmengine's LinearLR needs 0 < start_factor <= 1; "
                           "give warmup_start_lr above 0")
    return [f"dict(type='LinearLR', start_factor={start!r}, by_epoch=False, begin=0, end={warmup + 1})"]


DIALECT = Dialect(
    name="mmengine",
    summary="mmengine / OpenMMLab configs (Python read with ast, YAML, JSON): param_scheduler, all active at once",
    detect=_detect,
    read=_read,
    reads=("_base_", "param_scheduler (type, begin, end, by_epoch, convert_to_iter_based and each type's "
           "parameters)", "optim_wrapper.optimizer.lr", "optimizer.lr", "train_cfg.type", "train_cfg.by_epoch",
           "train_cfg.max_epochs", "train_cfg.max_iters", "train_dataloader.batch_size"),
    warns=("optim_wrapper.paramwise_cfg (lr_mult)", "auto_scale_lr.enable", "momentum schedulers (not the lr)"),
    ignores=("model, dataset, pipelines, hooks, val/test loops, optimizer type, momentum and weight decay, "
             "optim_wrapper.accumulative_counts (a note)",),
    write=_write,
)
