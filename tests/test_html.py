"""`plot -o page.html` without a browser: the page is self-contained, holds every value exactly,
escapes user text, keeps its budget, and is written atomically. (tests/test_html_browser.py
opens it in a real chromium.)"""
from __future__ import annotations

import base64
import json
import re
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from lrsched_cli.cli import app
from lrsched_cli.present import html
from lrsched_cli.present.plot import Series


def unpack(text: str, count: int) -> np.ndarray:
    """The page's decoding, in numpy: inflate, un-shuffle the bytes, read little-endian float64."""
    shuffled = np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=np.uint8)
    return shuffled.reshape(8, count).T.copy().view("<f8").ravel()


def page_data(text: str) -> dict:
    data = re.search(r'<script type="application/json" id="lrsched-data">(.*?)</script>', text, re.S).group(1)
    return json.loads(data)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=300))
def test_values_round_trip_bit_for_bit(values):
    array = np.array(values, dtype=np.float64)
    assert unpack(html.pack(array), array.size).tobytes() == array.astype("<f8").tobytes()


def test_cli_writes_one_offline_page_with_every_value(tmp_path):
    out = tmp_path / "schedule.html"
    result = CliRunner().invoke(app, ["plot", "--spec", "cosine:max_lr=0.1,warmup_steps=10", "--spec",
                                      "step:max_lr=0.1,step_size=30", "--steps", "200", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {out}\n"
    text = out.read_text()
    assert "default-src 'none'" in text                      # the page may fetch nothing
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)  # no external script or style
    assert "Leon Sorokin" in text and "uPlot" in text        # the licence travels with the code
    data = page_data(text)
    from lrsched_cli.core.engine import evaluate_mapping

    want = [evaluate_mapping({"kind": "cosine", "max_lr": 0.1, "warmup_steps": 10}, 200),
            evaluate_mapping({"kind": "step", "max_lr": 0.1, "step_size": 30}, 200)]
    assert [s["label"] for s in data["series"]] == ["cosine", "step"]
    for series, values in zip(data["series"], want):
        assert unpack(series["values"], series["count"]).tolist() == values.tolist()
    assert data["series"][1]["jumps"] is True and data["fields"][0] == "initial LR"
    assert data["series"][0]["summary"][:2] == [repr(float(want[0][0])), repr(float(want[0].max()))]


def test_user_text_cannot_close_the_script_or_inject_markup(tmp_path):
    label = "</script><script>alert(1)</script><!--"
    text = html.page([Series(label, np.ones(3))], title="<b>t</b> & co")
    assert text.count("</script>") == 3  # the data, uPlot's and lrsched's: none from the label
    assert "<title>&lt;b&gt;t&lt;/b&gt; &amp; co</title>" in text
    assert page_data(text)["series"][0]["label"] == label and page_data(text)["title"] == "<b>t</b> & co"


def test_the_budget_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(html, "MAX_VALUES", 1000)
    out = tmp_path / "big.html"
    result = CliRunner().invoke(app, ["plot", "cosine", "--max-lr", "0.1", "--steps", "1001", "-o", str(out)])
    assert result.exit_code == 2
    assert "a page holds at most 1,000 values" in result.stderr and not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--dpi", "100"], "--dpi is for a .png"),
    (["--inset", "warmup"], "--inset is for a .png or .svg"),
    (["--layout", "grid"], "leave out --layout grid"),
])
def test_options_a_page_cannot_honour_are_refused(tmp_path, args, message):
    out = tmp_path / "p.html"
    result = CliRunner().invoke(app, ["plot", "cosine", "--max-lr", "0.1", "--warmup-steps", "1", "--steps",
                                      "1000", "-o", str(out), *args])
    assert result.exit_code == 2 and message in result.stderr and not out.exists()


def test_an_existing_page_survives_a_failed_write(tmp_path, monkeypatch):
    out = tmp_path / "p.html"
    out.write_text("old")

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(html, "_summary_cells", broken)
    with pytest.raises(OSError):
        html.save_page([Series("a", np.ones(4))], out)
    assert out.read_text() == "old" and list(tmp_path.iterdir()) == [out]


def test_xlim_and_ylim_set_the_pages_first_view(tmp_path):
    text = html.page([Series("a", np.linspace(1, 0, 1000))], xlim=(10, None), ylim=(None, 0.5))
    data = page_data(text)
    assert data["xlim"] == [10, 999] and data["ylim"] == [None, 0.5]
