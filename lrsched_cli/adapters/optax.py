"""`LRSchedule.to_optax()`: a jit-compatible optax Schedule, a lookup in lrsched's values."""
from __future__ import annotations

from typing import Any, Callable


def schedule_fn(values: Any) -> Callable[[Any], Any]:
    """`count -> values[clip(count, 0, n - 1)]` as a jax array of jax's default float type:
    float64 with x64 enabled (exact), else float32 (each value rounded to nearest).

    A table lookup rather than a formula: no jnp formula reproduces numpy's float64 results bit
    for bit, and a lookup costs one gather under jit whatever the schedule.
    """
    import jax
    import jax.numpy as jnp
    import numpy as np

    exact = bool(jax.config.jax_enable_x64)
    table = jnp.asarray(np.asarray(values, dtype=np.float64 if exact else np.float32))
    last = int(table.shape[0]) - 1
    index_type = jnp.int64 if exact else jnp.int32

    def lrsched_schedule(count: Any) -> Any:
        return table[jnp.clip(jnp.asarray(count).astype(index_type), 0, last)]

    return lrsched_schedule
