"""Atomic writes: a file is replaced whole or not at all, never left half-written.

Problems with the path, folder or disk are a one-line `OutputError` naming the file:
``out/x.csv: folder 'out' does not exist``.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import IO, Any, Iterator

from ..errors import OutputError
from ._shared import _display, _reason



def _umask() -> int:
    try:  # Linux >= 4.7: read it without changing it (os.umask is process-wide, not thread-safe)
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _prepare_output(path: str | os.PathLike[str], name: str,
                    ensure_parent: bool) -> tuple[Path, bool, int]:
    """Check an output path. Returns (file to write, write-directly?, permission bits)."""
    raw = os.fspath(path)
    if not raw:
        raise OutputError("output path is empty")
    target = Path(raw)
    try:
        if target.is_symlink():  # write through the link, keep the link
            target = Path(os.path.realpath(target))
        st: os.stat_result | None = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except PermissionError:
        raise OutputError(f"{name}: permission denied") from None
    except (OSError, ValueError) as exc:
        reason = _reason(exc) if isinstance(exc, OSError) else "invalid file name"
        raise OutputError(f"{name}: cannot write: {reason}") from None

    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{name}: is a directory")
        if not stat.S_ISREG(st.st_mode):
            # A device or pipe (/dev/stdout, a FIFO): never replace it, write into it.
            return target, True, 0
        if not os.access(target, os.W_OK):
            raise OutputError(f"{name}: permission denied (the file is read-only)")
        mode = stat.S_IMODE(st.st_mode)
    else:
        if raw.endswith(("/", os.sep)):
            raise OutputError(f"{name}: expected a file name, not a folder")
        mode = 0o666 & ~_umask()  # what open() would create

    parent = target.parent
    shown = _display(parent)
    try:
        parent_st = os.stat(parent)
    except FileNotFoundError:
        if not ensure_parent:
            raise OutputError(f"{name}: folder '{shown}' does not exist") from None
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise OutputError(f"{name}: cannot create folder '{shown}': "
                              "a file is in the way") from None
        except OSError as exc:
            raise OutputError(f"{name}: cannot create folder '{shown}': {_reason(exc)}") from None
    except NotADirectoryError:
        raise OutputError(f"{name}: '{shown}' is not a folder") from None
    except OSError as exc:
        raise OutputError(f"{name}: cannot use folder '{shown}': {_reason(exc)}") from None
    else:
        if not stat.S_ISDIR(parent_st.st_mode):
            raise OutputError(f"{name}: '{shown}' is not a folder")
    return target, False, mode


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (best effort; not possible on every OS / file system)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w", *, encoding: str = "utf-8",
                  newline: str | None = "", ensure_parent: bool = False) -> Iterator[IO[Any]]:
    """Context manager yielding a file object whose content replaces `path` atomically.

    Data goes to a hidden temporary file in the same folder (``.<name>.XXXX.tmp``), which is
    flushed, fsync'ed and `os.replace`d onto `path` when the block ends normally. If the block
    raises anything (KeyboardInterrupt included) the temporary file is removed, the exception
    propagates and an existing `path` is left untouched. An existing file keeps its permission
    bits; a new one gets ``0o666 & ~umask`` like `open()`. Symlinks are written through.
    Existing devices/pipes (e.g. /dev/stdout) are written directly, never replaced.

    `mode` is "w" (text, `encoding`; `newline=""` writes line endings exactly as given) or
    "wb". Missing folders are an error unless `ensure_parent=True`. Problems with the path,
    folder or disk raise `OutputError` (one line); exceptions from the block pass through.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', not {mode!r}")
    name = _display(path)
    target, direct, permissions = _prepare_output(path, name, ensure_parent)
    options: dict[str, Any] = {"encoding": encoding, "newline": newline} if mode == "w" else {}

    if direct:
        try:
            fh = open(target, mode, **options)
        except OSError as exc:
            raise OutputError(f"{name}: cannot write: {_reason(exc)}") from None
        try:
            with fh:  # a device or pipe: its errors (/dev/full) come at write or close
                yield fh
        except OSError as exc:
            raise OutputError(f"{name}: cannot write: {_reason(exc)}") from None
        return

    import tempfile

    folder = target.parent
    try:
        tmp = tempfile.NamedTemporaryFile(mode, dir=folder, prefix=f".{target.name[:100]}.",
                                          suffix=".tmp", delete=False, **options)
    except PermissionError:
        raise OutputError(f"{name}: permission denied "
                          f"(cannot create files in folder '{_display(folder)}')") from None
    except OSError as exc:
        raise OutputError(f"{name}: cannot write in folder '{_display(folder)}': "
                          f"{_reason(exc)}") from None
    tmp_path = tmp.name
    committed = False
    try:
        yield tmp
        try:
            tmp.flush()
            try:
                os.fsync(tmp.fileno())
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, getattr(errno, "ENOTSUP", -1)):
                    raise
            tmp.close()
            os.chmod(tmp_path, permissions)
            os.replace(tmp_path, target)
        except OSError as exc:
            raise OutputError(f"{name}: cannot write: {_reason(exc)}") from exc
        committed = True
    finally:
        if not committed:
            with contextlib.suppress(Exception):
                tmp.close()
            with contextlib.suppress(OSError):
                os.unlink(tmp_path)
    _fsync_folder(folder)


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8",
                 ensure_parent: bool = False) -> Path:
    """Atomically replace `path` with `data` (str is encoded, written without newline
    translation; bytes are written as is). Returns `path` as a Path. See `atomic_writer`."""
    name = _display(path)
    binary = isinstance(data, (bytes, bytearray, memoryview))
    try:
        with atomic_writer(path, "wb" if binary else "w", encoding=encoding,
                           ensure_parent=ensure_parent) as fh:
            fh.write(data)
    except OSError as exc:
        raise OutputError(f"{name}: cannot write: {_reason(exc)}") from exc
    except UnicodeEncodeError as exc:
        raise OutputError(f"{name}: cannot encode the text as {encoding}: {exc.reason}") from None
    return Path(path)
