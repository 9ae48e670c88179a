"""The frameworks lrsched reads, writes, compares and describes: one module each, one registry.

`translate("torch:StepLR(step_size=30)")` reads a framework's scheduler as written and returns
the lrsched schedule mapping that evaluates to the framework's own values (each translation is
proved against the real libraries in tests/test_frameworks.py); `codegen.snippet` writes a
schedule back as a framework's code; `dialects` writes one intent the way each framework's users
would and shows where they disagree; `describe` shows each framework's equivalent of a kind.

Each framework is one module (torch, hf, optax, keras, timm) holding everything about it in one
`Framework` value: its constructor tables (read), its writers, its renderings of an intent, its
equivalents. `REGISTRY` lists them in order; every command, help text and test takes the list
from it, and `register` adds another (see "Add a framework" in the README). What cannot be
written exactly is refused with the reason, in one line. Importing this package imports neither
numpy nor the frameworks.
"""
from __future__ import annotations

from . import hf, keras, optax, timm, torch
from .base import (MAX_DEPTH, MAX_LENGTH, MAX_NESTING, REGISTRY, Arg, Ctor, Framework, Names, accepted,
                   equivalents, is_framework_spec, register, translate)
from .hf import HF_FUNCTIONS, HF_TYPES

__all__ = ["FRAMEWORKS", "MAX_DEPTH", "MAX_LENGTH", "MAX_NESTING", "REGISTRY", "Arg", "Ctor", "Framework",
           "Names", "TABLES", "accepted", "equivalents", "is_framework_spec", "register", "translate", "HF_FUNCTIONS",
           "HF_TYPES"]

for _module in (torch, hf, optax, keras, timm):
    register(_module.FRAMEWORK)

#: The names of the frameworks, in order (a live view of REGISTRY).
FRAMEWORKS = Names()


class _Tables(dict):
    """Each framework's constructors by name (a live view of REGISTRY)."""

    def __getitem__(self, name: str):
        return REGISTRY[name].constructors

    def __iter__(self):
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)

    def __contains__(self, name: object) -> bool:
        return name in REGISTRY

    def keys(self):
        return REGISTRY.keys()

    def items(self):
        return [(name, fw.constructors) for name, fw in REGISTRY.items()]

    def values(self):
        return [fw.constructors for fw in REGISTRY.values()]


TABLES = _Tables()
