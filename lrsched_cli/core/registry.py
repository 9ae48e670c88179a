"""The machinery of schedule kinds: parameters as data, kinds as data, one registry.

A `Kind` is the single definition of a schedule family. Its parameters (type, default, bounds,
help), formula and tips feed the CLI flags, the YAML checks,
`list`/`describe`, the README and the tests. This module defines no kinds (see `kinds.py`) and
imports neither numpy nor anything heavy, so listing kinds stays fast.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from ..errors import SpecError


class _Marker:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text

    def __repr__(self) -> str:
        return self.name


REQUIRED = _Marker("REQUIRED", "required")
# A length the user leaves out defaults to what is left of the evaluated steps after any warmup.
HORIZON = _Marker("HORIZON", "the evaluated steps")


def derived(text: str) -> _Marker:
    """A default computed from other parameters by the kind's `fill` hook; `text` documents it."""
    return _Marker("DERIVED", text)


def is_computed(default: Any) -> bool:
    return isinstance(default, _Marker) and default is not REQUIRED

# A parameter's type: what YAML and the command line may give for it.
PARAM_TYPES = ("float", "int", "bool", "choice", "ints", "floats", "text", "phases", "mapping")

# What a parameter means to the engine, beyond its type. A "length" is a span of the run the
# schedule describes: the run a schedule names itself is its warmup plus the sum of its lengths.
PARAM_ROLES = (None, "length")


def did_you_mean(word: str, options: Any) -> str:
    """'; did you mean 'x'?' when a close option exists, else ''."""
    import difflib  # only on an error path: keeps start-up lean

    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


#: A received value is shown with at most this many characters in a message.
MAX_SHOWN = 60


def format_value(value: Any) -> str:
    """A value as the user wrote it, for a one-line message; long ones are shortened."""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return repr(value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN - 3] + "...")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_SHOWN:
        size = abs(value)  # str() refuses integers of more than 4300 digits
        digits = len(str(size)) if size < 10**4000 else int(size.bit_length() * math.log10(2)) + 1
        return f"an integer of {digits} digits"
    if isinstance(value, (list, tuple)) and len(value) > 8:
        head = ", ".join(format_value(v) for v in value[:4])
        return f"[{head}, ...] ({len(value)} values)"
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 3] + "..."


@dataclass(frozen=True)
class Param:
    """One schedule parameter: everything needed to parse, check and document it."""

    name: str
    type: str
    help: str
    default: Any = REQUIRED
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    choices: tuple[str, ...] = ()
    example: Any = None
    role: str | None = None  # one of PARAM_ROLES

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"unknown parameter type {self.type!r}")
        if self.role not in PARAM_ROLES:
            raise ValueError(f"unknown parameter role {self.role!r}")

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def bounds_text(self) -> str:
        """The rule in words, e.g. '> 0', 'in (0, 1)', 'one of: cos, linear'."""
        if self.type == "choice":
            return "one of: " + ", ".join(self.choices)
        low = (">", self.gt) if self.gt is not None else (">=", self.ge) if self.ge is not None else None
        high = ("<", self.lt) if self.lt is not None else ("<=", self.le) if self.le is not None else None
        if low and high:
            left = "(" if low[0] == ">" else "["
            right = ")" if high[0] == "<" else "]"
            return f"in {left}{_num(low[1])}, {_num(high[1])}{right}"
        if low:
            return f"{low[0]} {_num(low[1])}"
        if high:
            return f"{high[0]} {_num(high[1])}"
        return ""

    def default_text(self) -> str:
        if isinstance(self.default, _Marker):
            return self.default.text
        if self.default is None:
            return "none"
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        return _num(self.default) if isinstance(self.default, (int, float)) else str(self.default)

    def metavar(self) -> str:
        return {
            "float": "FLOAT",
            "int": "INT",
            "bool": "BOOL",
            "choice": "|".join(self.choices),
            "ints": "INT,INT,...",
            "floats": "FLOAT,FLOAT,...",
            "text": "TEXT",
            "phases": "YAML",
            "mapping": "YAML",
        }[self.type]

    # -- checking -----------------------------------------------------------------------------

    def check(self, value: Any, where: str) -> Any:
        """Return `value` coerced to this parameter's type, or raise SpecError naming the rule."""
        if value is None and self.default is None:
            return None
        checker = _CHECKERS[self.type]
        return checker(self, value, where)

    def fail(self, where: str, rule: str, value: Any) -> SpecError:
        return SpecError(f"{where}: {self.name} must be {rule} (received {format_value(value)})")

    def check_number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, "a number", value)
        try:
            number = float(value)
        except OverflowError:  # an integer beyond the float64 range
            raise self.fail(where, f"at most {sys.float_info.max:.3g}", value) from None
        if not math.isfinite(number):
            raise self.fail(where, "a finite number", value)
        rule = self.bounds_text()
        ok = (
            (self.gt is None or number > self.gt)
            and (self.ge is None or number >= self.ge)
            and (self.lt is None or number < self.lt)
            and (self.le is None or number <= self.le)
        )
        if not ok:
            raise self.fail(where, rule, value)
        return number


def _num(x: float) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.10g}" if isinstance(x, float) else str(x)


def _as_int(param: Param, value: Any, where: str) -> int:
    # Integral floats are accepted because YAML writes 1e6 as a float.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise param.fail(where, "an integer", value)
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise param.fail(where, "an integer", value)
    return int(value)


def _check_float(param: Param, value: Any, where: str) -> float:
    return param.check_number(value, where)


def _check_int(param: Param, value: Any, where: str) -> int:
    number = _as_int(param, value, where)
    param.check_number(number, where)
    return number


def _check_bool(param: Param, value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise param.fail(where, "true or false", value)
    return value


def _check_choice(param: Param, value: Any, where: str) -> str:
    text = str(value) if not isinstance(value, (bool, list, dict)) else None
    if text not in param.choices:
        hint = did_you_mean(value, param.choices) if text else ""
        raise SpecError(
            f"{where}: {param.name} must be one of: {', '.join(param.choices)} "
            f"(received {format_value(value)}){hint}"
        )
    return text


def _check_list(param: Param, value: Any, where: str, item: Callable) -> list:
    if not isinstance(value, (list, tuple)):
        raise param.fail(where, "a list", value)
    if not value and param.required:
        raise param.fail(where, "a non-empty list", value)
    return [item(param, v, where) for v in value]


def _check_ints(param: Param, value: Any, where: str) -> list[int]:
    def item(p: Param, v: Any, w: str) -> int:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise p.fail(w, "a list of integers", v)
        if isinstance(v, float) and not (math.isfinite(v) and v.is_integer()):
            raise p.fail(w, "a list of integers", v)
        return _check_int(p, v, w)

    return _check_list(param, value, where, item)


def _check_floats(param: Param, value: Any, where: str) -> list[float]:
    return _check_list(param, value, where, _check_float)


def _check_text(param: Param, value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise param.fail(where, "text", value)
    return value


def _check_phases(param: Param, value: Any, where: str) -> list:
    if not isinstance(value, (list, tuple)) or not value:
        raise param.fail(where, "a non-empty list of schedules", value)
    for i, phase in enumerate(value):
        if not isinstance(phase, Mapping):
            raise SpecError(f"{where}: phase {i + 1} must be a mapping with a 'kind' (received {format_value(phase)})")
    return list(value)


def _check_mapping(param: Param, value: Any, where: str) -> dict:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise param.fail(where, "a mapping of names to values", value)
    return dict(value)


_CHECKERS: dict[str, Callable[[Param, Any, str], Any]] = {
    "float": _check_float,
    "int": _check_int,
    "bool": _check_bool,
    "choice": _check_choice,
    "ints": _check_ints,
    "floats": _check_floats,
    "text": _check_text,
    "phases": _check_phases,
    "mapping": _check_mapping,
}


@dataclass(frozen=True)
class Compose:
    """How a composite kind is made of child schedules, which the engine builds and evaluates.

    The children's mappings are the list parameter `param`; each inherits the parameters named in
    `inherit` unless it sets them. With `split` the children run one after another, each for its
    own `steps` (the last for whatever is left); otherwise every child runs over all the steps.
    `combine(p, count, pieces)` makes the kind's `count` values from the children's, which come
    one at a time as (child schedule, values) so that a product need not hold them all.
    """

    param: str
    child: str  # what a child is called in messages: "phase", "factor"
    split: bool
    combine: Callable[[dict, int, Iterator[tuple[Any, Any]]], Any]
    refusal: str  # why a feedback kind cannot be a child, after "<kind> "
    inherit: tuple[str, ...] = ("max_lr",)
    marks: Callable[[list, int], list[int]] | None = None  # from the built children


@dataclass(frozen=True)
class Kind:
    """One schedule family, defined once.

    `evaluate(t, p)` gets the schedule's own clock `t` (float64 array of 0, 1, 2, ...) and the
    checked parameters `p`, and returns float64 learning rates. `check(p, where)` enforces rules
    that tie several parameters together. A composite kind has `compose` instead of `evaluate`.
    `arrays` is the peak number of float64 arrays as long as `t` that `evaluate` keeps alive at
    once, its result included (a number, or a function of the parameters): the engine's memory
    estimate, checked by a test that measures it.
    """

    name: str
    summary: str
    family: str
    frequency: str
    quantity: str
    formula: str
    params: tuple[Param, ...]
    evaluate: Callable[[Any, dict], Any] | None
    example: Mapping[str, Any]
    tips: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    check: Callable[[dict, str], None] | None = None
    monotone: str | None = None  # "decreasing" or "increasing" over the schedule's own clock
    extra_numeric: bool = False  # accepts any other numeric key (expr)
    marks: Callable[[dict, int], list[int]] | None = field(default=None)
    fill: Callable[[dict, int], None] | None = None  # computes `derived` defaults in place
    jumps: bool = False  # the rate changes in jumps (plots draw a staircase)
    # The same lr(t) in elementwise numpy (no masks, no indexing by t), when `evaluate` is tuned
    # past that because a benchmark shows it matters; code generation reads this one.
    closed_form: Callable[[Any, dict], Any] | None = None
    compose: Compose | None = None
    arrays: float | Callable[[dict], float] = 4.0
    # Other hyperparameters the kind sets beside the LR (names of SERIES, e.g. one-cycle's
    # momentum): `series_values(t, p)` returns those the parameters switch on, on the same clock.
    series: tuple[str, ...] = ()
    series_values: Callable[[Any, dict], dict[str, Any]] | None = None

    @property
    def feedback(self) -> bool:
        """The rate depends on a monitored metric (plateau, greedy): it cannot be precomputed as a part."""
        return self.frequency == "feedback"

    def working_arrays(self, params: dict) -> float:
        return self.arrays(params) if callable(self.arrays) else self.arrays

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)


@dataclass(frozen=True)
class SeriesDef:
    """A hyperparameter evaluated beside the LR, step by step (`engine.evaluate_series`).

    `name` is its key in the series and the suffix of its column (`<label>:<name>`); the plot
    draws it in the panel `panel`, whose y axis says `axis`.
    """

    name: str
    panel: str
    axis: str
    help: str


#: Every series besides the LR, in column order: one row per hyperparameter, so that a new one
#: (a schedule of beta2, say) is a row here and a producer, not a change to every output.
SERIES: dict[str, SeriesDef] = {s.name: s for s in (
    SeriesDef("momentum", "momentum", "momentum", "the optimizer's momentum (SGD, RMSprop), cycled "
              "inversely to the LR as torch's OneCycleLR and CyclicLR set it"),
    SeriesDef("beta1", "momentum", "momentum", "Adam's beta1 (betas[0]), cycled as momentum is"),
    SeriesDef("weight_decay", "weight_decay", "weight decay", "the weight decay at each step, from "
              "a schedule of its own (timm, DINO-style recipes anneal it with a cosine)"),
)}
#: The plot's panels, top to bottom: the LR, then each series' panel.
PANELS: tuple[str, ...] = ("lr", *dict.fromkeys(s.panel for s in SERIES.values()))


class Registry:
    """Kinds by name, in registration order, with 'did you mean' on a miss."""

    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}

    def add(self, kind: Kind) -> Kind:
        if kind.name in self._kinds:
            raise ValueError(f"kind {kind.name!r} is registered twice")
        names = [p.name for p in kind.params]
        if len(set(names)) != len(names):
            raise ValueError(f"kind {kind.name!r} repeats a parameter")
        if (kind.compose is None) == (kind.evaluate is None):
            raise ValueError(f"kind {kind.name!r} needs exactly one of evaluate and compose")
        unknown = [name for name in kind.series if name not in SERIES]
        if unknown or bool(kind.series) != (kind.series_values is not None):
            raise ValueError(f"kind {kind.name!r} declares series {unknown or kind.series} without "
                             "a SERIES row or a series_values function")
        if kind.compose is not None and kind.param(kind.compose.param).type != "phases":
            raise ValueError(f"kind {kind.name!r} composes {kind.compose.param!r}, not a list of schedules")
        self._kinds[kind.name] = kind
        return kind

    def remove(self, name: str) -> Kind:
        """Unregister a kind (a plug-in, or a toy kind in a test) and return it."""
        return self._kinds.pop(name)

    def get(self, name: Any) -> Kind:
        if isinstance(name, str) and name in self._kinds:
            return self._kinds[name]
        hint = did_you_mean(name, self._kinds) or ";"
        raise SpecError(f"unknown kind {format_value(name)}{hint} see 'lrsched list'")

    def __iter__(self) -> Iterator[Kind]:
        return iter(self._kinds.values())

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __len__(self) -> int:
        return len(self._kinds)

    def names(self) -> list[str]:
        return list(self._kinds)
