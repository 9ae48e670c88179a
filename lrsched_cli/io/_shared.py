"""What every file reader and writer shares: printable names, one-line reasons, bounded reads."""
from __future__ import annotations

import errno
import os
import re
import stat

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def _display(path: str | os.PathLike[str] | os.PathLike[bytes] | bytes) -> str:
    """The path as the user gave it, made safe to print on one line."""
    raw = os.fspath(path)
    text = os.fsdecode(raw) if isinstance(raw, bytes) else raw
    # Undecodable bytes in file names arrive as lone surrogates, which cannot be printed.
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL_CHARS.sub(lambda m: repr(m.group())[1:-1], text)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _quote(value: str, limit: int = 40) -> str:
    """repr() of a user-provided value, shortened; repr keeps it on one line."""
    if len(value) > limit:
        value = value[: limit - 3] + "..."
    return repr(value)


def finite_number(cell: str, name: str, line: int, column: str) -> float:
    """A data file's cell as a finite float, else a DataError naming the file, line and column."""
    import math

    from ..errors import DataError

    try:
        value = float(cell)
    except ValueError:
        raise DataError(f"{name}: line {line}: {column}: {_quote(cell)} is not a number") from None
    if not math.isfinite(value):
        raise DataError(f"{name}: line {line}: {column}: {_quote(cell)} is not a finite number")
    return value


def _human_size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f} KB"
    return f"{n} bytes"


def _size_pair(size: int, limit: int) -> tuple[str, str]:
    """Human sizes for `size` and `limit`, exact byte counts if rounding would make them equal."""
    a, b = _human_size(size), _human_size(limit)
    if a == b:
        a, b = f"{size:,} bytes", f"{limit:,} bytes"
    return a, b


_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on device",
    errno.ENAMETOOLONG: "file name too long",
    errno.EISDIR: "is a directory",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "disk quota exceeded"


def _reason(exc: OSError) -> str:
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    text = exc.strerror or str(exc) or type(exc).__name__
    return _one_line(text[:1].lower() + text[1:])


# -- reading ------------------------------------------------------------------------------------


def stat_input(path: str | os.PathLike[str], name: str, error: type[Exception]) -> os.stat_result:
    """os.stat of an input file, or `error` in one line saying why it cannot be read."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"{name}: no such file") from None
    except PermissionError:
        raise error(f"{name}: permission denied") from None
    except (OSError, ValueError) as exc:  # ValueError: embedded NUL in the path
        reason = _reason(exc) if isinstance(exc, OSError) else "invalid file name"
        raise error(f"{name}: cannot read: {reason}") from None


def _read_limited(path: str | os.PathLike[str], name: str, *, limit: int, what: str,
                  error: type[Exception]) -> bytes:
    """Read at most `limit` bytes of a file, checking its size before reading."""
    st = stat_input(path, name, error)
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{name}: is a directory, not a file")
    if stat.S_ISREG(st.st_mode) and st.st_size > limit:
        size, maximum = _size_pair(st.st_size, limit)
        raise error(f"{name}: file is {size}; {what} are limited to {maximum}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)  # bounded even if the file grows or is a pipe
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"{name}: no such file") from None
    except IsADirectoryError:
        raise error(f"{name}: is a directory, not a file") from None
    except PermissionError:
        raise error(f"{name}: permission denied") from None
    except OSError as exc:
        raise error(f"{name}: cannot read: {_reason(exc)}") from None
    if len(data) > limit:
        raise error(f"{name}: file is larger than {_human_size(limit)}; "
                    f"{what} are limited to {_human_size(limit)}")
    return data


def _decode_utf8(data: bytes, name: str, error: type[Exception]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(f"{name}: file is UTF-16 encoded; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{name}: not a UTF-8 text file "
                    f"(invalid byte 0x{data[exc.start]:02x} on line {line})") from None
