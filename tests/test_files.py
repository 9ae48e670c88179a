"""Tests for lrsched_cli.io.files: YAML loading, metric CSVs and atomic writes."""
from __future__ import annotations

import copy
import json
import os
import pickle
import stat
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from lrsched_cli.io import _shared, yamlfile
from lrsched_cli.errors import ConfigError, DataError, OutputError
from lrsched_cli.io.files import (
    LineDict,
    LineList,
    atomic_write,
    atomic_writer,
    line_of,
    load_yaml,
    loads_yaml,
    read_metric_column,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Work in tmp_path so messages show the short relative names used below."""
    monkeypatch.chdir(tmp_path)


def write(name: str, text: str | bytes) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def message(excinfo) -> str:
    text = str(excinfo.value)
    assert "\n" not in text and "\r" not in text, text
    return text


def tmp_leftovers(folder: Path = Path(".")) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# -- load_yaml: reading errors ------------------------------------------------------------------


def test_missing_config():
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("config.yaml")
    assert message(excinfo) == "config.yaml: no such file"


def test_missing_config_under_a_file():
    write("a.yaml", "x: 1\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("a.yaml/config.yaml")
    assert message(excinfo) == "a.yaml/config.yaml: no such file"


def test_config_is_a_directory():
    Path("configs").mkdir()
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("configs")
    assert message(excinfo) == "configs: is a directory, not a file"


def test_config_too_big_is_refused_before_reading(monkeypatch):
    with open("big.yaml", "wb") as fh:
        fh.truncate(3_200_000)  # sparse: instant, and never read

    def no_open(*args, **kwargs):
        raise AssertionError("the file must not be opened")

    monkeypatch.setattr(_shared, "open", no_open, raising=False)
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("big.yaml")
    assert message(excinfo) == "big.yaml: file is 3.2 MB; configs are limited to 1.0 MB"


def test_config_size_limit_shows_bytes_when_rounding_would_hide_it():
    write("c.yaml", "x" * 1001)
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("c.yaml", max_bytes=1000)
    assert message(excinfo) == "c.yaml: file is 1,001 bytes; configs are limited to 1,000 bytes"


def test_config_not_utf8():
    write("c.yaml", b"a: 1\nb: caf\xe9\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("c.yaml")
    assert message(excinfo) == "c.yaml: not a UTF-8 text file (invalid byte 0xe9 on line 2)"


def test_config_utf16():
    write("c.yaml", "a: 1\n".encode("utf-16"))
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("c.yaml")
    assert message(excinfo) == "c.yaml: file is UTF-16 encoded; save it as UTF-8"


def test_config_utf8_bom_is_accepted():
    write("c.yaml", b"\xef\xbb\xbfa: 1\n")
    assert load_yaml("c.yaml") == {"a": 1}


@pytest.mark.skipif(IS_ROOT or not hasattr(os, "geteuid"), reason="root can read anything")
def test_config_unreadable():
    path = write("c.yaml", "a: 1\n")
    path.chmod(0)
    try:
        with pytest.raises(ConfigError) as excinfo:
            load_yaml("c.yaml")
        assert message(excinfo) == "c.yaml: permission denied"
    finally:
        path.chmod(0o644)


def test_config_unreadable_simulated(monkeypatch):
    write("c.yaml", "a: 1\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_shared, "open", denied, raising=False)
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("c.yaml")
    assert message(excinfo) == "c.yaml: permission denied"


def test_file_name_with_newline_stays_on_one_line():
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("bad\nname.yaml")
    assert message(excinfo) == "bad\\nname.yaml: no such file"


# -- load_yaml: syntax and safety ---------------------------------------------------------------


def test_malformed_yaml_names_line_and_column():
    write("bad.yaml", "steps: 10\nschedules:\n  kind: a: b\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("bad.yaml")
    assert message(excinfo) == "bad.yaml:3:10: mapping values are not allowed here"


def test_malformed_yaml_multiline_problem_is_one_line():
    write("bad.yaml", "a: [1, 2\nb: 3\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("bad.yaml")
    assert message(excinfo).startswith("bad.yaml:2:")


def test_tab_indentation():
    write("bad.yaml", "a:\n\tb: 1\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("bad.yaml")
    assert message(excinfo) == "bad.yaml:2:1: found character '\\t' that cannot start any token"


def test_control_character():
    write("bad.yaml", "a: 1\nb: x\x07y\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("bad.yaml")
    assert message(excinfo) == ("bad.yaml:2:5: unacceptable character #x0007: "
                                "special characters are not allowed")


def test_python_tags_are_refused():
    write("evil.yaml", "a: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("evil.yaml")
    text = message(excinfo)
    assert text.startswith("evil.yaml:1:4: could not determine a constructor for the tag")


def test_several_documents_are_refused():
    write("c.yaml", "a: 1\n---\nb: 2\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("c.yaml")
    assert message(excinfo) == "c.yaml:2:1: expected a single document in the stream, but found another document"


def test_undefined_alias():
    write("c.yaml", "a: *nothing\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("c.yaml")
    assert message(excinfo) == "c.yaml:1:4: found undefined alias 'nothing'"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n  # another\n", "---\n"])
def test_empty_config_is_none(text):
    write("c.yaml", text)
    assert load_yaml("c.yaml") is None


def test_duplicate_key_top_level():
    write("c.yaml", "steps: 10\nmax_lr: 0.1\nunit: step\nmax_lr: 0.2\n")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("c.yaml")
    assert message(excinfo) == "c.yaml:4: duplicate key 'max_lr'"


def test_duplicate_key_nested_in_list_of_mappings():
    write("c.yaml", """\
steps: 100
schedules:
  - kind: cosine
    max_lr: 0.1
  - kind: step
    max_lr: 0.1
    step_size: 10
    max_lr: 0.5
""")
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("c.yaml")
    assert message(excinfo) == "c.yaml:8: duplicate key 'max_lr'"


def test_duplicate_key_in_flow_mapping_and_non_string_key():
    with pytest.raises(ConfigError) as excinfo:
        loads_yaml("a: {1: x, 2: y, 1: z}\n", name="c.yaml")
    assert message(excinfo) == "c.yaml:1: duplicate key 1"


def test_merge_keys_may_be_overridden():
    data = loads_yaml("""\
m: &m {a: 1, b: 1}
x:
  inner: &b
    <<: *m
    a: 2
y:
  <<: *b
  b: 3
""")
    assert data["x"]["inner"] == {"a": 2, "b": 1}
    assert data["y"] == {"a": 2, "b": 3}


def test_moderate_aliases_are_fine():
    data = loads_yaml("base: &b {max_lr: 0.1}\nall: [*b, *b, *b]\n")
    assert data["all"] == [{"max_lr": 0.1}] * 3


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_quickly():
    write("c.yaml", BILLION_LAUGHS)
    start = time.perf_counter()
    with pytest.raises(ConfigError) as excinfo:
        load_yaml("c.yaml")
    elapsed = time.perf_counter() - start
    assert message(excinfo) == "c.yaml: too many aliases (YAML alias expansion limit)"
    assert elapsed < 0.5


def test_many_alias_uses_are_refused(monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_YAML_ALIASES", 5)
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 6) + "]\n"
    with pytest.raises(ConfigError) as excinfo:
        loads_yaml(text, name="c.yaml")
    assert message(excinfo) == "c.yaml: too many aliases (YAML alias expansion limit)"


def test_recursive_alias_is_refused():
    with pytest.raises(ConfigError) as excinfo:
        loads_yaml("a: &a [1, *a]\n", name="c.yaml")
    assert message(excinfo) == "c.yaml:1: recursive alias (a node that contains itself) is not allowed"


def test_deep_nesting_is_refused():
    with pytest.raises(ConfigError) as excinfo:
        loads_yaml("a:\n  b:\n    - " + "[" * 200 + "]" * 200, name="c.yaml")
    assert message(excinfo) == "c.yaml:3: nesting is too deep (more than 100 levels)"
    value = loads_yaml("[" * 50 + "]" * 50)
    for _ in range(49):
        value = value[0]
    assert value == []


def test_recursion_error_fallback(monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_YAML_DEPTH", 10**6)
    with pytest.raises(ConfigError) as excinfo:
        loads_yaml("[" * 600 + "]" * 600, name="c.yaml")
    assert message(excinfo) == "c.yaml: nesting is too deep"


# -- load_yaml: values and positions ------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("1e-3", 1e-3), ("1E5", 1e5), ("-2.5e-4", -2.5e-4), (".5", 0.5), ("-.5", -0.5),
    ("+1e3", 1e3), ("1.0e3", 1e3), ("1.e5", 1e5), ("3e+2", 300.0), ("1_000e-3", 1.0),
    ("0.1", 0.1), ("1.5e-3", 1.5e-3),
])
def test_exponent_floats(text, expected):
    value = loads_yaml(f"x: {text}\n")["x"]
    assert type(value) is float and value == expected


@pytest.mark.parametrize("text", ["inf", "-inf", "+inf", "Inf", ".inf", "-.inf", "INF"])
def test_infinities(text):
    value = loads_yaml(f"x: {text}\n")["x"]
    assert isinstance(value, float) and np.isinf(value)
    assert (value < 0) == text.startswith("-")


@pytest.mark.parametrize("text", ["nan", "NaN", ".nan", ".NaN"])
def test_nans(text):
    value = loads_yaml(f"x: {text}\n")["x"]
    assert isinstance(value, float) and value != value


@pytest.mark.parametrize(("text", "expected"), [
    ("'1e-3'", "1e-3"), ('"1e-3"', "1e-3"), ("1e", "1e"), ("e5", "e5"), ("1e-3x", "1e-3x"),
    ("1", 1), ("-7", -7), ("1_000", 1000), ("0x10", 16), ("infinity", "infinity"),
    ("nane", "nane"), ("null", None), ("true", True), ("cosine", "cosine"),
])
def test_other_scalars_unchanged(text, expected):
    value = loads_yaml(f"x: {text}\n")["x"]
    assert value == expected and type(value) is type(expected)


def test_global_safe_loader_is_not_modified():
    import yaml

    loads_yaml("x: 1e-3\n")
    assert yaml.safe_load("x: 1e-3\n") == {"x": "1e-3"}
    assert type(yaml.safe_load("x: {a: 1}\n")["x"]) is dict


CONFIG = """\
# learning-rate schedules
steps: 100
schedules:
  - kind: cosine
    max_lr: 1e-3

  - kind: step
    gamma: 0.5
    milestones: [10, 20]
"""


def test_line_dict_and_line_list():
    write("c.yaml", CONFIG)
    data = load_yaml("c.yaml")
    assert isinstance(data, LineDict) and isinstance(data, dict)
    assert data.line == 2
    assert data.key_lines == {"steps": 2, "schedules": 3}
    schedules = data["schedules"]
    assert isinstance(schedules, LineList) and isinstance(schedules, list)
    assert schedules.line == 4
    assert [line_of(s) for s in schedules] == [4, 7]
    assert schedules[1].key_lines == {"kind": 7, "gamma": 8, "milestones": 9}
    assert line_of(schedules[1]["milestones"]) == 9
    assert line_of("text") is None and line_of({"a": 1}) is None


def test_line_containers_behave_like_plain_ones():
    write("c.yaml", CONFIG)
    data = load_yaml("c.yaml")
    plain = {"steps": 100, "schedules": [{"kind": "cosine", "max_lr": 0.001},
                                         {"kind": "step", "gamma": 0.5, "milestones": [10, 20]}]}
    assert data == plain and plain == data
    assert json.loads(json.dumps(data)) == plain
    assert json.dumps(data, sort_keys=True) == json.dumps(plain, sort_keys=True)
    assert repr(data) == repr(plain)
    clone = copy.deepcopy(data)
    assert clone == plain and clone["schedules"].line == 4
    restored = pickle.loads(pickle.dumps(data))
    assert restored == plain and restored.line == 2
    assert LineDict(a=1) == {"a": 1} and LineDict().line is None and LineList([1]) == [1]


def test_top_level_scalar_and_list():
    assert loads_yaml("5\n") == 5
    data = loads_yaml("\n- 1\n- 2\n")
    assert data == [1, 2] and data.line == 2


# -- read_metric_column -------------------------------------------------------------------------


def test_metric_with_header_defaults_to_last_column():
    write("m.csv", "step,loss\n0,1.5\n1,1.25\n2,1e-1\n")
    values = read_metric_column("m.csv")
    assert values.dtype == np.float64
    assert values.tolist() == [1.5, 1.25, 0.1]


def test_metric_column_by_name_and_index():
    write("m.csv", "step, train_loss, val_loss\n0, 3, 4\n1, 2, 3.5\n")
    assert read_metric_column("m.csv", "train_loss").tolist() == [3, 2]
    assert read_metric_column("m.csv", 0).tolist() == [0, 1]
    assert read_metric_column("m.csv", -1).tolist() == [4, 3.5]
    assert read_metric_column("m.csv", "1").tolist() == [3, 2]


def test_metric_without_header():
    write("m.csv", "0.9\n0.8\n\n0.7\n")
    assert read_metric_column("m.csv").tolist() == [0.9, 0.8, 0.7]
    write("m2.csv", "0,0.9\n1,0.8\n")
    assert read_metric_column("m2.csv", 1).tolist() == [0.9, 0.8]


def test_metric_tsv_comments_and_crlf():
    write("m.tsv", "# exported\r\nstep\tloss\r\n0\t1\r\n1\t2\r\n")
    assert read_metric_column("m.tsv", "loss").tolist() == [1, 2]


def test_metric_whitespace_single_column():
    write("m.txt", "  1.0 0.5\n0.25\n\n  0.125  \n")
    assert read_metric_column("m.txt").tolist() == [1.0, 0.5, 0.25, 0.125]
    write("h.txt", "loss\n1\n2\n")
    assert read_metric_column("h.txt", "loss").tolist() == [1, 2]


def test_metric_whitespace_table_like_savetxt():
    write("m.txt", "# step loss\n0 1.5\n1 1.0\n2 0.5\n")
    assert read_metric_column("m.txt", 1).tolist() == [1.5, 1.0, 0.5]
    write("h.txt", "step loss\n0 1.5\n1 1.0\n")
    assert read_metric_column("h.txt").tolist() == [1.5, 1.0]


def test_metric_skip_empty():
    write("m.csv", "step,train_loss,val_loss\n0,3,\n1,2,2.5\n2,1,\n3,1,2\n")
    assert read_metric_column("m.csv", skip_empty=True).tolist() == [2.5, 2]
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv")
    assert message(excinfo) == "m.csv: line 2: empty value in column 'val_loss'"


def test_metric_missing_file():
    with pytest.raises(DataError) as excinfo:
        read_metric_column("loss.csv")
    assert message(excinfo) == "loss.csv: no such file"


def test_metric_directory():
    Path("d").mkdir()
    with pytest.raises(DataError) as excinfo:
        read_metric_column("d")
    assert message(excinfo) == "d: is a directory, not a file"


@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_metric_empty_file(text):
    write("m.csv", text)
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv")
    assert message(excinfo) == "m.csv: file is empty"


def test_metric_only_comments_or_header():
    write("c.csv", "# nothing\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("c.csv")
    assert message(excinfo) == "c.csv: file has no data (only comments)"
    write("h.csv", "step,loss\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("h.csv")
    assert message(excinfo) == "h.csv: no data rows after the header"


def test_metric_too_big():
    with open("m.csv", "wb") as fh:
        fh.truncate(150_000_000)
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv")
    assert message(excinfo) == "m.csv: file is 150.0 MB; metric files are limited to 100.0 MB"


def test_metric_not_utf8():
    write("m.csv", b"loss\n1\n\xff\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv")
    assert message(excinfo) == "m.csv: not a UTF-8 text file (invalid byte 0xff on line 3)"


def test_metric_column_not_found_suggests():
    write("m.csv", "step,train_loss,val_loss\n0,1,2\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv", "val_los")
    assert message(excinfo) == ("m.csv: no column named 'val_los' (columns: 'step', 'train_loss', "
                                "'val_loss'); did you mean 'val_loss'?")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv", "VAL_LOSS")
    assert message(excinfo).endswith("; did you mean 'val_loss'?")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv", "accuracy")
    assert message(excinfo) == ("m.csv: no column named 'accuracy' (columns: 'step', 'train_loss', "
                                "'val_loss')")


def test_metric_column_index_out_of_range():
    write("m.csv", "step,loss\n0,1\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv", 2)
    assert message(excinfo) == "m.csv: column index 2 is out of range; the file has 2 columns (0-1)"


def test_metric_name_without_header():
    write("m.csv", "0,1\n1,2\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv", "loss")
    assert message(excinfo) == ("m.csv: has no header row, so there is no column named 'loss'; "
                                "choose a column by 0-based index (0-1)")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv")
    assert message(excinfo) == ("m.csv: has 2 columns and no header row; "
                                "choose a column by 0-based index (0-1)")


def test_metric_non_numeric_cell():
    write("m.csv", "step,loss\n0,1.0\n1,abc\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv")
    assert message(excinfo) == "m.csv: line 3: column 'loss': 'abc' is not a number"
    write("n.csv", "0.5\n0.4\noops\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("n.csv")
    assert message(excinfo) == "n.csv: line 3: column 0: 'oops' is not a number"


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity", "NaN"])
def test_metric_non_finite(bad):
    write("m.csv", f"loss\n1\n{bad}\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv")
    assert message(excinfo) == f"m.csv: line 3: column 'loss': '{bad}' is not a finite number"


def test_metric_short_row():
    write("m.csv", "step,loss\n0,1\n1\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv")
    assert message(excinfo) == "m.csv: line 3: no value for column 'loss' (the row has 1 field)"


def test_metric_nul_byte():
    write("m.csv", b"step,loss\n0,1\x00\n")
    with pytest.raises(DataError) as excinfo:
        read_metric_column("m.csv")
    text = message(excinfo)
    assert text.startswith("m.csv: line ")


# -- atomic writes ------------------------------------------------------------------------------


def test_atomic_write_creates_and_replaces():
    assert atomic_write("out.csv", "a,b\n1,2\n") == Path("out.csv")
    assert Path("out.csv").read_bytes() == b"a,b\n1,2\n"
    atomic_write("out.csv", "new\r\n")
    assert Path("out.csv").read_bytes() == b"new\r\n"  # written exactly as given
    atomic_write(Path("out.bin"), b"\x00\x01")
    assert Path("out.bin").read_bytes() == b"\x00\x01"
    assert tmp_leftovers() == []


def test_atomic_writer_text_and_binary():
    with atomic_writer("x.txt") as fh:
        fh.write("héllo\n")
        assert Path(fh.name).parent.resolve() == Path(".").resolve()
        assert Path(fh.name).name.startswith(".x.txt.") and fh.name.endswith(".tmp")
        assert not Path("x.txt").exists()  # nothing visible until the block ends
    assert Path("x.txt").read_text(encoding="utf-8") == "héllo\n"
    with atomic_writer("x.bin", "wb") as fh:
        fh.write(b"raw")
    assert Path("x.bin").read_bytes() == b"raw"
    assert tmp_leftovers() == []
    with pytest.raises(ValueError):
        with atomic_writer("x.txt", "a"):
            pass


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_new_file_permissions_follow_umask():
    old = os.umask(0o027)
    try:
        atomic_write("new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat("new.txt").st_mode) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_existing_file_permissions_are_kept():
    path = write("keep.sh", "old")
    path.chmod(0o751)
    atomic_write("keep.sh", "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert path.read_text() == "new"


def test_exception_inside_block_keeps_old_file():
    write("out.csv", "old\n")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_writer("out.csv") as fh:
            fh.write("partial")
            fh.flush()
            raise RuntimeError("boom")
    assert Path("out.csv").read_text() == "old\n"
    assert tmp_leftovers() == []


def test_keyboard_interrupt_inside_block_keeps_old_file():
    write("out.csv", "old\n")
    with pytest.raises(KeyboardInterrupt):
        with atomic_writer("out.csv", "wb") as fh:
            fh.write(b"x" * 100_000)
            raise KeyboardInterrupt
    assert Path("out.csv").read_text() == "old\n"
    assert tmp_leftovers() == []


def test_failing_replace_keeps_old_file(monkeypatch):
    write("out.csv", "old\n")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError) as excinfo:
        atomic_write("out.csv", "new\n")
    assert message(excinfo) == "out.csv: cannot write: no space left on device"
    assert Path("out.csv").read_text() == "old\n"
    assert tmp_leftovers() == []


def test_missing_folder():
    with pytest.raises(OutputError) as excinfo:
        atomic_write("out/x.csv", "x")
    assert message(excinfo) == "out/x.csv: folder 'out' does not exist"
    assert not Path("out").exists()


def test_ensure_parent_creates_folders():
    atomic_write("out/deep/x.csv", "x", ensure_parent=True)
    assert Path("out/deep/x.csv").read_text() == "x"
    with atomic_writer("out2/y.csv", ensure_parent=True) as fh:
        fh.write("y")
    assert Path("out2/y.csv").read_text() == "y"


def test_parent_is_a_file():
    write("out", "I am a file")
    with pytest.raises(OutputError) as excinfo:
        atomic_write("out/x.csv", "x")
    assert message(excinfo) == "out/x.csv: 'out' is not a folder"
    with pytest.raises(OutputError) as excinfo:
        atomic_write("out/sub/x.csv", "x", ensure_parent=True)
    assert message(excinfo) == "out/sub/x.csv: 'out/sub' is not a folder"


def test_target_is_a_directory():
    Path("out").mkdir()
    with pytest.raises(OutputError) as excinfo:
        atomic_write("out", "x")
    assert message(excinfo) == "out: is a directory"
    assert tmp_leftovers() == []


def test_trailing_slash_for_new_path():
    with pytest.raises(OutputError) as excinfo:
        atomic_write("new/", "x")
    assert message(excinfo) == "new/: expected a file name, not a folder"


def test_read_only_folder():
    folder = Path("ro")
    folder.mkdir()
    write("ro/x.csv", "old")
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running with privileges that ignore folder permissions")
        with pytest.raises(OutputError) as excinfo:
            atomic_write("ro/x.csv", "new")
        assert message(excinfo) == ("ro/x.csv: permission denied "
                                    "(cannot create files in folder 'ro')")
        assert Path("ro/x.csv").read_text() == "old"
        assert tmp_leftovers(folder) == []
    finally:
        folder.chmod(0o755)


def test_permission_denied_simulated(monkeypatch):
    import tempfile

    Path("ro").mkdir()

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", denied)
    with pytest.raises(OutputError) as excinfo:
        atomic_write("ro/x.csv", "new")
    assert message(excinfo) == "ro/x.csv: permission denied (cannot create files in folder 'ro')"


def test_read_only_file_system_simulated(monkeypatch):
    import tempfile

    def erofs(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", erofs)
    with pytest.raises(OutputError) as excinfo:
        atomic_write("x.csv", "new")
    assert message(excinfo) == "x.csv: cannot write in folder '.': read-only file system"


@pytest.mark.skipif(IS_ROOT or os.name != "posix", reason="root can write read-only files")
def test_read_only_target_file():
    path = write("x.csv", "old")
    path.chmod(0o444)
    with pytest.raises(OutputError) as excinfo:
        atomic_write("x.csv", "new")
    assert message(excinfo) == "x.csv: permission denied (the file is read-only)"
    assert path.read_text() == "old"


def test_read_only_target_file_simulated(monkeypatch):
    write("x.csv", "old")
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(OutputError) as excinfo:
        atomic_write("x.csv", "new")
    assert message(excinfo) == "x.csv: permission denied (the file is read-only)"
    assert Path("x.csv").read_text() == "old"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_is_written_through():
    write("real.csv", "old")
    try:
        os.symlink("real.csv", "link.csv")
    except OSError:
        pytest.skip("cannot create symlinks here")
    atomic_write("link.csv", "new")
    assert Path("link.csv").is_symlink()
    assert Path("real.csv").read_text() == "new"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_pipe_is_written_into_not_replaced():
    os.mkfifo("pipe")
    received: list[bytes] = []

    def reader():
        with open("pipe", "rb") as fh:
            received.append(fh.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    atomic_write("pipe", "through the pipe\n")
    thread.join(timeout=5)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.stat("pipe").st_mode)
    assert tmp_leftovers() == []


def test_encoding_error_is_an_output_error():
    write("x.txt", "old")
    with pytest.raises(OutputError) as excinfo:
        atomic_write("x.txt", "é", encoding="ascii")
    assert message(excinfo).startswith("x.txt: cannot encode the text as ascii")
    assert Path("x.txt").read_text() == "old"
    assert tmp_leftovers() == []


def test_import_is_cheap():
    import subprocess

    code = ("import sys, lrsched_cli.io.files; "
            "print(sorted(m for m in ('yaml', 'numpy', 'csv', 'tempfile', 'difflib') "
            "if m in sys.modules))")
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=root, check=True)
    assert result.stdout.strip() == "[]"
