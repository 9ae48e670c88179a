"""The boundaries lint's checks stand on, from the real PyTorch (skipped without torch; CI's
framework stage requires it): OneCycleLR raises on the step after total_steps, ReduceLROnPlateau
cuts first after patience + 2 steps, and a repeated MultiStepLR milestone decays twice."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app

torch = pytest.importorskip("torch")
runner = CliRunner()


def optimizer(lr=0.1):
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)


def checks(*args):
    result = runner.invoke(app, ["lint", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return {f["check"] for f in json.loads(result.stdout)}


@pytest.mark.parametrize("total", [10, 37])
def test_onecycle_raises_on_the_step_after_total_steps(total):
    opt = optimizer()
    scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=total)
    for _ in range(total):  # one step per update of a run of `total` updates: fine
        opt.step()
        scheduler.step()
    with pytest.raises(ValueError, match="Tried to step"):
        opt.step()
        scheduler.step()
    spec = f"torch:OneCycleLR(max_lr=0.1, total_steps={total})"
    assert "onecycle_overrun" not in checks(spec, "--steps", str(total))
    assert "onecycle_overrun" in checks(spec, "--steps", str(total + 1))


@pytest.mark.parametrize("patience", [0, 3, 10])
def test_plateau_cuts_first_after_patience_plus_two_steps(patience):
    opt = optimizer()
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=patience)
    rates = [opt.param_groups[0]["lr"]]
    for _ in range(patience + 4):
        scheduler.step(1.0)  # a metric that never improves
        rates.append(opt.param_groups[0]["lr"])
    first = next(t for t, lr in enumerate(rates) if lr < 0.1)
    assert first == patience + 2
    spec = f"torch:ReduceLROnPlateau(patience={patience})"
    # a run of first + 1 steps shows lr(first): a cut is possible; one step fewer, none is
    assert "plateau_patience" not in checks(spec, "--base-lr", "0.1", "--steps", str(first + 1))
    assert "plateau_patience" in checks(spec, "--base-lr", "0.1", "--steps", str(first))


def test_a_repeated_milestone_decays_twice_in_torch():
    opt = optimizer()
    scheduler = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 3], gamma=0.1)
    for _ in range(3):
        opt.step()
        scheduler.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.1 ** 2, rel=1e-12)
    assert "milestones" in checks("torch:MultiStepLR(milestones=[3, 3])", "--base-lr", "0.1", "--steps", "10")
