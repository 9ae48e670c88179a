"""`LRSchedule.to_keras()`: a Keras LearningRateSchedule, a lookup in lrsched's values."""
from __future__ import annotations

import functools
from typing import Any


@functools.cache
def schedule_class() -> type:
    """The LearningRateSchedule subclass, registered for saving as "lrsched>LrschedSchedule"."""
    import keras

    @keras.saving.register_keras_serializable(package="lrsched")
    class LrschedSchedule(keras.optimizers.schedules.LearningRateSchedule):
        """values[step] of an lrsched schedule in Keras's float type; the last value past the
        table. Its config is the schedule's mapping and length, from which it is rebuilt."""

        def __init__(self, schedule: dict[str, Any], steps: int, name: str | None = None) -> None:
            from ..api import schedule as build

            super().__init__()
            self.schedule, self.steps, self.name = dict(schedule), int(steps), name
            values = build(self.schedule, steps=self.steps).values()
            self.table = keras.ops.convert_to_tensor(values.astype(keras.config.floatx()))

        def __call__(self, step: Any) -> Any:
            index = keras.ops.clip(keras.ops.cast(step, "int32"), 0, self.steps - 1)
            return keras.ops.take(self.table, index)

        def get_config(self) -> dict[str, Any]:
            return {"schedule": self.schedule, "steps": self.steps, "name": self.name}

    return LrschedSchedule
