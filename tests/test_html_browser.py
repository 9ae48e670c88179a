"""The interactive page in a real headless chromium (Debian's, driven by Playwright; no browser is
downloaded): no console error and no network request, every series drawn, a hover at a known
step reads its exact value (Python's repr of the float64), zoom by the wheel, toggling in the
legend, the summary table, and the page's point reduction equal to plot.reduce_points.
A screenshot is left in the test's tmp folder (its path is printed)."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.core.engine import evaluate_mapping
from lrsched_cli.present.plot import PALETTE, reduce_points

REQUIRE = os.environ.get("LRSCHED_REQUIRE_FRAMEWORKS") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STEPS = 200_000
SPECS = ["cosine:max_lr=0.1,warmup_steps=2000", "step:max_lr=0.1,step_size=50000,gamma=0.5",
         "onecycle:max_lr=0.08"]


def mapping(spec: str) -> dict:
    from lrsched_cli.io.config import parse_spec

    return parse_spec(spec)


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        if REQUIRE:
            pytest.fail("LRSCHED_REQUIRE_FRAMEWORKS=1 and no chromium on PATH (apt-get install -y chromium)")
        pytest.skip("no chromium on PATH")
    folder = tmp_path_factory.mktemp("page")
    out = folder / "schedule.html"
    args = ["plot", *[a for spec in SPECS for a in ("--spec", spec)], "--steps", str(STEPS), "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(folder / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1200, "height": 900})
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error"
                else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("request", lambda r: problems.append(f"request {r.url}") if r.url != out.as_uri() else None)
        page.goto(out.as_uri())
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        yield page, problems, folder
        context.close()


def series_pixels(page) -> list[int]:
    """Pixels of the chart's canvas in each series' colour (within a small tolerance)."""
    colours = [[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in PALETTE[:len(SPECS)]]
    return page.evaluate("""colours => {
        const canvas = window.lrsched.plot.ctx.canvas;
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        return colours.map(([r, g, b]) => {
            let count = 0;
            for (let i = 0; i < pixels.length; i += 4)
                if (Math.abs(pixels[i] - r) + Math.abs(pixels[i + 1] - g) + Math.abs(pixels[i + 2] - b) < 60) count++;
            return count;
        });
    }""", colours)


def hover(page, step: int) -> str:
    x, y = page.evaluate("""t => { const u = window.lrsched.plot, r = u.over.getBoundingClientRect();
                               return [r.left + u.valToPos(t, "x"), r.top + r.height / 2]; }""", step)
    page.mouse.move(x, y)
    page.wait_for_function("t => document.getElementById('readout').dataset.step === String(t)", arg=step)
    return page.inner_text("#readout")


def test_loads_offline_without_errors_and_draws_every_series(browser_page):
    page, problems, folder = browser_page
    assert problems == []
    assert all(count > 200 for count in series_pixels(page)), series_pixels(page)
    page.screenshot(path=str(folder / "whole.png"), full_page=True)
    print("screenshot:", folder / "whole.png")


def test_a_hover_after_zooming_shows_the_exact_values_of_that_step(browser_page):
    page, problems, folder = browser_page
    step = 1234                                        # inside the cosine's warmup
    page.evaluate(f"window.lrsched.refresh({step - 40}, {step + 40})")
    text = hover(page, step)
    values = [evaluate_mapping(mapping(spec), STEPS)[step] for spec in SPECS]
    for spec, value in zip(SPECS, values):
        assert f"{spec.split(':')[0]}: {float(value)!r}" in text
    assert text.startswith(f"epoch {step}")
    page.screenshot(path=str(folder / "zoomed.png"), full_page=True)
    print("screenshot:", folder / "zoomed.png")
    assert problems == []


def test_the_wheel_zooms_around_the_cursor(browser_page):
    page, problems, _ = browser_page
    page.evaluate(f"window.lrsched.refresh(0, {STEPS - 1})")
    before = page.evaluate("window.lrsched.plot.scales.x.max - window.lrsched.plot.scales.x.min")
    box = page.locator(".u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 4, box["y"] + box["height"] / 2)
    for _ in range(4):
        page.mouse.wheel(0, -100)
    page.wait_for_function("span => window.lrsched.plot.scales.x.max - window.lrsched.plot.scales.x.min < span / 2",
                           arg=before)
    assert problems == []


def test_a_legend_click_hides_a_series(browser_page):
    page, problems, _ = browser_page
    page.evaluate(f"window.lrsched.refresh(0, {STEPS - 1})")
    shown = series_pixels(page)
    page.locator(".u-legend .u-series th").nth(1).click()      # legend rows are the schedules: step
    page.wait_for_function("() => !window.lrsched.plot.series[2].show")
    hidden = series_pixels(page)
    assert hidden[1] < shown[1] / 10 and hidden[0] > 200 and hidden[2] > 200
    page.evaluate("window.lrsched.refresh(0, 400)")
    assert "step:" not in hover(page, 100) and "cosine:" in hover(page, 100)
    page.locator(".u-legend .u-series th").nth(1).click()
    page.wait_for_function("() => window.lrsched.plot.series[2].show")
    assert problems == []


def test_the_summary_table_holds_every_schedule(browser_page):
    page, _, _ = browser_page
    rows = page.locator("#summary tbody tr")
    assert rows.count() == len(SPECS)
    first = rows.nth(0).locator("td")
    cosine = evaluate_mapping(mapping(SPECS[0]), STEPS)
    assert first.nth(0).inner_text() == "cosine" and first.nth(2).inner_text() == repr(float(cosine.max()))


def test_the_pages_reduction_is_plot_reduce_points(browser_page):
    page, _, _ = browser_page
    for i, spec in enumerate(SPECS):
        for columns in (16, 1000, 2400):
            got = page.evaluate(f"window.lrsched.reduce(window.lrsched.values[{i}], 0, {STEPS - 1}, {columns})")
            want, _ = reduce_points(evaluate_mapping(mapping(spec), STEPS), columns)
            assert got == want.tolist()


def test_the_pages_repr_is_pythons(browser_page):
    page, _, _ = browser_page
    rng = np.random.default_rng(0)
    values = [0.0, -0.0, 1.0, 0.1, 1e16, 1e15, 123456789012345678.0, 1e-4, 9.999e-5, 5e-324,
              1.7976931348623157e308, 2.5e-05, -3.25, 100.0, 1e22, 0.30000000000000004]
    values += (rng.standard_normal(300) * 10.0 ** rng.integers(-30, 30, 300)).tolist()
    got = page.evaluate("values => values.map(window.lrsched.pyRepr)", values)
    assert got == [repr(float(v)) for v in values]
