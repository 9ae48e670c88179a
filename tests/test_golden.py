"""Parity with the real libraries: values produced by torch 2.13 (scripts/make_golden.py)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lrsched_cli.core.engine import evaluate_mapping

FIXTURE = Path(__file__).parent / "golden" / "torch_golden.json"
CASES = json.loads(FIXTURE.read_text())["cases"]


def test_fixture_covers_every_kind_torch_or_hugging_face_has():
    kinds = {case["spec"]["kind"] for case in CASES}
    assert kinds >= {"constant", "step", "multistep", "exponential", "linear", "polynomial", "cosine",
                     "cosine_restarts", "cyclic", "onecycle", "plateau", "inverse_sqrt", "wsd", "sequence",
                     "expr"}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_matches_the_library_to_floating_point_noise(case):
    expected = np.asarray(case["values"], dtype=np.float64)
    actual = evaluate_mapping(case["spec"], case["steps"])
    scale = np.abs(expected).max()
    # relative 1e-12, measured against the schedule's own scale near zero crossings
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12 * scale, err_msg=case["source"])
