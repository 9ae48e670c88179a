"""The root of the command line: the app, its one-line errors and exit codes, the consoles.

The only place that prints an error or exits; commands raise `LrschedError`s.
"""
from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated, Any, Callable, TextIO

import typer
from typer.core import TyperGroup

from ..errors import ExitCode, LrschedError, OutputError
from .coercion import install as _coerce_when_needed

_coerce_when_needed()  # typer would import pydantic on every run (cli/coercion.py)


# -- errors: one line on stderr, a traceback only with --debug -------------------------------

def _debug_requested(args: list[str]) -> bool:
    return "--debug" in args or os.environ.get("LRSCHED_DEBUG") == "1"


def error_line(message: str) -> str:
    return f"error: {message}"


def _click_message(exc: Exception) -> str:
    from typer._click.exceptions import NoSuchOption

    from ..core.registry import did_you_mean

    if isinstance(exc, NoSuchOption):
        hint = did_you_mean(exc.option_name, exc.possibilities or ())
        message = f"unknown option '{exc.option_name}'{hint}"
    else:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        message = " ".join(message.split())
        message = message[0].lower() + message[1:] if message[:2].istitle() else message
        # Click's sentences ("No such command 'x'. Did you mean 'y'?") in lrsched's style.
        message = message.replace(". Did you mean", "; did you mean").removesuffix(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


class LrschedGroup(TyperGroup):
    """The root group: turns every failure into one line on stderr and the right exit code."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        from typer import _click
        from typer.exceptions import Abort

        args = list(sys.argv[1:] if args is None else args)
        debug = _debug_requested(args)
        args = [a for a in args if a != "--debug"]
        try:
            with _signals_as_interrupts() as received:
                result = super().main(args=args, prog_name=prog_name or "lrsched", complete_var=complete_var,
                                      standalone_mode=False, **extra)
                # typer returns 130 for any KeyboardInterrupt; SIGTERM's is 143, SIGHUP's 129
                code = 128 + received[0] if received else result if isinstance(result, int) else 0
                flush_stdout()
        except _click.exceptions.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help())
            code = ExitCode.OK
        except _click.exceptions.UsageError as exc:
            code = _fail(_click_message(exc), ExitCode.USAGE, debug)
        except _click.exceptions.ClickException as exc:
            code = _fail(_click_message(exc), ExitCode.FAILURE, debug)
        except LrschedError as exc:
            code = _fail(str(exc), exc.exit_code, debug)
        except (KeyboardInterrupt, Abort) as exc:
            if debug:
                raise
            code = 128 + exc.signum if isinstance(exc, Terminated) else ExitCode.INTERRUPTED
        except BrokenPipeError:
            _silence_stdout()
            code = ExitCode.FAILURE
        except StdoutError as exc:
            _silence_stdout()
            code = _fail(str(exc), exc.exit_code, debug)
        except Exception as exc:  # a bug: still one line, the traceback under --debug
            code = _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the "
                         "traceback)", ExitCode.FAILURE, debug)
        if standalone_mode:
            sys.exit(int(code))
        return int(code)


def _fail(message: str, code: int, debug: bool) -> int:
    if debug:
        raise
    # One line, whatever the message holds (a user's exception text may span several).
    typer.echo(error_line(" ".join(str(message).split())), err=True)
    return code


# -- the command line itself ------------------------------------------------------------------

class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as Ctrl-C does, so half-written files are removed on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_as_interrupts() -> Any:
    import signal

    received: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        received.append(signum)
        raise Terminated(signum)

    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {}
    try:
        for name in names:
            number = getattr(signal, name)
            previous[number] = signal.signal(number, stop)
    except ValueError:  # not the main thread: the signals keep their handlers
        pass
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


# -- stdout: data goes there, and its failures are one line too --------------------------------

class StdoutError(OutputError):
    """stdout is closed, full or cannot encode the text."""


STDOUT_CLOSED = "stdout is closed, so nothing can be written; redirect it or write a file with -o"


class Stdout:
    """sys.stdout, with its failures (a full disk, /dev/full, an encoding that lacks a character)
    raised as one-line StdoutErrors; rich and the writers see an ordinary text stream."""

    def __init__(self) -> None:
        if sys.stdout is None:  # `>&-`: rich would print into nothing and report success
            raise StdoutError(STDOUT_CLOSED)
        self.stream = sys.stdout

    def write(self, text: str) -> int:
        with _stdout_errors():
            return self.stream.write(text)

    def flush(self) -> None:
        with _stdout_errors():
            self.stream.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, ...
        return getattr(self.stream, name)


@contextlib.contextmanager
def _stdout_errors() -> Any:
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        from ..io.files import _reason

        raise StdoutError(f"stdout: cannot write: {_reason(exc)}") from None
    except UnicodeEncodeError as exc:
        shown = exc.object[exc.start:exc.end]
        raise StdoutError(f"stdout's encoding {exc.encoding!r} cannot hold {shown!r}; "
                          "set PYTHONIOENCODING=utf-8 or write a file with -o") from None


def to_stdout(write: Callable[[TextIO], Any]) -> None:
    """Write data to stdout and flush it, so a failure is reported here, not at exit."""
    stream = Stdout()
    write(stream)  # type: ignore[arg-type]
    stream.flush()


def flush_stdout() -> None:
    if sys.stdout is not None:
        Stdout().flush()


def _silence_stdout() -> None:
    """After stdout failed, point it at /dev/null so Python's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def examples(*lines: str) -> str:
    """An epilog, so that every --help ends with runnable examples (kept unwrapped)."""
    return "\b\nExample" + ("s" if len(lines) > 1 else "") + ":\n" + "\n".join(f"  {line}" for line in lines)


app = typer.Typer(
    cls=LrschedGroup,
    name="lrsched",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Explore, plot, compare and export learning-rate schedules, exactly as PyTorch computes them.\n\n"
         "lr(t) is the learning rate after t calls of scheduler.step(), i.e. the rate used by update t+1.",
    epilog=examples("lrsched plot cosine --max-lr 0.1", "lrsched describe cosine",
                    "lrsched export cosine --max-lr 0.1 --steps 100 -o cosine.csv"),
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"lrsched {version('lrsched')}")
        except PackageNotFoundError:
            typer.echo("lrsched (not installed)")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                                          callback=_version, is_eager=True)] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors (also accepted "
                                        "anywhere on the command line).")] = False,
) -> None:
    """lrsched: learning-rate schedules, seen before training."""


def out() -> Any:
    """The data console: stdout; wide when redirected so tables stay whole in a file."""
    from rich.console import Console

    stream = Stdout()
    console = Console(file=stream, highlight=False)
    if not console.is_terminal:
        console = Console(file=stream, highlight=False, width=120)
    return console


def say(message: str) -> None:
    typer.echo(message, err=True)


def main() -> None:
    """Console-script entry point; Ctrl-C before or after LrschedGroup.main runs exits 130 too."""
    try:
        app()
    except KeyboardInterrupt:
        if _debug_requested(sys.argv[1:]):
            raise
        sys.exit(ExitCode.INTERRUPTED)
