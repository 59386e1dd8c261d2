"""The audit log: who signed in, loaded, uploaded, exported and saved what, and when.

One JSON object per line in ``<state>/audit/audit-<year>-<month>.jsonl`` (mode
0600): ``time``, ``user``, ``event`` and the event's details. The server writes
sign-ins and sign-outs; the kernels write the rest, each as its own user, with
:meth:`AuditLog.record` (one ``write`` of one line on a file opened for
appending, so lines of several kernels never mix).

:func:`state_writes` classifies a write a kernel is about to make inside the
state folder: an audit event for work saved (a scheme, a scenario, a decision
...) and a refusal for a read-only user. A served kernel applies it to every
file operation through a Python audit hook (:pep:`578`, see
:mod:`workbench.serve.kernel`), so that no dashboard can save on the server for
a presenter, whatever its code does.

>>> import tempfile
>>> log = AuditLog(tempfile.mkdtemp())
>>> _ = log.record("load", user="li", source="sample_data", branches=300)
>>> [(e["user"], e["event"], e["branches"]) for e in log.read()]
[('li', 'load', 300)]
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Iterator

__all__ = ["AuditLog", "state_writes", "WRITE_EVENTS"]

#: Audit-hook events that create, change or remove files.
WRITE_EVENTS = frozenset({"open", "os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.symlink", "os.link",
                          "os.truncate", "shutil.rmtree", "os.chmod"})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class AuditLog:
    """The audit log of a server's state folder.

    Parameters
    ----------
    state_dir : path-like
        The server's state folder (``workbench serve --state-dir``).
    """

    def __init__(self, state_dir: str | os.PathLike):
        self.folder = Path(state_dir) / "audit"

    def path(self, when: dt.datetime | None = None) -> Path:
        when = when or dt.datetime.now()
        return self.folder / f"audit-{when:%Y-%m}.jsonl"

    def record(self, event: str, *, user: str, **details) -> dict:
        """Append one event; returns it. Never raises on a full disk or a missing folder (logs nothing then)."""
        entry = {"time": dt.datetime.now().isoformat(timespec="seconds"), "user": user, "event": event, **details}
        line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError:
            pass
        return entry

    def read(self) -> list[dict]:
        """Every event of every month, oldest first."""
        return list(self._entries())

    def _entries(self) -> Iterator[dict]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("audit-*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    yield json.loads(line)


def _is_write(event: str, args: tuple) -> bool:
    if event != "open":
        return True
    mode, flags = (args[1] if len(args) > 1 else None), (args[2] if len(args) > 2 else 0)
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return bool((flags or 0) & _WRITE_FLAGS)


def _target(event: str, args: tuple):
    """The path an event changes (the destination of a rename or link)."""
    if event in ("os.rename", "os.symlink", "os.link"):
        return args[1] if len(args) > 1 else None
    return args[0] if args else None


def state_writes(event: str, args: tuple, *, state_dir: Path, user_folder: Path | None, read_only: bool,
                 allowed: tuple[Path, ...] = ()) -> tuple[str, str] | None:
    """What to do about a file operation: ``("refuse", path)``, ``("export", path)``, ``("saved", path)`` or None.

    Only operations that write inside ``state_dir`` matter (realpaths compared).
    A read-only user may write only under ``allowed`` (their exports, the audit
    log); anything else there is refused. A file put in place in the user's
    ``exports`` folder is an export; one put in place elsewhere in their own
    folder (``user_folder``) is saved work, unless it is a hidden or temporary
    name or an upload (recorded where it happens).

    Examples
    --------
    >>> import tempfile
    >>> state = Path(tempfile.mkdtemp()).resolve()
    >>> user = state / "users" / "li"
    >>> scheme = str(user / "schemes" / "k" / "strong.yaml")
    >>> state_writes("open", (scheme, "w", 0), state_dir=state, user_folder=user, read_only=True)[0]
    'refuse'
    >>> state_writes("os.rename", ("/x/.tmp", scheme), state_dir=state, user_folder=user, read_only=False)[0]
    'saved'
    >>> state_writes("open", (scheme, "r", 0), state_dir=state, user_folder=user, read_only=True) is None
    True
    """
    if event not in WRITE_EVENTS or not _is_write(event, args):
        return None
    target = _target(event, args)
    if isinstance(target, bytes):
        target = os.fsdecode(target)
    if not isinstance(target, (str, os.PathLike)):
        return None
    path = Path(os.path.realpath(target))
    if not path.is_relative_to(state_dir):
        return None
    if read_only and not any(path.is_relative_to(a) for a in allowed):
        return ("refuse", str(path.relative_to(state_dir)))
    if user_folder is None or event not in ("open", "os.rename") or not path.is_relative_to(user_folder):
        return None
    relative = path.relative_to(user_folder)
    if path.name.startswith(".") or path.suffix == ".tmp" or len(relative.parts) < 2 \
            or relative.parts[0] in ("sets", "current"):
        return None
    return ("export" if relative.parts[0] == "exports" else "saved", str(path.relative_to(state_dir)))
