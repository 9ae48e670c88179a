"""Adapters that hand a schedule's own values to a framework's training loop.

Each module imports its framework only when called (`api.LRSchedule.to_torch`, `.to_optax`,
`.to_keras`), so lrsched never needs one installed.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from ..errors import LrschedError, SpecError, UsageError


def fingerprint(mapping: dict[str, Any]) -> str:
    """A short digest of a schedule's resolved mapping: two equal digests, one function."""
    text = json.dumps(mapping, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Table:
    """lr(t) for any t >= 0, computed in chunks: the first `steps` values, then twice as many
    each time a step goes past them (amortised constant time per step; memory follows the
    furthest step reached). Every chunk is checked to start with the values already handed out,
    so a value once used never changes."""

    def __init__(self, evaluate: Callable[[int], Any], steps: int, label: str) -> None:
        self._evaluate, self.label = evaluate, label
        self.values = evaluate(steps)

    def __len__(self) -> int:
        return int(self.values.size)

    def at(self, t: int) -> float:
        if t < 0:
            raise UsageError(f"{self.label}: no learning rate before step 0 (asked for step {t})")
        if t >= self.values.size:
            self._grow(t + 1)
        return float(self.values[t])

    def _grow(self, needed: int) -> None:
        import numpy as np

        try:
            longer = self._evaluate(max(2 * self.values.size, needed))
        except SpecError:  # a feedback kind's metric ends: go as far as it does, else say why
            longer = self._evaluate(needed)
        count = longer.size
        if not np.array_equal(longer[:self.values.size], self.values):
            raise LrschedError(f"{self.label}: its values change when evaluated further "
                               f"({self.values.size} -> {count} steps); train with a table of "
                               "fixed length instead")
        self.values = longer
