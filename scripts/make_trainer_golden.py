"""Regenerate tests/golden/trainers_golden.json: training configs evaluated by the real trainers.

Each case is a training config as a user has it (a ds_config.json's text, a Megatron launch
line, ...) and the values the real library computes for it; the test suite reads the same text
through lrsched_cli.trainers and compares. The config text is the only description of a case: this
script builds the real scheduler from it, so the two cannot drift apart.

Time model: ``values[t]``, t = 0..steps-1, is the rate used by update t + 1: the optimizer's lr
right after the scheduler is built, then after each of t scheduler steps, stepped as the trainer
steps it (DeepSpeed: ``scheduler.step()`` per update; Megatron: ``step(increment=G)`` per
iteration after the constructor's ``step(0)``).

Regenerating (into the framework environment, next to torch 2.13.0; ``--no-deps`` keeps pip
from replacing torch)::

    pip install --no-deps deepspeed==0.19.8 megatron-core==0.16.1 fvcore==0.1.5.post20221221
    pip install hjson py-cpuinfo msgpack einops pydantic psutil
    pip install --no-deps mmengine==0.10.7 addict==2.4.0 yapf==0.43.0 platformdirs==4.14.9 termcolor==3.3.0
    python scripts/make_trainer_golden.py

The output is deterministic: running it twice gives byte-identical JSON.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from types import SimpleNamespace

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "golden" / "trainers_golden.json"
VERSIONS = {"deepspeed": "0.19.8", "megatron-core": "0.16.1", "transformers": "5.24.0", "timm": "1.0.31",
            "torch": "2.13.0", "fvcore": "0.1.5.post20221221",
            "mmengine": "0.10.7"}


def _ds(scheduler: dict, lr: float | None = 3e-4, **top) -> str:
    config = {"train_micro_batch_size_per_gpu": 4, "gradient_accumulation_steps": 2, **top}
    if lr is not None:
        config["optimizer"] = {"type": "AdamW", "params": {"lr": lr}}
    config["scheduler"] = scheduler
    return json.dumps(config, indent=1)


def _sched(kind: str, **params) -> dict:
    return {"type": kind, "params": params}


#: (id, dialect, suffix of the file, text, steps). A flag dialect's text is what follows its prefix.
CASES = [
    ("ds_warmup_log", "deepspeed", ".json",
     _ds(_sched("WarmupLR", warmup_min_lr=1e-5, warmup_max_lr=1e-3, warmup_num_steps=50)), 120),
    ("ds_warmup_linear_group_lr", "deepspeed", ".json",
     _ds(_sched("WarmupLR", warmup_num_steps=40, warmup_type="linear")), 100),
    ("ds_warmup_one_step", "deepspeed", ".json", _ds(_sched("WarmupLR", warmup_num_steps=1)), 10),
    ("ds_warmup_decay_log", "deepspeed", ".json",
     _ds(_sched("WarmupDecayLR", total_num_steps=300, warmup_min_lr=0, warmup_max_lr=2e-4,
                warmup_num_steps=30)), 320),
    ("ds_warmup_decay_linear", "deepspeed", ".json",
     _ds(_sched("WarmupDecayLR", total_num_steps=200, warmup_num_steps=20, warmup_type="linear")), 210),
    ("ds_warmup_cosine", "deepspeed", ".json",
     _ds(_sched("WarmupCosineLR", total_num_steps=400, warmup_num_steps=40, warmup_min_ratio=0.1,
                cos_min_ratio=0.01, warmup_type="linear")), 420),
    ("ds_warmup_cosine_log", "deepspeed", ".json",
     _ds(_sched("WarmupCosineLR", total_num_steps=250, warmup_num_steps=25), lr=1e-3), 260),
    ("ds_one_cycle", "deepspeed", ".json",
     _ds(_sched("OneCycle", cycle_min_lr=1e-4, cycle_max_lr=1e-3, cycle_first_step_size=60,
                cycle_second_step_size=90, decay_lr_rate=0.5, decay_step_size=20, cycle_momentum=False)), 260),
    ("ds_one_cycle_stairs", "deepspeed", ".json",
     _ds(_sched("OneCycle", cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_first_step_size=50,
                cycle_first_stair_count=5, cycle_second_stair_count=4, cycle_momentum=False)), 160),
    ("ds_lr_range_test", "deepspeed", ".json",
     _ds(_sched("LRRangeTest", lr_range_test_min_lr=1e-4, lr_range_test_step_size=10,
                lr_range_test_step_rate=0.5)), 100),
    ("ds_lr_range_test_staircase", "deepspeed", ".json",
     _ds(_sched("LRRangeTest", lr_range_test_min_lr=1e-3, lr_range_test_step_size=7,
                lr_range_test_staircase=True)), 60),
    ("hf_cosine_ratio", "hf-args", ".json",
     json.dumps({"output_dir": "out", "learning_rate": 2e-5, "lr_scheduler_type": "cosine", "warmup_steps": 0.05,
                 "max_steps": 333, "per_device_train_batch_size": 16}), 340),
    ("hf_linear_steps", "hf-args", ".json",
     json.dumps({"learning_rate": 1e-4, "lr_scheduler_type": "linear", "warmup_steps": 30, "max_steps": 200}), 210),
    ("hf_min_lr_kwargs", "hf-args", ".yaml",
     "learning_rate: 3.0e-4\nlr_scheduler_type: cosine_with_min_lr\nlr_scheduler_kwargs:\n  min_lr_rate: 0.1\n"
     "warmup_steps: 0.1\nmax_steps: 150\ngradient_accumulation_steps: 4\n", 160),
    ("hf_4x_warmup_ratio", "hf-args", ".json",
     json.dumps({"learning_rate": 5e-5, "lr_scheduler_type": "polynomial", "warmup_ratio": 0.06, "warmup_steps": 0,
                 "max_steps": 250, "lr_scheduler_kwargs": {"power": 2.0, "lr_end": 1e-7}}), 260),
    ("hf_wsd", "hf-args", ".yaml",
     "learning_rate: 1e-3\nlr_scheduler_type: warmup_stable_decay\nwarmup_steps: 20\nmax_steps: 200\n"
     "lr_scheduler_kwargs: {num_decay_steps: 50, min_lr_ratio: 0.01}\n", 210),
    ("timm_cosine_lr_base", "timm-args", ".yaml",
     "sched: cosine\nepochs: 40\nlr: null\nlr_base: 0.1\nlr_base_size: 256\nlr_base_scale: ''\nopt: lamb\n"
     "batch_size: 64\ngrad_accum_steps: 2\nwarmup_epochs: 5\nwarmup_lr: 1e-6\nmin_lr: 1e-6\n"
     "warmup_prefix: false\ncooldown_epochs: 3\nlr_cycle_mul: 1.0\nlr_cycle_decay: 0.5\nlr_cycle_limit: 1\n"
     "lr_k_decay: 1.0\nsched_on_updates: false\n", 45),
    ("timm_cosine_cycles_prefix", "timm-args", ".yaml",
     "sched: cosine\nepochs: 20\nlr: 0.02\nwarmup_epochs: 3\nwarmup_lr: 0.0001\nmin_lr: 0.0002\n"
     "warmup_prefix: true\nlr_cycle_limit: 3\nlr_cycle_mul: 1.5\nlr_cycle_decay: 0.7\n", 90),
    ("timm_step", "timm-args", ".yaml",
     "sched: step\nepochs: 60\nlr: 0.1\ndecay_epochs: 2.4\ndecay_rate: 0.97\nwarmup_epochs: 3\n"
     "warmup_lr: 1.0e-6\n", 60),
    ("timm_multistep", "timm-args", ".yaml",
     "sched: multistep\nepochs: 50\nlr: 0.1\ndecay_milestones: [20, 35]\ndecay_rate: 0.2\nwarmup_epochs: 2\n"
     "warmup_lr: 1e-5\n", 50),
    ("timm_poly_tanh_free", "timm-args", ".yaml",
     "sched: poly\nepochs: 30\nlr: '5e-4'\ndecay_rate: 2.0\nmin_lr: '1e-6'\nwarmup_epochs: 4\nwarmup_lr: 0\n", 32),
    ("timm_tanh", "timm-args", ".yaml",
     "sched: tanh\nepochs: 25\nlr: 0.05\nmin_lr: 0.0005\nwarmup_epochs: 0\n", 26),
    ("timm_constant", "timm-args", ".yaml", "sched: constant\nepochs: 10\nlr: 0.01\nwarmup_epochs: 3\n", 12),
    ("tv_cosine_constant_warmup", "torchvision", "",
     "--lr 0.5 --lr-scheduler cosineannealinglr --lr-warmup-epochs 5 --epochs 60 --lr-min 1e-5", 65),
    ("tv_cosine_linear_warmup", "torchvision", "",
     "--lr 0.1 --lr-scheduler CosineAnnealingLR --lr-warmup-epochs 3 --lr-warmup-method linear "
     "--lr-warmup-decay 0.1 --epochs 40", 45),
    ("tv_steplr_default", "torchvision", "", "--lr 0.1 --lr-step-size 30 --lr-gamma 0.1 --epochs 90", 95),
    ("tv_exponential", "torchvision", "", "--lr 0.01 --lr-scheduler exponentiallr --lr-gamma 0.97 --epochs 50", 50),
    ("tv_detection_multistep", "torchvision", "",
     "--lr 0.02 --lr-scheduler multisteplr --lr-steps 16 22 --lr-gamma 0.1 --epochs 26", 30),
    ("tv_detection_cosine", "torchvision", "", "--lr 0.01 --lr-scheduler cosineannealinglr --lr-steps 8 11 "
     "--epochs 30", 32),
    ("d2_multistep", "detectron2", ".yaml",
     "SOLVER:\n  IMS_PER_BATCH: 16\n  BASE_LR: 0.02\n  STEPS: (600, 800)\n  MAX_ITER: 900\n  WARMUP_ITERS: 100\n",
     901),
    ("d2_cosine_end", "detectron2", ".yaml",
     "SOLVER:\n  LR_SCHEDULER_NAME: WarmupCosineLR\n  BASE_LR: '1e-3'\n  BASE_LR_END: 1.0e-5\n  MAX_ITER: 500\n"
     "  WARMUP_ITERS: 50\n  WARMUP_FACTOR: 0.01\n", 501),
    ("d2_cosine_rescaled_constant", "detectron2", ".yaml",
     "SOLVER:\n  LR_SCHEDULER_NAME: WarmupCosineLR\n  BASE_LR: 0.1\n  MAX_ITER: 300\n  WARMUP_ITERS: 30\n"
     "  WARMUP_METHOD: constant\n  RESCALE_INTERVAL: true\n", 301),
    ("d2_fixed_gamma", "detectron2", ".yaml",
     "SOLVER:\n  LR_SCHEDULER_NAME: WarmupStepWithFixedGammaLR\n  BASE_LR: 0.01\n  GAMMA: 0.5\n  NUM_DECAYS: 4\n"
     "  MAX_ITER: 250\n  WARMUP_ITERS: 0\n", 250),  # where = 1 indexes past fvcore's steps
    ("megatron_cosine_iters", "megatron", "",
     "--lr 6e-4 --min-lr 6e-5 --lr-decay-style cosine --lr-warmup-iters 20 --train-iters 300 "
     "--lr-decay-iters 250 --global-batch-size 512", 320),
    ("megatron_linear_fraction", "megatron", "",
     "--lr 3e-4 --lr-decay-style linear --lr-warmup-fraction 0.013 --train-iters 400 --global-batch-size 96", 410),
    ("megatron_constant_warmup", "megatron", "",
     "--lr 1e-4 --lr-decay-style constant --lr-warmup-iters 10 --lr-warmup-init 1e-6 --train-iters 50 "
     "--global-batch-size 8", 60),
    ("megatron_isr", "megatron", "",
     "--lr 1e-3 --min-lr 1e-5 --lr-decay-style inverse-square-root --lr-warmup-iters 16 --train-iters 200 "
     "--global-batch-size 32", 220),
    ("megatron_wsd_samples", "megatron", "",
     "--lr 2e-4 --min-lr 2e-5 --lr-decay-style WSD --lr-wsd-decay-style minus_sqrt --lr-warmup-samples 4096 "
     "--train-samples 65536 --lr-wsd-decay-samples 16384 --global-batch-size 256", 260),
    ("megatron_wsd_exponential_iters", "megatron", "",
     "--lr 1e-3 --lr-decay-style WSD --lr-warmup-iters 10 --train-iters 120 --lr-wsd-decay-iters 30 "
     "--global-batch-size 64", 130),
    ("megatron_wsd_cosine", "megatron", "",
     "--lr 1e-3 --min-lr 1e-4 --lr-decay-style WSD --lr-wsd-decay-style cosine --lr-warmup-iters 5 "
     "--train-iters 100 --lr-wsd-decay-iters 25 --global-batch-size 16", 110),
    ("megatron_wsd_linear", "megatron", "",
     "--lr 1e-3 --lr-decay-style WSD --lr-wsd-decay-style linear --train-iters 80 --lr-wsd-decay-iters 20 "
     "--global-batch-size 16", 90),
]


# -- the real trainers -------------------------------------------------------------------------

def _stepped(optimizer, step, steps: int) -> list[float]:
    """The optimizer's lr now, then after each of steps - 1 calls of step(t), t = 1, 2, ..."""
    values = [float(optimizer.param_groups[0]["lr"])]
    for t in range(1, steps):
        step(t)
        values.append(float(optimizer.param_groups[0]["lr"]))
    return values


def _torch_step(optimizer, scheduler):
    """An optimizer step before each scheduler step, as torch wants them."""
    def step(t: int) -> None:
        optimizer.step()
        scheduler.step()
    return step


def _torch_optimizer(lr: float):
    import torch

    return torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def run_deepspeed(text: str, steps: int) -> list[float]:
    """deepspeed.runtime.lr_schedules.<type>(optimizer, **params), stepped once per update."""
    from deepspeed.runtime import lr_schedules

    config = json.loads(text)
    lr = config.get("optimizer", {}).get("params", {}).get("lr", 1e-3)
    optimizer = _torch_optimizer(lr)
    scheduler = getattr(lr_schedules, config["scheduler"]["type"])(optimizer, **config["scheduler"]["params"])
    return _stepped(optimizer, lambda t: scheduler.step(), steps)


def _megatron_args(text: str) -> dict:
    words, args = shlex.split(text), {}
    for i, word in enumerate(words):
        if word.startswith("--"):
            args[word[2:].replace("-", "_")] = words[i + 1]
    return args


def run_megatron(text: str, steps: int) -> list[float]:
    """get_optimizer_param_scheduler of megatron/training/training.py, then step(G) per iteration."""
    from megatron.core.optimizer_param_scheduler import OptimizerParamScheduler

    a = _megatron_args(text)
    batch = int(a["global_batch_size"])
    fraction = float(a["lr_warmup_fraction"]) if "lr_warmup_fraction" in a else None
    if "train_iters" in a:
        decay = int(a.get("lr_decay_iters", a["train_iters"])) * batch
        wsd = int(a["lr_wsd_decay_iters"]) * batch if "lr_wsd_decay_iters" in a else None
        warmup = fraction * decay if fraction is not None else int(a.get("lr_warmup_iters", 0)) * batch
    else:
        decay = int(a.get("lr_decay_samples", a["train_samples"]))
        wsd = int(a["lr_wsd_decay_samples"]) if "lr_wsd_decay_samples" in a else None
        warmup = fraction * decay if fraction is not None else int(a.get("lr_warmup_samples", 0))
    optimizer = SimpleNamespace(param_groups=[{}])
    scheduler = OptimizerParamScheduler(
        optimizer, init_lr=float(a.get("lr_warmup_init", 0.0)), max_lr=float(a["lr"]),
        min_lr=float(a.get("min_lr", 0.0)), lr_warmup_steps=warmup, lr_decay_steps=decay,
        lr_decay_style=a.get("lr_decay_style", "linear"), start_wd=0.0, end_wd=0.0, wd_incr_steps=decay,
        wd_incr_style="constant", wsd_decay_steps=wsd, lr_wsd_decay_style=a.get("lr_wsd_decay_style", "exponential"))
    return _stepped(optimizer, lambda t: scheduler.step(increment=batch), steps)


def run_hf_args(text: str, steps: int) -> list[float]:
    """transformers' get_scheduler with TrainingArguments.get_warmup_steps (5.x; warmup_ratio as 4.x read it)."""
    import math

    import yaml
    from transformers import TrainingArguments, get_scheduler

    # JSON as json reads it; PyYAML would read 1e-07 as a string (the YAML cases write floats with a dot)
    data = json.loads(text) if text.startswith("{") else yaml.safe_load(text)
    total = data["max_steps"]
    if "warmup_ratio" in data:  # transformers 4.x TrainingArguments.get_warmup_steps
        warmup = data["warmup_steps"] if data["warmup_steps"] > 0 else math.ceil(total * data["warmup_ratio"])
    else:
        warmup = TrainingArguments.get_warmup_steps(SimpleNamespace(warmup_steps=data.get("warmup_steps", 0)), total)
    optimizer = _torch_optimizer(float(data["learning_rate"]))
    scheduler = get_scheduler(data["lr_scheduler_type"], optimizer, num_warmup_steps=warmup, num_training_steps=total,
                              scheduler_specific_kwargs=data.get("lr_scheduler_kwargs") or {})
    return _stepped(optimizer, _torch_step(optimizer, scheduler), steps)


def run_torchvision(text: str, steps: int) -> list[float]:
    """references/classification/train.py (and detection's, with --lr-steps), with torch's own classes."""
    import torch
    from torch.optim import lr_scheduler as s

    words = shlex.split(text)
    a = {w[2:].replace("-", "_"): words[i + 1] for i, w in enumerate(words) if w.startswith("--")}
    detection = "lr_steps" in a or a.get("lr_scheduler", "").lower() == "multisteplr"
    epochs, warmup = int(a["epochs"]), int(a.get("lr_warmup_epochs", 0))
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=float(a["lr"]), momentum=0.9)
    name, gamma = a.get("lr_scheduler", "steplr").lower(), float(a.get("lr_gamma", 0.1))
    if name == "steplr":
        main = s.StepLR(optimizer, step_size=int(a.get("lr_step_size", 30)), gamma=gamma)
    elif name == "exponentiallr":
        main = s.ExponentialLR(optimizer, gamma=gamma)
    elif name == "multisteplr":
        main = s.MultiStepLR(optimizer, milestones=[int(w) for w in words[words.index("--lr-steps") + 1:][:2]],
                             gamma=gamma)
    elif detection:
        main = s.CosineAnnealingLR(optimizer, T_max=epochs)
    else:
        main = s.CosineAnnealingLR(optimizer, T_max=epochs - warmup, eta_min=float(a.get("lr_min", 0.0)))
    scheduler = main
    if warmup > 0:
        decay = float(a.get("lr_warmup_decay", 0.01))
        if a.get("lr_warmup_method", "constant") == "linear":
            first = s.LinearLR(optimizer, start_factor=decay, total_iters=warmup)
        else:
            first = s.ConstantLR(optimizer, factor=decay, total_iters=warmup)
        scheduler = s.SequentialLR(optimizer, schedulers=[first, main], milestones=[warmup])
    return _stepped(optimizer, _torch_step(optimizer, scheduler), steps)


D2_DEFAULTS = {"LR_SCHEDULER_NAME": "WarmupMultiStepLR", "MAX_ITER": 40000, "BASE_LR": 0.001, "BASE_LR_END": 0.0,
               "GAMMA": 0.1, "STEPS": (30000,), "NUM_DECAYS": 3, "WARMUP_FACTOR": 1.0 / 1000, "WARMUP_ITERS": 1000,
               "WARMUP_METHOD": "linear", "RESCALE_INTERVAL": False}


def run_detectron2(text: str, steps: int) -> list[float]:
    """detectron2's build_lr_scheduler (solver/build.py) composed from fvcore's real param schedulers.

    detectron2 itself does not install here (it compiles C++ extensions): its two small classes are
    written out from detectron2/solver/lr_scheduler.py: WarmupParamScheduler is a fvcore
    CompositeParamScheduler of [warmup, main] with lengths [L, 1 - L] (warmup rescaled; main fixed,
    or rescaled with RESCALE_INTERVAL), warmup from WARMUP_FACTOR x main(0) (constant) or linearly to
    main(L); LRMultiplier sets base_lr x multiplier(last_epoch / max_iter), here a torch LambdaLR.
    """
    import ast

    import torch
    import yaml
    from fvcore.common import param_scheduler as p

    given = yaml.safe_load(text)["SOLVER"]
    words = ("LR_SCHEDULER_NAME", "WARMUP_METHOD")  # yacs literal-evals the other strings
    solver = {**D2_DEFAULTS, **{k: ast.literal_eval(v) if isinstance(v, str) and k not in words else v
                                for k, v in given.items()}}
    name, total = solver["LR_SCHEDULER_NAME"], solver["MAX_ITER"]
    if name == "WarmupMultiStepLR":
        milestones = [x for x in solver["STEPS"] if x <= total]
        main = p.MultiStepParamScheduler(values=[solver["GAMMA"] ** k for k in range(len(milestones) + 1)],
                                         milestones=milestones, num_updates=total)
    elif name == "WarmupCosineLR":
        main = p.CosineParamScheduler(1, solver["BASE_LR_END"] / solver["BASE_LR"])
    else:
        main = p.StepWithFixedGammaParamScheduler(base_value=1.0, gamma=solver["GAMMA"],
                                                  num_decays=solver["NUM_DECAYS"], num_updates=total)
    length = min(solver["WARMUP_ITERS"] / total, 1.0)
    start = solver["WARMUP_FACTOR"] * main(0.0)
    warmup = (p.ConstantParamScheduler(start) if solver["WARMUP_METHOD"] == "constant"
              else p.LinearParamScheduler(start, main(length)))
    multiplier = p.CompositeParamScheduler(
        [warmup, main], interval_scaling=["rescaled", "rescaled" if solver["RESCALE_INTERVAL"] else "fixed"],
        lengths=[length, 1 - length])
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=float(solver["BASE_LR"]), momentum=0.9)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: multiplier(it / total))
    return _stepped(optimizer, _torch_step(optimizer, scheduler), steps)


def _load_timm_scheduler():
    """timm.scheduler without timm/__init__ (it needs torchvision), as make_framework_golden.py loads it."""
    import importlib.util

    if "timm.scheduler" in sys.modules:
        return sys.modules["timm.scheduler"]
    spec = importlib.util.spec_from_file_location("make_framework_golden", Path(__file__).parent /
                                                  "make_framework_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_timm_scheduler()


#: timm train.py's argparse types for the keys the timm-args cases use (its defaults for the rest).
TIMM_TYPES = {"epochs": int, "lr_base_size": int, "batch_size": int, "grad_accum_steps": int, "warmup_epochs": int,
              "cooldown_epochs": int, "lr_cycle_limit": int, "lr": float, "lr_base": float, "warmup_lr": float,
              "min_lr": float, "decay_epochs": float, "decay_rate": float, "lr_cycle_mul": float,
              "lr_cycle_decay": float, "lr_k_decay": float}
TIMM_DEFAULTS = {"sched": "cosine", "epochs": 300, "lr": None, "lr_base": 0.1, "lr_base_size": 256,
                 "lr_base_scale": "", "opt": "sgd", "batch_size": 128, "grad_accum_steps": 1, "warmup_epochs": 5,
                 "warmup_lr": 1e-5, "min_lr": 0.0, "decay_epochs": 90.0, "decay_milestones": [90, 180, 270],
                 "decay_rate": 0.1, "cooldown_epochs": 0, "patience_epochs": 10, "sched_on_updates": False,
                 "warmup_prefix": False, "lr_cycle_mul": 1.0, "lr_cycle_decay": 0.5, "lr_cycle_limit": 1,
                 "lr_k_decay": 1.0, "lr_noise": None, "world_size": 1}


def run_timm_args(text: str, steps: int) -> list[float]:
    """train.py: lr from lr_base when unset, create_scheduler_v2(**scheduler_kwargs(args)), step(epoch + 1)."""
    import yaml

    sched = _load_timm_scheduler()
    from timm.scheduler.scheduler_factory import create_scheduler_v2, scheduler_kwargs

    given = yaml.safe_load(text)
    args = SimpleNamespace(**{**TIMM_DEFAULTS, **{k: (TIMM_TYPES[k](v) if k in TIMM_TYPES and v is not None else v)
                                                  for k, v in given.items()}})
    if args.lr is None:  # train.py's lr_base scaling
        ratio = args.batch_size * args.world_size * args.grad_accum_steps / args.lr_base_size
        if not args.lr_base_scale:
            args.lr_base_scale = "sqrt" if any(o in args.opt.lower() for o in ("ada", "lamb")) else "linear"
        if args.lr_base_scale == "sqrt":
            ratio = ratio ** 0.5
        args.lr = args.lr_base * ratio
    optimizer = _torch_optimizer(args.lr)
    scheduler, _ = create_scheduler_v2(optimizer, **scheduler_kwargs(args), updates_per_epoch=0)
    assert sched is not None
    return _stepped(optimizer, scheduler.step, steps)  # train.py: step(epoch + 1) after each epoch


# -- mmengine: configs of one or more files, driven as mmengine's runner drives its schedulers ----------

def _mm(schedulers: str, loop: str = "dict(type='EpochBasedTrainLoop', max_epochs=12)", lr: float = 0.02) -> str:
    return (f"optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr={lr!r}, momentum=0.9))\n"
            f"param_scheduler = {schedulers}\ntrain_cfg = {loop}\ntrain_dataloader = dict(batch_size=2)\n")


ITERS = "dict(type='IterBasedTrainLoop', max_iters={})"
_DET_SCHEDULE = ("param_scheduler = [\n"
                 "    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),\n"
                 "    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),\n]\n"
                 "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)\n"
                 "optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9, "
                 "weight_decay=0.0001))\n")
#: (id, {file: text} (the first is the config), iterations per epoch or None (every scheduler per epoch), steps)
MMENGINE_CASES = [
    ("mm_det_base_warmup_multistep", {
        "faster_rcnn.py": "_base_ = ['./schedule_1x.py']\nbase_lr = 0.01 * 2\n"
                          "optim_wrapper = dict(optimizer=dict(lr=base_lr))\ntrain_dataloader = dict(batch_size=2)\n",
        "schedule_1x.py": _DET_SCHEDULE}, 40, 480),
    ("mm_det_base_delete", {
        "retinanet.py": "_base_ = './schedule_1x.py'\nparam_scheduler = [dict(type='ConstantLR', factor=0.25, "
                        "by_epoch=False, end=30), dict(type='StepLR', step_size=4, gamma=0.5)]\n"
                        "optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=0.0004))\n",
        "schedule_1x.py": _DET_SCHEDULE}, 25, 300),
    ("mm_cls_cosine_convert", {"resnet.py": _mm(
        "[dict(type='LinearLR', start_factor=0.001, by_epoch=True, begin=0, end=5, convert_to_iter_based=True), "
        "dict(type='CosineAnnealingLR', T_max=95, eta_min=1e-05, by_epoch=True, begin=5, end=100, "
        "convert_to_iter_based=True)]", "dict(by_epoch=True, max_epochs=100)", 0.1)}, 7, 700),
    ("mm_cosine_eta_min_ratio", {"vit.py": _mm(
        "[dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=40), "
        "dict(type='CosineAnnealingLR', eta_min_ratio=0.01, by_epoch=True, begin=2, convert_to_iter_based=True)]",
        "dict(type='EpochBasedTrainLoop', max_epochs=30)", 5e-4)}, 20, 600),
    ("mm_warmup_cosine_overlap_to_zero", {"overlap.py": _mm(
        "[dict(type='LinearLR', start_factor=0.1, by_epoch=False, end=30), "
        "dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=200)]", ITERS.format(200))}, None, 200),
    ("mm_epochs_only", {"epochs.py": _mm(
        "[dict(type='LinearLR', start_factor=0.25, end=4), dict(type='MultiStepLR', milestones=[10, 15, 15], "
        "gamma=0.3)]", "dict(type='EpochBasedTrainLoop', max_epochs=20)")}, None, 20),
    ("mm_constant_step_mixed_clocks", {"mixed.py": _mm(
        "[dict(type='ConstantLR', factor=0.5, by_epoch=False, begin=3, end=17), "
        "dict(type='StepLR', step_size=2, gamma=0.7, begin=1, end=9)]")}, 6, 72),
    ("mm_exponential_offsets", {"offsets.py": _mm(
        "[dict(type='LinearLR', start_factor=0.2, end_factor=0.9, by_epoch=False, begin=2, end=8), "
        "dict(type='ExponentialLR', gamma=0.95, by_epoch=False, begin=10, end=60)]", ITERS.format(80))}, None, 80),
    ("mm_poly_to_floor", {"poly.py": _mm(
        "[dict(type='LinearLR', start_factor=0.01, by_epoch=False, end=10), "
        "dict(type='PolyLR', eta_min=1e-4, power=0.9, by_epoch=False, begin=10)]", ITERS.format(120))}, None, 120),
    ("mm_poly_to_zero_param_scheduler_spelling", {"poly0.py": _mm(
        "dict(type='PolyParamScheduler', param_name='lr', power=2.0, by_epoch=False, begin=0, end=90)",
        ITERS.format(100))}, None, 100),
    ("mm_onecycle", {"onecycle.py": _mm(
        "dict(type='OneCycleLR', eta_max=0.1, total_steps=60, pct_start=0.25, by_epoch=False)",
        ITERS.format(60))}, None, 60),
    ("mm_onecycle_three_phase_linear", {"onecycle3.py": _mm(
        "dict(type='OneCycleLR', eta_max=0.05, pct_start=0.3, anneal_strategy='linear', three_phase=True, "
        "div_factor=10, final_div_factor=100, by_epoch=False)", ITERS.format(50))}, None, 50),
    ("mm_cosine_restart", {"restart.py": _mm(
        "dict(type='CosineRestartLR', periods=[10, 20, 30], restart_weights=[1, 0.5, 0.25], eta_min=1e-5, "
        "by_epoch=False)", ITERS.format(70))}, None, 70),
    ("mm_cosine_restart_ratio_epochs", {"restart_ep.py": _mm(
        "dict(type='CosineRestartLR', periods=[5, 5], restart_weights=[1, 0.8], eta_min_ratio=0.05)",
        "dict(type='EpochBasedTrainLoop', max_epochs=14)")}, None, 14),
    ("mm_cosine_past_t_max", {"sgdr.py": _mm(
        "dict(type='CosineAnnealingLR', T_max=15, eta_min=0.001, by_epoch=False, end=80)", ITERS.format(90))},
     None, 90),
    ("mm_yaml_config", {"config.yaml": "optim_wrapper:\n  optimizer: {type: SGD, lr: 0.1}\n"
                        "param_scheduler:\n- {type: LinearLR, start_factor: 0.1, by_epoch: false, end: 20}\n"
                        "- {type: CosineAnnealingLR, by_epoch: true, T_max: 10, begin: 0, end: 10, "
                        "convert_to_iter_based: true}\n"
                        "train_cfg: {type: EpochBasedTrainLoop, max_epochs: 10}\n"}, 9, 90),
]


def run_mmengine(files: dict[str, str], per_epoch: int | None, steps: int) -> list[float]:
    """mmengine's Config.fromfile (its own _base_ merge), then the runner's build_param_scheduler (the default
    end from train_cfg, epoch_length = len(train_dataloader)) and ParamSchedulerHook: every scheduler with
    by_epoch=False steps after each iteration, the others after each epoch, in the config's order.
    `per_epoch` None: every scheduler steps per epoch, and a step is an epoch."""
    import tempfile

    import torch
    from mmengine.config import Config
    import mmengine.optim.scheduler  # noqa: F401  (registers the schedulers)
    from mmengine.registry import PARAM_SCHEDULERS

    with tempfile.TemporaryDirectory() as folder:
        for name, text in files.items():
            (Path(folder) / name).write_text(text)
        cfg = Config.fromfile(str(Path(folder) / next(iter(files)))).to_dict()
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=cfg["optim_wrapper"]["optimizer"]["lr"])
    train = cfg["train_cfg"]
    by_epoch_loop = train.get("type", "EpochBasedTrainLoop" if train.get("by_epoch", True) else "") \
        == "EpochBasedTrainLoop"
    max_epochs = train.get("max_epochs") if by_epoch_loop else 1
    max_iters = max_epochs * (per_epoch or 0) if by_epoch_loop else train["max_iters"]
    items = cfg["param_scheduler"] if isinstance(cfg["param_scheduler"], list) else [cfg["param_scheduler"]]
    schedulers = []
    for item in items:
        item = dict(item)
        item.setdefault("end", max_epochs if item.get("by_epoch", True) else max_iters)
        schedulers.append(PARAM_SCHEDULERS.build(item, default_args=dict(optimizer=optimizer,
                                                                         epoch_length=per_epoch)))
    values = []
    for t in range(steps):
        values.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        for scheduler in schedulers:
            if not scheduler.by_epoch:
                scheduler.step()
        if per_epoch is None or (t + 1) % per_epoch == 0:
            for scheduler in schedulers:
                if scheduler.by_epoch:
                    scheduler.step()
    return values


def mmengine_cases() -> list[dict]:
    return [{"id": case_id, "files": files, "per_epoch": per_epoch, "steps": steps,
             "values": run_mmengine(files, per_epoch, steps)} for case_id, files, per_epoch, steps in MMENGINE_CASES]


RUNNERS = {"deepspeed": run_deepspeed, "megatron": run_megatron, "hf-args": run_hf_args, "timm-args": run_timm_args,
           "torchvision": run_torchvision, "detectron2": run_detectron2}


def real_values(dialect: str, text: str, steps: int) -> list[float]:
    return RUNNERS[dialect](text, steps)


# -- runs that need the geometry (--dataset-size, --world-size, --steps-per-epoch) -------------------

#: (id, dialect, suffix, text, steps, overrides): the overrides are the command line's run settings
#: (Megatron's batch ramp-up needs none, but is a run of changing batch sizes too).
GEOMETRY_CASES = [
    ("hf_epochs_dataset", "hf-args", ".json",
     json.dumps({"learning_rate": 2e-5, "lr_scheduler_type": "cosine", "warmup_steps": 0.1, "num_train_epochs": 2.5,
                 "max_steps": -1, "per_device_train_batch_size": 7, "gradient_accumulation_steps": 5}), 30,
     {"dataset_size": 1000, "world_size": 3}),
    ("hf_epochs_default_linear", "hf-args", ".json",
     json.dumps({"learning_rate": 5e-5, "warmup_steps": 10, "per_device_train_batch_size": 4,
                 "gradient_accumulation_steps": 8, "output_dir": "out"}), 40, {"dataset_size": 1040, "world_size": 4}),
    ("hf_epochs_drop_last", "hf-args", ".json",
     json.dumps({"learning_rate": 1e-4, "lr_scheduler_type": "linear", "num_train_epochs": 0.3, "max_steps": -1,
                 "per_device_train_batch_size": 7, "gradient_accumulation_steps": 5, "dataloader_drop_last": True}),
     12, {"dataset_size": 1000, "world_size": 3}),
    ("timm_on_updates_cosine", "timm-args", ".yaml",
     "sched: cosine\nepochs: 6\nlr: 0.1\nwarmup_epochs: 2\nwarmup_lr: 1.0e-4\nmin_lr: 1.0e-5\n"
     "sched_on_updates: true\nbatch_size: 32\ngrad_accum_steps: 2\ncooldown_epochs: 1\n", 120,
     {"dataset_size": 1000, "world_size": 2}),
    ("timm_on_updates_step_prefix", "timm-args", ".yaml",
     "sched: step\nepochs: 8\nlr: 0.05\ndecay_epochs: 2.5\ndecay_rate: 0.5\nwarmup_epochs: 1\n"
     "warmup_prefix: true\nsched_on_updates: true\n", 100, {"steps_per_epoch": 11}),
    ("timm_on_updates_multistep", "timm-args", ".yaml",
     "sched: multistep\nepochs: 5\nlr: 0.1\ndecay_milestones: [2, 4]\nwarmup_epochs: 1\nsched_on_updates: true\n"
     "batch_size: 8\n", 70, {"dataset_size": 101}),
    ("tv_segmentation_warmup", "torchvision", "",
     "--lr 0.02 --lr-scheduler polynomial --epochs 5 --lr-warmup-epochs 1 --batch-size 4", 130,
     {"dataset_size": 101, "world_size": 2}),
    ("megatron_rampup_cosine", "megatron", "",
     "--lr 6e-4 --min-lr 6e-5 --lr-decay-style cosine --lr-warmup-samples 400 --train-samples 5000 "
     "--global-batch-size 64 --rampup-batch-size 16 16 1000", 110, {}),
    ("megatron_rampup_wsd", "megatron", "",
     "--lr 3e-4 --lr-decay-style WSD --lr-wsd-decay-style linear --lr-wsd-decay-samples 1500 "
     "--lr-warmup-samples 100 --train-samples 9000 --global-batch-size 96 --rampup-batch-size 24 8 2000", 105, {}),
    ("tv_segmentation_constant_warmup", "torchvision", "",
     "--lr 0.01 --lr-scheduler polynomial --epochs 4 --lr-warmup-epochs 2 --lr-warmup-method constant", 60,
     {"dataset_size": 100}),
]


def _sharded_batches(samples: int, batch: int, devices: int, drop_last: bool) -> int:
    """len(DataLoader) on one of `devices` processes: DistributedSampler pads each to ceil(N / G) samples."""
    import torch

    sampler = torch.utils.data.DistributedSampler(range(samples), num_replicas=devices, rank=0, shuffle=False)
    return len(torch.utils.data.DataLoader(range(samples), batch_size=batch, sampler=sampler, drop_last=drop_last))


def _hf_max_steps(data: dict, o: dict) -> int:
    """The Trainer's own set_initial_training_values over a dataloader as Accelerate shards it."""
    import torch
    from accelerate.data_loader import BatchSamplerShard
    from transformers import Trainer

    batch, accum = data.get("per_device_train_batch_size", 8), data.get("gradient_accumulation_steps", 1)
    sampler = torch.utils.data.BatchSampler(range(o["dataset_size"]), batch, data.get("dataloader_drop_last", False))
    shard = BatchSamplerShard(sampler, num_processes=o.get("world_size", 1), process_index=0, even_batches=True)
    length = len(shard)
    loader = type("Loader", (), {"__len__": lambda self: length})()
    args = SimpleNamespace(max_steps=data.get("max_steps", -1), num_train_epochs=data.get("num_train_epochs", 3.0),
                           gradient_accumulation_steps=accum)
    fake = SimpleNamespace(get_total_train_batch_size=lambda a: batch * o.get("world_size", 1) * accum,
                           get_sp_size=lambda: 1, num_examples=lambda loader: o["dataset_size"])
    return Trainer.set_initial_training_values(fake, args, loader)[-1]


def _timm_on_updates(text: str, steps: int, o: dict) -> list[float]:
    """train.py with sched_on_updates: create_scheduler_v2(step_on_epochs=False, updates_per_epoch=U),
    then step_update(num_updates) after each update (step(epoch) does nothing when t_in_epochs is False)."""
    import yaml

    _load_timm_scheduler()
    from timm.scheduler.scheduler_factory import create_scheduler_v2, scheduler_kwargs

    given = yaml.safe_load(text)
    args = SimpleNamespace(**{**TIMM_DEFAULTS, **given})
    per_epoch = o.get("steps_per_epoch")
    if per_epoch is None:  # train.py: ceil(len(loader_train) / grad_accum_steps), its loader drops the last batch
        batches = _sharded_batches(o["dataset_size"], args.batch_size, o.get("world_size", 1), True)
        per_epoch = (batches + args.grad_accum_steps - 1) // args.grad_accum_steps
    optimizer = _torch_optimizer(args.lr)
    scheduler, _ = create_scheduler_v2(optimizer, **scheduler_kwargs(args), updates_per_epoch=per_epoch)
    return _stepped(optimizer, lambda t: scheduler.step_update(num_updates=t), steps)


def _torchvision_segmentation(text: str, steps: int, o: dict) -> list[float]:
    """references/segmentation/train.py: PolynomialLR(total_iters=iters x (epochs - warmup), power=0.9)
    behind a per-iteration LinearLR/ConstantLR warmup, stepped per iteration; iters = len(data_loader)."""
    import torch
    from torch.optim import lr_scheduler as s

    words = shlex.split(text)
    a = {w[2:].replace("-", "_"): words[i + 1] for i, w in enumerate(words) if w.startswith("--")}
    epochs, warmup = int(a["epochs"]), int(a.get("lr_warmup_epochs", 0))
    iters = _sharded_batches(o["dataset_size"], int(a.get("batch_size", 8)), o.get("world_size", 1), True)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=float(a["lr"]), momentum=0.9)
    scheduler = main = s.PolynomialLR(optimizer, total_iters=iters * (epochs - warmup), power=0.9)
    if warmup > 0:
        decay = float(a.get("lr_warmup_decay", 0.01))
        if a.get("lr_warmup_method", "linear") == "linear":
            first = s.LinearLR(optimizer, start_factor=decay, total_iters=iters * warmup)
        else:
            first = s.ConstantLR(optimizer, factor=decay, total_iters=iters * warmup)
        scheduler = s.SequentialLR(optimizer, schedulers=[first, main], milestones=[iters * warmup])
    return _stepped(optimizer, _torch_step(optimizer, scheduler), steps)


def _megatron_calculator(a: dict):
    from megatron.core.num_microbatches_calculator import RampupBatchsizeNumMicroBatchesCalculator

    start, step, samples = (int(v) for v in a["rampup_batch_size"])
    return RampupBatchsizeNumMicroBatchesCalculator(int(a["global_batch_size"]), 1, 1, False, 0, start, step, samples)


def megatron_train_iters(text: str) -> int:
    """training.py's update_train_iters for a sample-based run with a batch ramp-up."""
    a = _megatron_rampup_args(text)
    calculator, consumed, iterations = _megatron_calculator(a), 0, 0
    while consumed <= int(a["rampup_batch_size"][2]):
        calculator.update(consumed, consistency_check=False)
        consumed += calculator.get_current_global_batch_size()
        iterations += 1
    return iterations + (int(a["train_samples"]) - consumed) // int(a["global_batch_size"])


def _megatron_rampup_args(text: str) -> dict:
    a = _megatron_args(text)
    words = shlex.split(text)
    at = words.index("--rampup-batch-size")
    a["rampup_batch_size"] = words[at + 1:at + 4]
    return a


def _megatron_rampup(text: str, steps: int) -> list[float]:
    """training.py with --rampup-batch-size: each iteration updates the calculator with the samples
    consumed so far, then steps the scheduler by num_microbatches x micro batch x data-parallel size."""
    from megatron.core.optimizer_param_scheduler import OptimizerParamScheduler

    a = _megatron_rampup_args(text)
    decay = int(a.get("lr_decay_samples", a["train_samples"]))
    wsd = int(a["lr_wsd_decay_samples"]) if "lr_wsd_decay_samples" in a else None
    optimizer = SimpleNamespace(param_groups=[{}])
    scheduler = OptimizerParamScheduler(
        optimizer, init_lr=float(a.get("lr_warmup_init", 0.0)), max_lr=float(a["lr"]),
        min_lr=float(a.get("min_lr", 0.0)), lr_warmup_steps=int(a.get("lr_warmup_samples", 0)), lr_decay_steps=decay,
        lr_decay_style=a.get("lr_decay_style", "linear"), start_wd=0.0, end_wd=0.0, wd_incr_steps=decay,
        wd_incr_style="constant", wsd_decay_steps=wsd, lr_wsd_decay_style=a.get("lr_wsd_decay_style", "exponential"))
    calculator, consumed = _megatron_calculator(a), [0]

    def step(t: int) -> None:
        calculator.update(consumed[0], consistency_check=True)
        increment = calculator.get()  # micro batch 1, data-parallel size 1: the current global batch
        scheduler.step(increment=increment)
        consumed[0] += increment
    return _stepped(optimizer, step, steps)


def geometry_values(dialect: str, text: str, steps: int, overrides: dict) -> list[float]:
    if dialect == "hf-args":
        data = {"learning_rate": 5e-5, "lr_scheduler_type": "linear", **json.loads(text)}  # TrainingArguments' defaults
        return run_hf_args(json.dumps({**data, "max_steps": _hf_max_steps(data, overrides)}), steps)
    if dialect == "timm-args":
        return _timm_on_updates(text, steps, overrides)
    if dialect == "megatron":
        return _megatron_rampup(text, steps)
    return _torchvision_segmentation(text, steps, overrides)


def geometry_cases() -> list[dict]:
    return [{"id": case_id, "dialect": dialect, "suffix": suffix, "text": text, "steps": steps,
             "overrides": overrides, "values": geometry_values(dialect, text, steps, overrides)}
            for case_id, dialect, suffix, text, steps, overrides in GEOMETRY_CASES]


# -- DeepSpeed OneCycle's momentum cycle (the beta1 it sets beside the LR) -------------------------

#: (id, text, steps): OneCycle with cycle_momentum, on an optimizer with betas (AdamW).
MOMENTUM_CASES = [
    ("ds_onecycle_momentum", _ds(_sched("OneCycle", cycle_min_lr=1e-4, cycle_max_lr=1e-3, cycle_first_step_size=40,
                                        cycle_second_step_size=60, cycle_min_mom=0.85, cycle_max_mom=0.99)), 130),
    ("ds_onecycle_momentum_decay", _ds(_sched("OneCycle", cycle_min_lr=0.01, cycle_max_lr=0.1,
                                              cycle_first_step_size=30, decay_lr_rate=0.2, decay_step_size=10,
                                              decay_mom_rate=0.01)), 100),
    ("ds_onecycle_momentum_stairs", _ds(_sched("OneCycle", cycle_min_lr=0.01, cycle_max_lr=0.1,
                                               cycle_first_step_size=50, cycle_first_stair_count=5,
                                               cycle_second_stair_count=4)), 110),
]


def run_deepspeed_series(text: str, steps: int) -> dict[str, list[float]]:
    """The lr and betas[0] of the optimizer after construction and after each scheduler.step()."""
    from deepspeed.runtime import lr_schedules

    config = json.loads(text)
    optimizer = _torch_optimizer(config["optimizer"]["params"]["lr"])
    scheduler = getattr(lr_schedules, config["scheduler"]["type"])(optimizer, **config["scheduler"]["params"])
    series = {"lr": [], "beta1": []}
    for t in range(steps):
        if t:
            scheduler.step()
        series["lr"].append(float(optimizer.param_groups[0]["lr"]))
        series["beta1"].append(float(optimizer.param_groups[0]["betas"][0]))
    return series


def momentum_cases() -> list[dict]:
    cases = []
    for case_id, text, steps in MOMENTUM_CASES:
        series = run_deepspeed_series(text, steps)
        cases.append({"id": case_id, "dialect": "deepspeed", "suffix": ".json", "text": text, "steps": steps,
                      "values": series.pop("lr"), "series": series})
    return cases


def _check_versions() -> None:
    from importlib.metadata import version

    for name, wanted in VERSIONS.items():
        if version(name).split("+")[0] != wanted:
            sys.exit(f"{name} {version(name)} is installed; this fixture is made with {wanted}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=FIXTURE)
    options = parser.parse_args()
    _check_versions()
    cases = [{"id": case_id, "dialect": dialect, "suffix": suffix, "text": text, "steps": steps,
              "values": real_values(dialect, text, steps)}
             for case_id, dialect, suffix, text, steps in CASES]
    cases += geometry_cases()
    cases += momentum_cases()
    document = {"versions": VERSIONS, "cases": sorted(cases, key=lambda c: c["id"]), "mmengine": mmengine_cases()}
    options.output.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {options.output}")


if __name__ == "__main__":
    main()
