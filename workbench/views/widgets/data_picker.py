"""Choosing the data a dashboard shows: a data set of the server's data folder, or an upload.

A person never types a server path: the picker lists what the operator's data
folder holds (workbooks, folders of CSV or Parquet files), resolved inside that
folder (a link pointing out of it is not listed). An upload that loads becomes
the data set of every dashboard of this user (see
:class:`~workbench.views.state.DataStore`); one that does not shows its
problems as a table a person can sort and page through, and keeps the data
loaded before.

>>> data_choices("sample_data")
['.', 'county.xlsx']
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import ipywidgets as w
import pandas as pd

from ...assess.rulesheet import looks_like_rule_sheet
from ...i18n import tr
from ..environment import MAX_UPLOAD_BYTES
from ..mvc import follow
from .html import StatusLine
from .table import DataTable

__all__ = ["DataPicker", "data_choices", "resolve_choice", "size_text"]

_TABLE_SUFFIXES = (".csv", ".parquet", ".txt")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def size_text(n: int) -> str:
    """>>> size_text(2_500_000)
    '2.4 MB'
    """
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except OSError:
        return False


def data_choices(root: str | os.PathLike, *, depth: int = 2) -> list[str]:
    """Data sets in the operator's data folder, as names relative to it ('.' is the folder itself).

    A folder counts when it holds table files (CSV or Parquet); a workbook counts
    as itself, except a county rule sheet (评分细则.xlsx: a framework, not data). Hidden names, and links that lead out of ``root``, are skipped.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    found: list[str] = []

    def visit(folder: Path, level: int) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return
        if any(e.is_file() and e.suffix.lower() in _TABLE_SUFFIXES for e in entries):
            found.append(folder.relative_to(root).as_posix() or ".")
        for entry in entries:
            if entry.name.startswith((".", "_")) or not _inside(entry, root):
                continue
            if entry.is_file() and entry.suffix.lower() in _WORKBOOK_SUFFIXES and not looks_like_rule_sheet(entry):
                found.append(entry.relative_to(root).as_posix())
            elif entry.is_dir() and level < depth:
                visit(entry, level + 1)

    visit(root, 0)
    return found


def resolve_choice(root: str | os.PathLike, choice: str) -> Path:
    """The path of a listed data set; anything else (absolute, ``..``, a link out) is refused.

    >>> resolve_choice("sample_data", "../etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: not a data set of the data folder: '../etc/passwd'
    """
    if choice not in data_choices(root):
        raise ValueError(f"not a data set of the data folder: {choice!r}")
    return (Path(root) / choice).resolve()


class DataPicker:
    """Pick a data set of the server's data folder, or upload files; show what was loaded or why not."""

    def __init__(self, state, *, data_root: str | os.PathLike | None = None,
                 max_upload_bytes: int = MAX_UPLOAD_BYTES, exports=None):
        self.state = state
        self.data_root = Path(data_root) if data_root is not None else None
        self.max_upload_bytes = max_upload_bytes
        self.mode = w.ToggleButtons(options=[("server", "server"), ("upload", "upload")], value="upload",
                                    style={"button_width": "150px"})
        self.choice = w.Dropdown(layout=w.Layout(width="320px"))
        self.load_button = w.Button(button_style="primary", icon="folder-open", layout=w.Layout(width="auto"))
        self.upload = w.FileUpload(accept=".csv,.xlsx,.xlsm,.txt", multiple=True)
        self.status = StatusLine(state)
        self.problems = DataTable(state, page_size=15, export=self._export_problems)
        self.problems.widget.layout.display = "none"
        self.exports = exports
        self.load_button.on_click(lambda _: self.load())
        self.upload.observe(lambda _: self.load() if self.upload.value else None, names="value")
        self.inputs = w.HBox([], layout=w.Layout(align_items="center", flex_flow="row wrap", grid_gap="8px"))
        self.mode.observe(lambda _: self._show(), names="value")
        follow(state, ["lang", "revision", "problems"], self.render)
        self.widget = w.VBox([self.mode, self.inputs, self.status.widget, self.problems.widget])
        self.widget.add_class("wb-panel")
        self.widget.add_class("wb-data-picker")
        self._show()

    # ----------------------------------------------------------------- choices
    def choices(self) -> list[str]:
        return data_choices(self.data_root) if self.data_root is not None else []

    def _show(self) -> None:
        server = self.mode.value == "server"
        if server:
            choices = self.choices()
            self.choice.options = choices
            self.inputs.children = [self.choice, self.load_button]
        else:
            self.inputs.children = [self.upload]

    def render(self) -> None:
        lang = self.state.lang
        mode = self.mode.value
        self.mode.options = [(tr("server_data", lang), "server"), (tr("upload", lang), "upload")]
        self.mode.value = mode  # new labels must not change the choice
        self.load_button.description = tr("load", lang)
        self.upload.description = tr("upload", lang)
        self.upload.tooltip = tr("upload_hint", lang)
        problems = self.state.problems
        if problems is not None:
            self.problems.show(problems, {c: tr(f"problem_{c}", lang) if f"problem_{c}" in _PROBLEM_KEYS else c
                                          for c in problems.columns})
            self.problems.widget.layout.display = None
        else:
            self.problems.widget.layout.display = "none"

    # -------------------------------------------------------------------- load
    def _loaded_status(self, seconds: float) -> None:
        data = self.state.data
        self.status.set("loaded_in", ok=True, source=Path(self.state.source).name or self.state.source,
                        branches=len(data.branches), members=len(data.members), seconds=seconds)

    def load(self) -> bool:
        """Load from the chosen source; returns whether the data changed."""
        started = time.perf_counter()
        if self.mode.value == "server":
            try:
                path = resolve_choice(self.data_root, self.choice.value) if self.data_root else None
            except ValueError:
                path = None
            if path is None:
                self.status.set("choose_data", ok=False)
                return False
            self.status.set("loading_named", ok=True, name=self.choice.value, size="")
            changed = self.state.load(path)
        else:
            files = {f["name"]: bytes(f["content"]) for f in self.upload.value}
            total = sum(len(b) for b in files.values())
            if not files:
                self.status.set("upload_hint", ok=True)
                return False
            if total > self.max_upload_bytes:
                self.status.set("upload_too_large", ok=False, size=size_text(total),
                                limit=size_text(self.max_upload_bytes))
                return False
            self.status.set("loading_named", ok=True, name=", ".join(sorted(files)), size=size_text(total))
            changed = self.state.load_uploaded(files)
        if changed:
            self._loaded_status(time.perf_counter() - started)
        else:
            self.status.set("load_failed", ok=False, n=len(self.state.problems))
        return changed

    def _export_problems(self, frame: pd.DataFrame) -> Path:
        folder = self.exports
        path = folder.path("problems", ".xlsx")
        frame.to_excel(path, index=False)
        return folder.written(path)


_PROBLEM_KEYS = {"problem_file", "problem_row", "problem_column", "problem_value", "problem_message"}
