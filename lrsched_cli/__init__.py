"""lrsched: learning-rate schedules, exactly as the frameworks compute them.

The Python API (`schedule`, `load`, `plot`, `LRSchedule`) lives in `lrsched_cli.api` and is
loaded on first use, so `import lrsched_cli` (and the CLI's start-up) stays cheap.

>>> import lrsched_cli as lr
>>> lr.schedule("cosine", max_lr=0.1, steps=10).values()[0]
np.float64(0.1)
"""
from __future__ import annotations

#: Public names, each loaded from its module on first access (PEP 562).
_LAZY = {
    "schedule": "api", "load": "api", "plot": "api", "LRSchedule": "api", "Row": "api",
    "LrschedError": "errors", "UsageError": "errors", "SpecError": "errors",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lrsched_cli' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
