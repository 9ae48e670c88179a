"""`LRSchedule.to_torch(optimizer)`: a real torch LRScheduler stepping through lrsched's values."""
from __future__ import annotations

import functools
from typing import Any

from ..errors import UsageError
from . import Table, fingerprint

STATE_KEY = "lrsched_fingerprint"


def scheduler(schedule: Any, optimizer: Any, last_epoch: int = -1) -> Any:
    """An `LrschedLR` over `schedule` (an api.LRSchedule) for `optimizer`."""
    return scheduler_class()(optimizer, schedule, last_epoch=last_epoch)


@functools.cache
def scheduler_class() -> type:
    """The LRScheduler subclass, defined once torch is imported (never before it is needed)."""
    import torch
    from torch.optim.lr_scheduler import LRScheduler

    class LrschedLR(LRScheduler):
        """Sets every parameter group's lr to lr(last_epoch) of an lrsched schedule.

        After t calls of `step()`, `get_last_lr()` is `[values[t]] * len(param_groups)`, the
        float64 values of `LRSchedule.values()` as Python floats.
        """

        def __init__(self, optimizer: Any, schedule: Any, last_epoch: int = -1) -> None:
            self.lrsched_table = Table(schedule.values, schedule.steps, schedule.label)
            self.lrsched_fingerprint = fingerprint(schedule.mapping())
            super().__init__(optimizer, last_epoch)

        def get_lr(self) -> list[float]:
            lr = self.lrsched_table.at(self.last_epoch)
            return [lr] * len(self.optimizer.param_groups)

        def _get_closed_form_lr(self) -> list[float]:  # step(epoch): the same values, by index
            return self.get_lr()

        def state_dict(self) -> dict[str, Any]:
            """The step count and the schedule's fingerprint; the values are recomputed on load."""
            return {key: value for key, value in self.__dict__.items()
                    if key not in ("optimizer", "lrsched_table")}

        def load_state_dict(self, state_dict: dict[str, Any]) -> None:
            """Resume: refuses the state of another schedule; sets the optimizer's lr to the
            value at the saved step (as if the optimizer's own state had been loaded too)."""
            theirs = state_dict.get(STATE_KEY)
            if theirs is not None and theirs != self.lrsched_fingerprint:
                raise UsageError(f"{self.lrsched_table.label}: this state was saved by another "
                                 f"schedule (fingerprint {theirs}, this one {self.lrsched_fingerprint})")
            self.__dict__.update({k: v for k, v in state_dict.items() if k != "lrsched_table"})
            lrs = self.get_lr()
            for group, lr in zip(self.optimizer.param_groups, lrs):
                if isinstance(group["lr"], torch.Tensor):
                    group["lr"].fill_(lr)
                else:
                    group["lr"] = lr
            self._last_lr = lrs

    return LrschedLR
