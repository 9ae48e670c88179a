"""write_csv: every float64 reads back bit for bit, with orjson (the `fast` extra) and without."""
from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lrsched_cli.io import output
from lrsched_cli.io.output import write_csv

ORJSON = output._orjson  # the real lookup, kept before any test replaces it
finite = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True, width=64)
tables = st.integers(1, 4).flatmap(
    lambda k: st.integers(0, 40).flatmap(
        lambda n: st.lists(hnp.arrays(np.float64, n, elements=finite), min_size=k, max_size=k)))


def csv_text(columns, fast: bool, monkeypatch, chunk_rows: int = output.CHUNK_ROWS) -> str:
    if fast:
        pytest.importorskip("orjson")
    monkeypatch.setattr(output, "_orjson", ORJSON if fast else lambda: None)
    monkeypatch.setattr(output, "CHUNK_ROWS", chunk_rows)
    stream = io.StringIO()
    write_csv(stream, "step", [f"s{i}" for i in range(len(columns))], columns)
    return stream.getvalue()


def read_back(text: str, width: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    header, *lines = text.split("\n")
    assert lines[-1] == ""                      # the file ends with a newline
    rows = [line.split(",") for line in lines[:-1]]
    assert all(len(row) == width + 1 for row in rows)
    index = np.array([int(row[0]) for row in rows], dtype=np.int64)
    values = np.array([[float(v) for v in row[1:]] for row in rows], dtype=np.float64).reshape(-1, width)
    return header.split(","), index, values


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


@settings(max_examples=150, deadline=None)
@given(columns=tables, chunk_rows=st.sampled_from([1, 3, 7, 65536]))
def test_every_value_reads_back_bit_exact_with_and_without_orjson(columns, chunk_rows):
    with pytest.MonkeyPatch.context() as monkeypatch:
        texts = {fast: csv_text(columns, fast, monkeypatch, chunk_rows)
                 for fast in ([False, True] if ORJSON() else [False])}
    table = np.column_stack(columns) if columns[0].size else np.empty((0, len(columns)))
    for text in texts.values():
        header, index, values = read_back(text, len(columns))
        assert header == ["step", *(f"s{i}" for i in range(len(columns)))]
        assert np.array_equal(index, np.arange(len(columns[0])))
        assert np.array_equal(bits(values), bits(table))       # -0.0 and subnormals included


@settings(max_examples=100, deadline=None)
@given(columns=tables)
def test_without_orjson_the_text_is_repr(columns):
    with pytest.MonkeyPatch.context() as monkeypatch:
        text = csv_text(columns, False, monkeypatch, chunk_rows=5)
    lines = text.split("\n")[1:-1]
    expected = [",".join([str(t), *(repr(float(c[t])) for c in columns)]) for t in range(len(columns[0]))]
    assert lines == expected


def test_orjson_text_differs_from_repr_only_in_how_small_numbers_are_spelled(monkeypatch):
    pytest.importorskip("orjson")
    columns = [np.array([0.1, 1e-05, 2.5e-07, 1e16, -0.0, 5e-324])]
    plain = csv_text(columns, False, monkeypatch)
    fast = csv_text(columns, True, monkeypatch)
    assert plain.split("\n")[1:3] == ["0,0.1", "1,1e-05"]
    assert fast.split("\n")[1:3] == ["0,0.1", "1,0.00001"]
    assert fast.split("\n")[3:7] == ["2,2.5e-7", "3,1e+16", "4,-0.0", "5,5e-324"]
    assert np.array_equal(bits(read_back(plain, 1)[2]), bits(read_back(fast, 1)[2]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_written_as_repr_even_with_orjson(monkeypatch, bad):
    """orjson would write null; the writer falls back to repr for such a chunk."""
    columns = [np.array([0.5, bad, 0.25])]
    fast = bool(ORJSON())
    text = csv_text(columns, fast, monkeypatch)
    assert text == f"step,s0\n0,0.5\n1,{bad!r}\n2,0.25\n"


def test_labels_are_quoted_as_csv(monkeypatch):
    text = csv_text([np.array([1.0]), np.array([2.0])], False, monkeypatch)
    assert text.splitlines()[0] == "step,s0,s1"
    stream = io.StringIO()
    write_csv(stream, "epoch", ['a,b', 'say "hi"'], [np.array([1.0]), np.array([2.0])])
    assert stream.getvalue().splitlines()[0] == 'epoch,"a,b","say ""hi"""'
