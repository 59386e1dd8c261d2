"""The ``workbench`` command line: one module per layer adds its commands.

Every command prints a readable message and exits 1 on bad input, never a
Python traceback: DataError (and the framework's and scenario's errors, which
subclass ValueError) are caught at this one place, and an error that can speak
both languages (``err.message(lang)``) speaks the command's ``--lang``.

>>> build_parser().parse_args(["check", "sample_data"]).command
'check'
"""

from __future__ import annotations

import argparse
import sys

from ..i18n import tr
from . import assess, data, serve, settings, studies

__all__ = ["main", "build_parser", "COMMANDS"]

#: The modules that add subcommands, in the order ``workbench --help`` lists them.
COMMANDS = (data, assess, settings, studies, serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Branch Assessment Workbench (支部考评工作台): data, scoring, scenarios, dashboards.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = getattr(args, "lang", None) or "en"
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(tr("cli_interrupted", lang), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``workbench screen ... | head``): stop quietly, as other tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ValueError, FileNotFoundError, PermissionError) as exc:
        # DataError, FrameworkError, ScenarioError ... all say what and where.
        print(_error_line(exc, lang), file=sys.stderr)
        return 1


def _error_line(exc: Exception, lang: str) -> str:
    """``error: ...`` in ``lang`` when the error can speak it (``exc.message(lang)``), else in English."""
    message = getattr(exc, "message", None)
    if callable(message):
        try:
            return tr("cli_error", lang, message=message(lang))
        except (TypeError, ValueError):
            pass
    return tr("cli_error", "en", message=exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
