"""The ``workbench`` command line: one module per layer adds its commands.

Every command prints a readable message and exits 1 on bad input, never a
Python traceback: DataError (in the language of ``--lang``), the framework's
and scenario's errors (which subclass ValueError; one that can speak both
languages, ``err.message(lang)``, speaks the command's ``--lang``), and
operating-system errors (one line: the path and the reason) are caught at this
one place. Anything else is reported in one line too; ``WORKBENCH_DEBUG=1``
shows the traceback.

>>> build_parser().parse_args(["check", "sample_data"]).command
'check'
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from ..i18n import tr

__all__ = ["main", "build_parser", "COMMANDS"]

#: The modules that add subcommands, in the order ``workbench --help`` lists them.
COMMANDS = ("data", "assess", "panel", "settings", "studies", "meeting", "serve", "users")
# Commands whose module is light: ``workbench check`` starts without loading the
# dashboards' libraries (the serve module imports the whole view layer).
_DATA_COMMANDS = frozenset({"check", "template", "sample"})


def build_parser(commands: tuple[str, ...] = COMMANDS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Branch Assessment Workbench (支部考评工作台): data, scoring, scenarios, dashboards.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in commands:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    light = first in _DATA_COMMANDS and not any(a in ("-h", "--help") for a in argv[:1])
    parser = build_parser(("data",) if light else COMMANDS)
    args = parser.parse_args(argv)
    lang = getattr(args, "lang", "en") if getattr(args, "lang", "en") in ("zh", "en") else "en"
    try:
        from ..files import remove_stale_temporaries

        for attr in ("output", "out", "report", "xlsx"):  # temporaries of an earlier run that was killed
            target = getattr(args, attr, None)
            if isinstance(target, str) and target:
                remove_stale_temporaries(Path(target).parent if Path(target).suffix else Path(target).parent)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(tr("cli_interrupted", lang), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``workbench screen ... | head``): stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place that turns every error into a message
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        # an error that speaks both languages (a DataError, ``err.message(lang)``) speaks --lang
        speaks = isinstance(exc, _bilingual_errors()) or callable(getattr(exc, "message", None))
        shown = lang if speaks else "en"
        print(tr("cli_error", shown, message=describe_error(exc, shown)), file=sys.stderr)
        return 1


def _bilingual_errors() -> tuple[type, ...]:
    from ..data import DataError

    return (DataError,)


def describe_error(exc: BaseException, lang: str = "en") -> str:
    """One readable message for an exception (a DataError keeps its list of problems).

    >>> describe_error(FileNotFoundError(2, "No such file or directory", "x/y.xlsx"))
    'x/y.xlsx: No such file or directory'
    """
    from ..data import DataError

    if isinstance(exc, DataError):
        return exc.render(lang)
    message = getattr(exc, "message", None)
    if callable(message):  # an error that speaks both languages
        try:
            return str(message(lang))
        except (TypeError, ValueError):
            pass
    if isinstance(exc, OSError):
        path = exc.filename if exc.filename is not None else ""
        path = str(path)
        if len(path) > 160:
            path = path[:80] + "…" + path[-60:]
        reason = exc.strerror or str(exc) or type(exc).__name__
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason += " (a file is in the way of a folder)" if lang == "en" else "（路径中有同名文件挡住了文件夹）"
        return f"{path}: {reason}" if path else reason
    if isinstance(exc, (ValueError, TypeError, KeyError, LookupError)):
        text = str(exc)
        return text if len(text) <= 4000 else text[:4000] + " ..."
    text = str(exc)[:300]
    return f"{type(exc).__name__}: {text}" + (" (set WORKBENCH_DEBUG=1 for details)" if lang == "en" else
                                              "（设置 WORKBENCH_DEBUG=1 可查看详情）")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
