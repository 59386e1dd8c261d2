"""The state every dashboard shares: which data, which year, which language; and where it is kept.

:class:`AppState` is the model at the root of every dashboard: the data set
(replaced only by a load that succeeded), the assessment period, the language
and theme, and where the data came from (who loaded it, when).

:class:`DataStore` is how the dashboards of one server agree on the data: a
data set loaded once (uploaded in any dashboard) is what every dashboard of that
user shows until it is replaced, across page reloads. It lives in the server's
state folder (``workbench serve --state-dir``), one folder per user, written so
that a reader sees the old data set or the new one, never a mix.

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
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import traitlets as t

from ..assess.framework import Framework
from ..data import BranchData, DataError, load, load_files
from .mvc import Model

__all__ = ["AppState", "DataStore", "StoredData", "dataset_key", "safe_name"]


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


class DataStore:
    """The data set one user works on, kept for every dashboard of the server.

    ``root`` is the server's state folder; each user has ``users/<user>/``
    with ``current`` (a link to the data set in use) and ``sets/<id>/`` (the
    uploaded files and a ``meta.json``). Saving writes a new set and swaps the
    link in one rename, so a page opening meanwhile reads the old set or the new
    one, never a mix; older sets are removed afterwards.
    """

    def __init__(self, root: str | os.PathLike, *, user: str = "local"):
        self.root = Path(root)
        self.user = user
        self.folder = self.root / "users" / safe_name(user)

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
        """Keep ``files`` (an upload that loaded) as the data set in use."""
        sets = self.folder / "sets"
        sets.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        new = sets / f"{stamp}-{secrets.token_hex(4)}"
        new.mkdir(mode=0o700)
        stored = {}
        for k, (name, content) in enumerate(files.items()):
            fname = f"{k:02d}-{safe_name(Path(name).name)}"
            (new / fname).write_bytes(content)
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
        return self.current()

    def forget(self) -> None:
        """Go back to the server's data set."""
        if self.link.is_symlink() or self.link.exists():
            self.link.unlink()

    def schemes_folder(self, data: BranchData) -> Path:
        """Where this user's schemes for ``data`` are kept."""
        return self.root / "datasets" / dataset_key(data) / "schemes" / safe_name(self.user)

    def work_folder(self, data: BranchData, kind: str) -> Path:
        """Where this user's saved work of one ``kind`` for ``data`` is kept (``screening`` decisions,
        ``scenarios``), beside the schemes: one folder per data set, kind and user."""
        return self.root / "datasets" / dataset_key(data) / safe_name(kind) / safe_name(self.user)


class AppState(Model):
    """Data, period, language and theme of one dashboard.

    ``data`` is replaced only by a load that succeeded; a failed load sets
    ``problems`` (the DataError table) and keeps the previous data.
    ``source``, ``loaded_by`` and ``loaded_at`` say where the data came from.
    """

    lang = t.Unicode("zh")
    theme = t.Unicode("light")
    period = t.Int(allow_none=True)
    periods = t.List(t.Int())
    source = t.Unicode("")
    loaded_by = t.Unicode("")
    loaded_at = t.Unicode("")
    problems = t.Any(None)       # DataFrame of the last failed load, else None
    #: bumped whenever ``data`` changes (views re-render on it)
    revision = t.Int(0)

    def __init__(self, data: BranchData, *, framework: Framework | None = None, lang: str = "zh",
                 theme: str = "light", period: int | None = None, source: str = "",
                 store: DataStore | None = None, loaded_by: str = "", loaded_at: str = ""):
        super().__init__(lang=lang, theme=theme)
        self.framework = framework or Framework.default()
        self.store = store
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

    def _lookups(self) -> None:
        # one object per data revision: the scheme's cache of normalized values keys on it
        branches = self.data.branches.set_index("branch_id")
        self.townships = branches["township"]
        self.names = branches["name"]

    def replace_data(self, data: BranchData, source: str, *, loaded_by: str = "", loaded_at: str = "") -> None:
        self.data = data
        self._lookups()
        with self.hold_trait_notifications():
            self.source = source
            self.loaded_by = loaded_by
            self.loaded_at = loaded_at or dt.datetime.now().isoformat(timespec="seconds")
            self.problems = None
            self.periods = data.periods
            if self.period not in data.periods:
                self.period = data.periods[-1] if data.periods else None
        self.revision += 1

    def load(self, source: str | Path) -> bool:
        """Load a folder or workbook; on bad input keep the current data and set ``problems``."""
        try:
            data = load(source)
        except DataError as err:
            self.problems = err.problems
            return False
        self.replace_data(data, str(source))
        return True

    def load_uploaded(self, files: dict[str, bytes], *, source: str | None = None) -> bool:
        """Load uploaded CSV files or one workbook; same guarantees as :meth:`load`.

        A load that succeeds is kept in the :class:`DataStore` (when there is
        one), so every dashboard of this user shows it from now on.
        """
        source = source or ", ".join(sorted(files))
        try:
            data = load_files(files, source=source)
        except DataError as err:
            self.problems = err.problems
            return False
        loaded_by = loaded_at = ""
        if self.store is not None:
            record = self.store.save(files, source=source)
            loaded_by, loaded_at = record.loaded_by, record.loaded_at
        self.replace_data(data, source, loaded_by=loaded_by, loaded_at=loaded_at)
        return True

    def use_default(self, source: str | Path) -> bool:
        """Go back to the server's own data set (forgetting an upload)."""
        if not self.load(source):
            return False
        if self.store is not None:
            self.store.forget()
        return True
