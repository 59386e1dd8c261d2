"""Reading and writing files safely: never half a file, never a mix, never a formula from data.

The foundation every layer reads and writes through:

- :func:`atomic_path` writes one file beside its target and renames it into place;
  :func:`atomic_folder` does the same for a whole folder (a data set of several
  files): the new folder is written beside the old, a manifest last, and the
  two are swapped with one rename. Temporary names start with ``.~wb-`` and
  carry the writer's process id; :func:`remove_stale_temporaries` clears those
  of writers that died, and :func:`saved_files` never lists them.
- :func:`write_excel` and :func:`write_csv`: every export. A text that starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as
  text (never a live formula); dates without 00:00:00; column widths from the
  content; number formats per column; the header row frozen.
- :func:`safe_yaml_load`: YAML without aliases (no billion-laughs expansion)
  and with a size limit; its errors never quote the document.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import time
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Mapping

__all__ = [
    "atomic_path",
    "atomic_folder",
    "swap_into_place",
    "saved_files",
    "remove_stale_temporaries",
    "is_temporary",
    "temporary_name",
    "safe_yaml_load",
    "YamlError",
    "write_excel",
    "write_csv",
    "formula_safe",
    "MANIFEST_NAME",
    "read_folder_manifest",
    "ManifestError",
]

#: Every temporary file or folder this package makes starts with this.
TEMP_PREFIX = ".~wb-"
#: The manifest of a folder written by :func:`atomic_folder` (written last).
MANIFEST_NAME = "manifest.json"
_TEMP = re.compile(r"^\.~wb-(?P<pid>\d+)-[0-9a-f]+[.-]")
# A temporary file older than this is stale even when its writer's id is alive again (reused).
STALE_AFTER_S = 24 * 3600


def temporary_name(name: str) -> str:
    """A name for a temporary beside ``name``: hidden, marked as ours, with the writer's process id.

    >>> temporary_name("results.parquet").startswith(".~wb-")
    True
    """
    return f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.{name}"


def is_temporary(name: str) -> bool:
    """True for a name this package gives its temporary files and folders.

    >>> is_temporary(".~wb-123-ab12cd34.scheme.yaml"), is_temporary("scheme.yaml")
    (True, False)
    """
    return name.startswith(TEMP_PREFIX)


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path next to ``path``; move it into place only on success.

    A crash or an exception while writing leaves the old file untouched; the
    temporary file keeps the target's suffix (writers that choose a format by
    it work) but starts with ``.~wb-`` so that :func:`saved_files` skips it.

    >>> with atomic_path("/tmp/example.txt") as tmp:
    ...     _ = tmp.write_text("all or nothing")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / temporary_name(path.name)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(errno.ENOENT, "nothing was written", str(tmp))
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def saved_files(folder: str | os.PathLike, suffix: str) -> list[Path]:
    """The files of ``folder`` ending in ``suffix``, sorted, without temporaries or hidden files.

    What a "saved schemes" or "saved scenarios" list shows.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.yaml").write_text("x"); _ = (d / ".~wb-1-ab.b.yaml").write_text("x")
    >>> [p.name for p in saved_files(d, ".yaml")]
    ['a.yaml']
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.name.endswith(suffix) and not p.name.startswith(".") and p.is_file())


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike, *, older_than: float = STALE_AFTER_S) -> list[Path]:
    """Remove temporary files and folders left in ``folder`` by writers that died.

    A temporary is stale when the process that made it is gone, or when it is
    older than ``older_than`` seconds. Returns what was removed. Call it when a
    program starts (the CLI, a dashboard, a store of saved items).
    """
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for entry in folder.iterdir():
        m = _TEMP.match(entry.name)
        if not m:
            continue
        try:
            age = now - entry.lstat().st_mtime
        except OSError:
            continue
        if _pid_alive(int(m.group("pid"))) and age < older_than:
            continue
        try:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed


# ------------------------------------------------------------------ folders

_RENAME_EXCHANGE = 2
_libc = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where the system cannot."""
    global _libc
    if not hasattr(os, "fork") or os.uname().sysname != "Linux":
        return False
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            _libc.renameat2  # noqa: B018 - present from glibc 2.28
        except (OSError, AttributeError):
            _libc = False
    if not _libc:
        return False
    at_fdcwd = -100
    res = _libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if res == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # the file system cannot exchange: fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def swap_into_place(staging: str | os.PathLike, path: str | os.PathLike) -> None:
    """Put the folder (or file) ``staging`` at ``path``, replacing what was there.

    Where the system allows it (Linux), the two are exchanged in one rename and
    a reader sees either the old or the new, never neither; elsewhere the old
    one is renamed aside first. The old one is then removed.
    """
    staging, path = Path(staging), Path(path)
    if path.exists() or path.is_symlink():
        if _exchange(staging, path):
            old = staging  # after the exchange, ``staging`` holds the old data
        else:
            old = path.with_name(temporary_name(path.name + ".old"))
            os.rename(path, old)
            os.rename(staging, path)
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    else:
        os.rename(staging, path)


class ManifestError(ValueError):
    """A folder whose manifest says that a write did not finish."""

    def __init__(self, folder: Path, reason: str):
        self.folder, self.reason = folder, reason
        super().__init__(f"{folder}: incomplete data set ({reason}); write it again")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_manifest(folder: Path, extra: Mapping | None = None) -> None:
    files = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != MANIFEST_NAME and not is_temporary(p.name):
            files[p.relative_to(folder).as_posix()] = {"bytes": p.stat().st_size}
    doc = {"format": "workbench.folder", "version": 1, "complete": True,
           "written": dt.datetime.now().isoformat(timespec="seconds"), "files": files, **(extra or {})}
    with atomic_path(folder / MANIFEST_NAME) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def read_folder_manifest(folder: str | os.PathLike) -> dict | None:
    """The manifest of a folder written by :func:`atomic_folder`, checked; None when there is none.

    Raises :class:`ManifestError` when it cannot be read or is not marked
    complete (a write or a copy that did not finish). Files changed or removed
    since (a clerk edited the folder) are listed under ``"changed"`` and
    ``"removed"``.
    """
    folder = Path(folder)
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > 16 * 2**20:
            raise ValueError("too large")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(folder, f"{MANIFEST_NAME} is unreadable: {str(exc)[:80]}") from None
    if not isinstance(doc, dict) or doc.get("complete") is not True or not isinstance(doc.get("files"), dict):
        raise ManifestError(folder, f"{MANIFEST_NAME} is not marked complete")
    changed, removed = [], []
    for name, info in doc["files"].items():
        p = folder / name
        if not p.is_file():
            removed.append(name)
        elif isinstance(info, dict) and info.get("bytes") != p.stat().st_size:
            changed.append(name)
    doc["changed"], doc["removed"] = changed, removed
    return doc


@contextmanager
def atomic_folder(path: str | os.PathLike, *, keep_other_files: bool = True,
                  replaces: Callable[[str], bool] | None = None,
                  manifest: Mapping | None = None) -> Iterator[Path]:
    """Yield an empty staging folder beside ``path``; on success it becomes ``path`` in one swap.

    Write every file of the new data set into the staging folder; when the
    block ends without an exception a manifest (``manifest.json``: every file
    and its size, marked complete) is written last and the folder is swapped
    in (:func:`swap_into_place`). A crash leaves the old folder whole and a
    temporary folder that :func:`remove_stale_temporaries` clears later.
    Files of the old folder that the new one does not write (a workbook beside
    the CSV files) are kept (hard-linked into the new folder) unless
    ``keep_other_files`` is False or ``replaces(name)`` says the new data set
    replaces them; an old folder holding other sub-folders is refused rather
    than emptied.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "data"
    >>> with atomic_folder(target) as tmp:
    ...     _ = (tmp / "a.csv").write_text("x\\n1\\n")
    >>> sorted(p.name for p in target.iterdir())
    ['a.csv', 'manifest.json']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
    staging = path.parent / temporary_name(path.name)
    staging.mkdir()
    try:
        yield staging
        if path.is_dir() and keep_other_files:
            for entry in path.iterdir():
                if entry.name == MANIFEST_NAME or is_temporary(entry.name):
                    continue
                if replaces is not None and replaces(entry.name):
                    continue
                target = staging / entry.name
                if target.exists():
                    continue
                if entry.is_dir():
                    raise IsADirectoryError(errno.EISDIR, "the folder holds other folders; write the data "
                                            "set to a new or empty folder", str(entry))
                try:
                    os.link(entry, target)
                except OSError:
                    shutil.copy2(entry, target)
        _write_manifest(staging, manifest)
        _fsync_dir(staging)
        swap_into_place(staging, path)
        _fsync_dir(path.parent)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------- YAML

class YamlError(ValueError):
    """A YAML document that is refused; the message names the file and the place, never the content.

    For a syntax error, ``line`` and ``column`` (1-based) say where and ``detail``
    is PyYAML's own explanation (one line of the document at most).
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None,
                 detail: str = ""):
        super().__init__(message)
        self.line, self.column, self.detail = line, column, detail


MAX_YAML_BYTES = 2 * 2**20
MAX_YAML_DEPTH = 64
#: values a document may hold once its aliases are expanded (a billion-laughs bomb holds 10^9)
MAX_YAML_VALUES = 1_000_000


def safe_yaml_load(text: str | bytes, *, source: str = "<yaml>", max_bytes: int = MAX_YAML_BYTES):
    r"""Load YAML with bounded expansion, depth and size: what every YAML reader here uses.

    Aliases (``*a``) may repeat a value, but the document's size with every
    alias expanded is measured before anything is built, and a document beyond
    ``MAX_YAML_VALUES`` (a few hundred bytes of nested aliases expand to
    billions), a recursive alias, nesting deeper than ``MAX_YAML_DEPTH`` or a
    file over ``max_bytes`` is refused. Only plain YAML types are built (safe
    loader); errors say where without quoting the document.

    >>> safe_yaml_load("weights: {team: 0.3}")
    {'weights': {'team': 0.3}}
    >>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    ...     f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdef", "bcdefg"))
    >>> safe_yaml_load(bomb, source="s.yaml")
    Traceback (most recent call last):
    ...
    workbench.files.YamlError: s.yaml: aliases expand it to more than 1,000,000 values; write the values out
    """
    import yaml

    if isinstance(text, bytes):
        if len(text) > max_bytes:
            raise YamlError(f"{source}: {len(text):,} bytes, over the limit of {max_bytes:,}; not read")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise YamlError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    if len(text) > max_bytes:
        raise YamlError(f"{source}: {len(text):,} characters, over the limit of {max_bytes:,}; not read")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, source)
        return loader.construct_document(node)
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(getattr(exc, "problem", "") or type(exc).__name__)[:100]
        raise YamlError(f"{source}{where}: not valid YAML ({problem})",
                        line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
                        detail=str(exc)[:500]) from None
    except RecursionError:
        raise YamlError(f"{source}: nested too deeply") from None
    finally:
        loader.dispose()


def _check_expansion(root, source: str) -> None:
    """Refuse a node graph whose aliases expand beyond MAX_YAML_VALUES, recursive aliases, deep nesting."""
    import yaml

    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack = [(root, False)]
    active: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            size[key], depth[key] = 1, 1
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) \
            else list(node.value)
        if done:
            active.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if size[key] > MAX_YAML_VALUES:
                raise YamlError(f"{source}: aliases expand it to more than {MAX_YAML_VALUES:,} values; "
                                "write the values out")
            if depth[key] > MAX_YAML_DEPTH:
                raise YamlError(f"{source}, line {node.start_mark.line + 1}: nested deeper than "
                                f"{MAX_YAML_DEPTH} levels")
            continue
        if key in size:
            continue
        if key in active:
            raise YamlError(f"{source}, line {node.start_mark.line + 1}: a recursive alias; write the values out")
        active.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in size)


# ----------------------------------------------------------- Excel and CSV

#: First characters that make a spreadsheet read a text as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = re.compile(r"^'*[=+\-@\t\r]")


def formula_safe(value: str) -> str:
    """A text for a CSV cell that no spreadsheet runs as a formula (a leading quote).

    The loader removes exactly that quote again, so a value reads back equal.

    >>> formula_safe("=HYPERLINK(\\"x\\")"), formula_safe("plain"), formula_safe("'=x")
    ('\\'=HYPERLINK("x")', 'plain', "''=x")
    """
    return "'" + value if _QUOTED.match(value) else value


def _display_width(value) -> int:
    text = value if isinstance(value, str) else str(value)
    if len(text) > 200:
        return 60
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_excel(path: str | os.PathLike, sheets: Mapping[str, "object"], *,
                number_formats: Mapping[str, str] | None = None, index: bool = False,
                freeze_header: bool = True, max_width: int = 50) -> Path:
    """Write DataFrames as the sheets of one workbook, atomically and safely.

    Texts are always written as text (a value such as ``=HYPERLINK(...)`` stays
    a string, never a formula); dates and timestamps as dates (``yyyy-mm-dd``,
    with the time only when there is one); ``number_formats`` maps column names
    to Excel formats (``{"total": "0.0"}``), applied in every sheet that has
    the column; widths follow the content (CJK characters count double); the
    header row is frozen.

    >>> import pandas as pd, tempfile
    >>> out = write_excel(Path(tempfile.mkdtemp()) / "x.xlsx", {"s": pd.DataFrame({"a": ["=1+1"]})})
    >>> import openpyxl; openpyxl.load_workbook(out)["s"]["A2"].data_type
    's'
    """
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # a bad target fails here, before any sheet is built
    formats = dict(number_formats or {})
    book = Workbook(write_only=True)
    header_font = Font(bold=True)
    for sheet_name, frame in sheets.items():
        frame = frame.reset_index() if index else frame
        ws = book.create_sheet(_sheet_title(str(sheet_name)))
        columns = [str(c) for c in frame.columns]
        kinds, values = [], []
        for col in frame.columns:
            series = frame[col]
            if pd.api.types.is_datetime64_any_dtype(series.dtype):
                arr = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
                has_time = bool(((arr - arr.dt.normalize()).dropna() != pd.Timedelta(0)).any())
                kinds.append("datetime" if has_time else "date")
                values.append([None if pd.isna(v) else (v.to_pydatetime() if has_time else v.date())
                               for v in arr])
            elif pd.api.types.is_bool_dtype(series.dtype):
                kinds.append("bool")
                values.append(series.tolist())
            elif pd.api.types.is_numeric_dtype(series.dtype):
                kinds.append("number")
                arr = series.astype("float64") if not pd.api.types.is_integer_dtype(series.dtype) else series
                values.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in arr])
            else:
                kinds.append("text")
                values.append([_excel_value(v) for v in series.astype(object).tolist()])
        widths = []
        for name, column in zip(columns, values):
            sample = column if len(column) <= 2000 else column[:1000] + column[-1000:]
            widest = max((_display_width(v) for v in sample if v is not None), default=0)
            widths.append(min(max(widest, _display_width(name)) + 2, max_width))
        for j, width in enumerate(widths):
            ws.column_dimensions[get_column_letter(j + 1)].width = max(width, 6)
        if freeze_header:
            ws.freeze_panes = "A2"
        header = []
        for name in columns:
            cell = WriteOnlyCell(ws, value=name)
            cell.data_type = "s"
            cell.font = header_font
            header.append(cell)
        ws.append(header)
        styled = []
        for j, (name, kind) in enumerate(zip(columns, kinds)):
            fmt = formats.get(name) or {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}.get(kind)
            styled.append(fmt)
        risky = [kind == "text" for kind in kinds]
        n = len(frame)
        for i in range(n):
            row = []
            for j in range(len(columns)):
                v = values[j][i]
                if styled[j] and v is not None:
                    cell = WriteOnlyCell(ws, value=v)
                    cell.number_format = styled[j]
                    row.append(cell)
                elif risky[j] and isinstance(v, str) and v[:1] in FORMULA_TRIGGERS:
                    cell = WriteOnlyCell(ws, value=v)
                    cell.data_type = "s"  # text, never a formula
                    cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
                    row.append(cell)
                else:
                    row.append(v)
            ws.append(row)
    if not sheets:
        book.create_sheet("Sheet1")
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path


_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str) -> str:
    return _BAD_TITLE.sub("_", name)[:31] or "Sheet"


def _excel_value(value):
    import pandas as pd

    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, str):
        # control characters other than tab, newline and return are not allowed in the XML
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    if hasattr(value, "item"):
        return value.item()
    return value


def write_csv(path: str | os.PathLike, frame, *, encoding: str = "utf-8-sig", index: bool = False) -> Path:
    """Write a DataFrame as CSV, atomically, with formula-safe texts and dates without a time.

    A text that a spreadsheet would run as a formula gets a leading quote
    (:func:`formula_safe`); the loader removes it. ``encoding="utf-8-sig"``
    (default) lets Excel read Chinese; "utf-8" and "gb18030" work too.

    >>> import pandas as pd, tempfile
    >>> p = write_csv(Path(tempfile.mkdtemp()) / "x.csv", pd.DataFrame({"a": ["=1+1", "ok"]}))
    >>> p.read_text(encoding="utf-8-sig").splitlines()
    ['a', "'=1+1", 'ok']
    """
    import pandas as pd

    path = Path(path)
    out = frame.reset_index() if index else frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            has_time = bool(((series - series.dt.normalize()).dropna() != pd.Timedelta(0)).any())
            out[col] = series.dt.strftime("%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d")
        elif not pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            text = series.astype(object)
            out[col] = text.map(lambda v: formula_safe(v) if isinstance(v, str) else v)
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False, encoding=encoding)
    return path
