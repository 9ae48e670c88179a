"""With LRSCHED_REQUIRE_FRAMEWORKS=1 (the framework stage of .ci/run) a test that would skip
because a module is missing fails instead: that stage installed the frameworks, so a missing
one is a broken install, not a reason to check nothing."""
from __future__ import annotations

import os

import pytest

REQUIRE = os.environ.get("LRSCHED_REQUIRE_FRAMEWORKS") == "1"
MISSING = "could not import"  # how pytest.importorskip words its skip


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE and report.skipped and MISSING in _reason(report):
        report.outcome = "failed"
        report.longrepr = f"LRSCHED_REQUIRE_FRAMEWORKS=1 and {_reason(report)}"


def _reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, message) of a skip
        return str(longrepr[2])
    return str(longrepr)
