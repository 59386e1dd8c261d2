"""The state every dashboard shares: which data, which year, which language, whose; and where it is kept.

:class:`AppState` is the model at the root of every dashboard: the data set
(replaced only by a load that succeeded), the assessment period, the language
and theme, where the data came from (who loaded it, when), and whose page it is
(:class:`~workbench.views.environment.Identity`). Every data set that enters it
passes the user's scope first: a township user's state holds only their
township's branches and members (:func:`~workbench.data.scope.scope_to_townships`),
whatever was loaded; a presenter's state refuses uploads.

:class:`DataStore` is how the dashboards of one server agree on the data and
where a user's work is kept. Under the server's state folder
(``workbench serve --state-dir``)::

    users/<user>/current -> sets/<id>    the uploaded data set in use (every dashboard of the user shows it)
    users/<user>/sets/<id>/              its files, written whole before the link is swapped
    users/<user>/keep                    present when the user chose to keep the upload after signing out
    users/<user>/schemes/<data set>/     saved weighting schemes, per data set (see :func:`dataset_key`)
    users/<user>/scenarios/              saved branch-setting scenarios
    users/<user>/exports/                exports (mode 0600, size-limited, removed after a day)
    audit/audit-<year>-<month>.jsonl     the audit log (:mod:`workbench.views.audit`)

An upload is the user's data set for their session: it stays while they work
(across pages and reloads) and is removed when the session ends (they sign out,
or their login lapses with no activity), unless they choose to keep it when
signing out (``keep``); it is then kept until replaced or until they go back to
the server's data. A reader of a store sees the old data set or the new one,
never a mix.

>>> import tempfile
>>> store = DataStore(tempfile.mkdtemp(), user="demo")
>>> store.current() is None
True
>>> files = {p.name: p.read_bytes() for p in Path("sample_data").glob("*.csv")}
>>> record = store.save(files, source="county (CSV)", loaded_by="demo")
>>> store.current().source, len(store.current().files) == len(files)
('county (CSV)', True)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import traitlets as t

from ..assess.framework import Framework
from ..data import BranchData, DataError, load, load_files
from ..data.scope import scope_to_townships
from ..i18n import tr
from .audit import AuditLog
from .environment import Identity
from .mvc import Model

__all__ = ["AppState", "DataStore", "StoredData", "KernelHome", "dataset_key", "safe_name", "user_folder",
           "sweep_uploads", "clean_exports", "EXPORT_KEEP_SECONDS"]

#: Exports older than this are removed when the server starts (they were downloaded when made).
EXPORT_KEEP_SECONDS = 24 * 3600


def safe_name(text: str, *, limit: int = 60) -> str:
    """A name safe as one path component (letters, digits, CJK, ``-_.``), never empty.

    >>> safe_name("张三/../x"), safe_name("..")
    ('张三_.._x', 'x-9d89')
    """
    cleaned = re.sub(r"[^\w.\-]", "_", str(text), flags=re.UNICODE).strip("._") if text else ""
    if not cleaned or set(cleaned) <= {"."}:
        return "x-" + hashlib.sha1(str(text).encode()).hexdigest()[:4]
    return cleaned[:limit]


def dataset_key(data: BranchData) -> str:
    """A short stable key of a data set (its branches and members), for folders of saved work.

    Two loads of the same county (CSV or workbook) give the same key.

    >>> import workbench as wb
    >>> dataset_key(wb.load("sample_data")) == dataset_key(wb.load("sample_data/county.xlsx"))
    True
    """
    h = hashlib.sha1()
    for frame, column in ((data.branches, "branch_id"), (data.members, "member_id")):
        ids = frame[column].astype(str).sort_values().to_numpy()
        h.update(pd.util.hash_array(ids, categorize=False).tobytes())
    return f"{len(data.branches)}b-{h.hexdigest()[:12]}"


@dataclass(frozen=True)
class StoredData:
    """An uploaded data set as kept in a :class:`DataStore`."""

    folder: Path
    source: str
    loaded_by: str
    loaded_at: str
    files: dict[str, Path] = field(default_factory=dict)

    def read(self) -> dict[str, bytes]:
        return {name: path.read_bytes() for name, path in self.files.items()}

    def load(self) -> BranchData:
        return load_files(self.read(), source=self.source)


def user_folder(root: str | os.PathLike, user: str) -> Path:
    """The folder of a user's uploads, schemes, scenarios and exports under a state folder.

    >>> user_folder("/srv/state", "zhang.san").as_posix()
    '/srv/state/users/zhang.san'
    """
    return Path(root) / "users" / safe_name(user)


def _private_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class DataStore:
    """The data set one user works on, and where their work is kept (see the module's description).

    ``root`` is the server's state folder. ``home`` replaces ``users/<user>``
    for a kernel that starts before it knows its user (see :class:`KernelHome`).
    A ``read_only`` store (a presenter's) refuses to save an upload.
    """

    def __init__(self, root: str | os.PathLike, *, user: str = "local", read_only: bool = False,
                 home: str | os.PathLike | None = None):
        self.root = Path(root)
        self.user = user
        self.read_only = read_only
        self.folder = Path(home) if home is not None else user_folder(self.root, user)
        self.audit = AuditLog(self.root)

    @property
    def link(self) -> Path:
        return self.folder / "current"

    def current(self) -> StoredData | None:
        """The data set in use, or None when the user never replaced the server's data."""
        target = self.link
        try:
            meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        sets = (self.folder / "sets").resolve()
        resolved = target.resolve()
        if not resolved.is_relative_to(sets):  # only our own folders, never a link planted elsewhere
            return None
        files = {name: resolved / stored for name, stored in meta.get("files", {}).items()}
        if not all(p.is_file() and p.resolve().is_relative_to(resolved) for p in files.values()):
            return None
        return StoredData(folder=resolved, source=str(meta.get("source", "")),
                          loaded_by=str(meta.get("loaded_by", "")), loaded_at=str(meta.get("loaded_at", "")),
                          files=files)

    def save(self, files: dict[str, bytes], *, source: str, loaded_by: str | None = None) -> StoredData:
        """Keep ``files`` (an upload that loaded) as the data set in use.

        Raises
        ------
        PermissionError
            For a read-only (presenter's) store.
        """
        if self.read_only:
            raise PermissionError(tr("read_only_refused", "zh") + " / " + tr("read_only_refused", "en"))
        sets = _private_folder(self.folder / "sets")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        new = sets / f"{stamp}-{secrets.token_hex(4)}"
        new.mkdir(mode=0o700)
        stored = {}
        for k, (name, content) in enumerate(files.items()):
            fname = f"{k:02d}-{safe_name(Path(name).name)}"
            path = new / fname
            path.write_bytes(content)
            os.chmod(path, 0o600)
            stored[name] = fname
        meta = {"source": source, "loaded_by": loaded_by or self.user,
                "loaded_at": dt.datetime.now().isoformat(timespec="seconds"), "files": stored}
        (new / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp_link = self.folder / f".current-{secrets.token_hex(4)}"
        os.symlink(Path("sets") / new.name, tmp_link)
        os.replace(tmp_link, self.link)  # the one atomic step
        for old in sets.iterdir():
            if old != new and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        self.audit.record("upload", user=self.user, source=source, files=sorted(files),
                          bytes=sum(len(b) for b in files.values()))
        return self.current()

    def forget(self) -> None:
        """Go back to the server's data set (the upload stays on disk until :meth:`remove_uploads`)."""
        if self.link.is_symlink() or self.link.exists():
            self.link.unlink()

    def remove_uploads(self) -> bool:
        """Remove the user's uploaded data sets from the server; returns whether there were any."""
        had = self.link.is_symlink() or (self.folder / "sets").exists()
        self.forget()
        shutil.rmtree(self.folder / "sets", ignore_errors=True)
        (self.folder / "keep").unlink(missing_ok=True)
        return had

    def keep_uploads(self, keep: bool = True) -> None:
        """Keep (or stop keeping) the upload beyond the end of the user's session."""
        marker = self.folder / "keep"
        if keep:
            _private_folder(self.folder)
            marker.write_text(dt.datetime.now().isoformat(timespec="seconds"), encoding="utf-8")
        else:
            marker.unlink(missing_ok=True)

    def kept(self) -> bool:
        return (self.folder / "keep").exists()

    def touch(self) -> None:
        """Note that the user is active now (their session goes on)."""
        marker = _private_folder(self.folder) / "last_seen"
        marker.touch()

    def schemes_folder(self, data: BranchData) -> Path:
        """Where this user's schemes for ``data`` are kept."""
        return self.folder / "schemes" / dataset_key(data)

    def work_folder(self, data: BranchData, kind: str) -> Path:
        """Where this user's saved work of one ``kind`` for ``data`` is kept (``screening`` decisions,
        ``scenarios``): in the user's folder, like the schemes, one folder per kind and data set."""
        return self.folder / safe_name(kind) / dataset_key(data)

    def scenarios_folder(self) -> Path:
        """Where this user's branch-setting scenarios are kept."""
        return self.folder / "scenarios"

    def exports_folder(self) -> Path:
        """Where this user's exports are written."""
        return self.folder / "exports"


class KernelHome:
    """The user folder of a kernel that starts before it knows its user (a pre-run kernel).

    ``path`` (``<state>/run/kernels/<kernel>/home``) is a link: to an empty
    folder of the kernel's own until the user is known, then (:meth:`bind`) to
    ``users/<user>``. Folders the dashboard took before (exports, scenarios)
    are then the user's, and nobody else's, since a kernel serves one user.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> home = KernelHome(root, "k1")
    >>> home.bind("li").resolve() == user_folder(root, "li").resolve()
    True
    """

    def __init__(self, root: str | os.PathLike, kernel_id: str):
        self.root = Path(root)
        self.folder = self.root / "run" / "kernels" / safe_name(kernel_id)
        self.path = self.folder / "home"
        waiting = _private_folder(self.folder / "unclaimed")
        if not self.path.is_symlink():
            os.symlink(waiting, self.path)

    def bind(self, user: str) -> Path:
        target = _private_folder(user_folder(self.root, user))
        for sub in ("exports", "scenarios"):
            _private_folder(target / sub)
        tmp = self.folder / f".home-{secrets.token_hex(4)}"
        os.symlink(target, tmp)
        os.replace(tmp, self.path)
        return self.path


def sweep_uploads(root: str | os.PathLike, *, idle_seconds: float, now: float | None = None) -> list[str]:
    """Remove the uploads of users whose session has lapsed (no activity for ``idle_seconds``,
    not kept on purpose); returns their names.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> store = DataStore(root, user="li")
    >>> _ = store.save({"a.csv": b"1"}, source="a"); store.touch()
    >>> sweep_uploads(root, idle_seconds=3600), sweep_uploads(root, idle_seconds=3600, now=time.time() + 7200)
    ([], ['li'])
    """
    now = time.time() if now is None else now
    swept = []
    users = Path(root) / "users"
    if not users.is_dir():
        return swept
    for folder in sorted(users.iterdir()):
        store = DataStore(root, user=folder.name, home=folder)
        if not (store.folder / "sets").exists() or store.kept():
            continue
        try:
            seen = (folder / "last_seen").stat().st_mtime
        except FileNotFoundError:
            seen = 0.0
        if now - seen > idle_seconds:
            store.remove_uploads()
            swept.append(folder.name)
    return swept


def clean_exports(root: str | os.PathLike, *, older_than: float = EXPORT_KEEP_SECONDS,
                  now: float | None = None) -> int:
    """Remove exports older than ``older_than`` seconds from every user's folder; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in (Path(root) / "users").glob("*/exports/*"):
        try:
            if path.is_file() and now - path.stat().st_mtime > older_than:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


class AppState(Model):
    """Data, period, language and theme of one dashboard, and whose it is.

    ``data`` is replaced only by a load that succeeded; a failed load sets
    ``problems`` (the DataError table) and keeps the previous data.
    ``source``, ``loaded_by`` and ``loaded_at`` say where the data came from.
    ``identity`` (default: none, everything allowed) scopes every data set that
    enters to the user's townships and makes a presenter's state refuse uploads;
    a load that would leave a township user with no branch is refused.
    """

    lang = t.Unicode("zh")
    theme = t.Unicode("light")
    period = t.Int(allow_none=True)
    periods = t.List(t.Int())
    source = t.Unicode("")
    loaded_by = t.Unicode("")
    loaded_at = t.Unicode("")
    problems = t.Any(None)       # DataFrame of the last failed load, else None
    error = t.Any(None)          # the DataError of the last failed load (it renders in either language)
    #: bumped whenever ``data`` changes (views re-render on it)
    revision = t.Int(0)

    def __init__(self, data: BranchData, *, framework: Framework | None = None, lang: str = "zh",
                 theme: str = "light", period: int | None = None, source: str = "",
                 store: DataStore | None = None, loaded_by: str = "", loaded_at: str = "",
                 identity: Identity | None = None):
        super().__init__(lang=lang, theme=theme)
        self.framework = framework or Framework.default()
        self.store = store
        self.identity = identity
        data = self.scoped(data)
        if not len(data.branches) and identity is not None and identity.scoped:
            raise ValueError(tr("township_no_branches", "en", townships=", ".join(identity.townships)))
        self.data = data
        self._lookups()
        self.source = source or data.source
        self.loaded_by, self.loaded_at = loaded_by, loaded_at
        self.periods = data.periods
        self.period = period if period in data.periods else (data.periods[-1] if data.periods else None)

    @classmethod
    def from_source(cls, source: str | Path | BranchData, **kwargs) -> AppState:
        data = source if isinstance(source, BranchData) else load(source)
        return cls(data, source=str(getattr(data, "source", source)), **kwargs)

    @property
    def read_only(self) -> bool:
        """Whether this user may not upload or save (a presenter)."""
        return self.identity is not None and self.identity.read_only

    @property
    def user(self) -> str:
        return self.identity.user if self.identity is not None else (self.store.user if self.store else "")

    def scoped(self, data: BranchData) -> BranchData:
        """``data`` as this user may see it (a township user's townships only)."""
        if self.identity is None or not self.identity.scoped:
            return data
        return scope_to_townships(data, self.identity.townships)

    def _refuse(self, key: str, **values) -> bool:
        """Refuse a load with a message of the catalogue, shown as data problems are."""
        self._refused(DataError([{"file": Path(self.source).name if self.source else "", "key": key,
                                  "params": values}], lang=self.lang))
        return False

    def _accept(self, data: BranchData) -> BranchData | None:
        scoped = self.scoped(data)
        if not len(scoped.branches) and self.identity is not None and self.identity.scoped:
            self._refuse("township_no_branches", townships="、".join(self.identity.townships)
                         if self.lang == "zh" else ", ".join(self.identity.townships))
            return None
        return scoped

    def _audit(self, event: str, **details) -> None:
        if self.store is not None:
            self.store.audit.record(event, user=self.user or self.store.user, **details)

    def _lookups(self) -> None:
        # one object per data revision: the scheme's cache of normalized values keys on it
        branches = self.data.branches.set_index("branch_id")
        self.townships = branches["township"]
        self.names = branches["name"]

    def replace_data(self, data: BranchData, source: str, *, loaded_by: str = "", loaded_at: str = "") -> None:
        """Show ``data`` (scoped to the user first) from now on."""
        data = self.scoped(data)
        self.data = data
        self._lookups()
        with self.hold_trait_notifications():
            self.source = source
            self.loaded_by = loaded_by
            self.loaded_at = loaded_at or dt.datetime.now().isoformat(timespec="seconds")
            self.problems = None
            self.error = None
            self.periods = data.periods
            if self.period not in data.periods:
                self.period = data.periods[-1] if data.periods else None
        self.revision += 1

    def load(self, source: str | Path) -> bool:
        """Load a folder or workbook; on bad input keep the current data and set ``problems``."""
        try:
            data = self._accept(load(source, lang=self.lang))
        except DataError as err:
            self._refused(err)
            return False
        if data is None:
            return False
        self.replace_data(data, str(source))
        self._audit("load", source=str(source), branches=len(data.branches), members=len(data.members))
        return True

    def _refused(self, err: DataError) -> None:
        with self.hold_trait_notifications():
            self.error = err
            self.problems = err.problems

    def load_uploaded(self, files: dict[str, bytes], *, source: str | None = None) -> bool:
        """Load uploaded CSV files or one workbook; same guarantees as :meth:`load`.

        A load that succeeds is kept in the :class:`DataStore` (when there is
        one), so every dashboard of this user shows it from now on.
        """
        if self.read_only:
            return self._refuse("read_only_refused")
        source = source or ", ".join(sorted(files))
        try:
            data = self._accept(load_files(files, source=source, lang=self.lang))
        except DataError as err:
            self._refused(err)
            return False
        if data is None:
            return False
        loaded_by = loaded_at = ""
        if self.store is not None:
            record = self.store.save(files, source=source)
            loaded_by, loaded_at = record.loaded_by, record.loaded_at
        self.replace_data(data, source, loaded_by=loaded_by, loaded_at=loaded_at)
        self._audit("load", source=source, branches=len(data.branches), members=len(data.members), upload=True)
        return True

    def use_default(self, source: str | Path) -> bool:
        """Go back to the server's own data set (forgetting an upload)."""
        if not self.load(source):
            return False
        if self.store is not None:
            self.store.forget()
        return True
