"""Your own schedules for lrsched's `python` kind (run only with --allow-import).

    lrsched plot python --target configs/seed_log_annealing.py:log_decay --max-lr 0.1 --allow-import
    lrsched plot python --target configs/seed_log_annealing.py:LogAnnealingLR \
        --options "{T_max: 100}" --max-lr 0.1 --allow-import      # needs torch

`LogAnnealingLR` is the seed tutorial's class exactly as written: despite its name it computes
cosine annealing. `log_decay` is the log(1/x) decay the tutorial meant (as configs/custom_log.yaml).
"""
import math

import numpy as np


def log_decay(t, max_lr=0.1, min_lr=0.001, T_max=100):
    """Vectorised: lr(t) = min_lr + (max_lr - min_lr) * log(T_max / (t + 1)) / log(T_max), held at min_lr."""
    t = np.asarray(t, dtype=np.float64)
    return np.maximum(min_lr, min_lr + (max_lr - min_lr) * np.log(T_max / (t + 1)) / math.log(T_max))


try:
    from torch.optim.lr_scheduler import _LRScheduler
except ImportError:  # torch is only needed for the class
    _LRScheduler = object


class LogAnnealingLR(_LRScheduler):
    def __init__(self, optimizer, T_max, eta_min=0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super(LogAnnealingLR, self).__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) *
                (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]
