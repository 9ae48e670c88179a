"""The `python` kind: your own callable or PyTorch LRScheduler subclass, run only when allowed.

Importing user code runs it, so it happens only when the command line says `--allow-import`;
a YAML file alone can never trigger it. `allowed_imports()` is the switch the CLI turns on.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any, Iterator

from .._lazy import lazy_import
from ..errors import SpecError, UsageError

np = lazy_import("numpy")

_ALLOWED = False
REFUSAL = ("the python kind imports and runs your code; allow it on the command line with "
           "--allow-import")


@contextlib.contextmanager
def allowed_imports(allow: bool = True) -> Iterator[None]:
    """Within this block the python kind may import user code."""
    global _ALLOWED
    before, _ALLOWED = _ALLOWED, allow
    try:
        yield
    finally:
        _ALLOWED = before


def check_allowed(where: str) -> None:
    if not _ALLOWED:
        raise UsageError(f"{where}: {REFUSAL}")


def load_target(target: str, where: str) -> Any:
    """`package.module:name` or `path/to/file.py:name`, imported only when allowed."""
    check_allowed(where)
    module_name, sep, attribute = target.rpartition(":")
    if not sep or not module_name or not attribute.isidentifier():
        raise SpecError(f"{where}: target must be 'module:function' or 'file.py:Class' (received {target!r})")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise SpecError(f"{where}: {module_name}: no such file")
            spec = importlib.util.spec_from_file_location(f"lrsched_user_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except SpecError:
        raise
    except Exception as exc:  # the user's module failed to import: say so in one line
        raise UsageError(f"{where}: importing {module_name} failed: {_failure(exc)}") from None
    if not hasattr(module, attribute):
        raise SpecError(f"{where}: {module_name} has no {attribute!r}")
    return getattr(module, attribute)


def evaluate_target(target: Any, t: Any, max_lr: float, options: dict, where: str) -> Any:
    """lr(t) from a function of the step (vectorised or not) or an LRScheduler subclass."""
    if inspect.isclass(target):
        return _step_scheduler(target, t.size, max_lr, options, where)
    options = {**_max_lr_if_wanted(target, max_lr), **options}
    try:
        values = np.asarray(target(t, **options), dtype=np.float64)
        if values.shape != t.shape:
            values = np.broadcast_to(values, t.shape).astype(np.float64)
        return values
    except Exception:  # not vectorised: call it once per step
        pass
    try:
        return np.fromiter((float(target(int(i), **options)) for i in t), dtype=np.float64, count=t.size)
    except Exception as exc:
        raise UsageError(f"{where}: your function failed: {_failure(exc)}") from None


def _failure(exc: BaseException) -> str:
    """The user's exception on one line: its message may span several."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def _max_lr_if_wanted(function: Any, max_lr: float) -> dict:
    try:
        wanted = "max_lr" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        wanted = False
    return {"max_lr": max_lr} if wanted else {}


def _step_scheduler(cls: type, count: int, max_lr: float, options: dict, where: str) -> Any:
    try:
        import torch
    except ImportError:
        raise UsageError(f"{where}: {cls.__name__} is a class; running an LRScheduler needs torch "
                         "installed") from None
    if not issubclass(cls, torch.optim.lr_scheduler.LRScheduler):
        raise SpecError(f"{where}: {cls.__name__} is a class but not a torch LRScheduler subclass")
    import warnings

    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=max_lr)
    values = np.empty(count, dtype=np.float64)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scheduler = cls(optimizer, **options)
            for i in range(count):
                values[i] = optimizer.param_groups[0]["lr"]
                optimizer.step()
                scheduler.step()
    except Exception as exc:
        raise UsageError(f"{where}: {cls.__name__} failed: {_failure(exc)}") from None
    return values
