"""`python -m lrsched_cli`; `run` also suits a console script: Ctrl-C while the CLI is still being
imported exits 130 quietly, like Ctrl-C at any later moment."""
import sys


def run() -> None:
    try:
        from .cli import main
    except KeyboardInterrupt:
        if "--debug" in sys.argv[1:]:
            raise
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
