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
from ...data import DataError, write_problem_report
from ...files import write_excel
from ...i18n import tr
from ...studies.about import ABOUT_SHEET
from ..environment import MAX_UPLOAD_BYTES
from ..mvc import follow
from .html import StatusLine, download_link, esc
from .table import DataTable

__all__ = ["DataPicker", "ProblemsPanel", "data_choices", "resolve_choice", "size_text", "problem_rows"]

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


#: The problem table's columns, in the order a clerk reads them, and their catalogue keys.
PROBLEM_COLUMNS = {"place": "problem_place", "header": "problem_header", "value": "problem_value",
                   "message": "problem_message", "fix": "problem_fix"}


def problem_rows(error: DataError, lang: str, *, warnings: bool = True) -> pd.DataFrame:
    """A refused load's problems (then its warnings) as the clerk reads them, in ``lang``.

    ``place`` is where to look: the sheet and cell (``党员!F5``), or the file and row.

    >>> import workbench as wb
    >>> err = DataError([{"file": "members.csv", "row": 5, "column": "status", "cell": "H5",
    ...                   "key": "data_empty_file", "params": {}}])
    >>> problem_rows(err, "en")["place"].tolist()
    ['members.csv H5']
    """
    table = error.table(lang) if warnings else error.in_language(lang).problems
    def place(rec) -> str:
        if rec["sheet"] and rec["cell"]:
            return f"{rec['sheet']}!{rec['cell']}"
        where = str(rec["file"] or rec["workbook"] or "")
        if rec["cell"]:
            return f"{where} {rec['cell']}".strip()
        if not pd.isna(rec["row"]):
            return f"{where} {tr('problem_row_n', lang, row=int(rec['row']))}".strip()
        return where
    out = pd.DataFrame({
        "place": [place(r) for r in table.to_dict("records")],
        "header": [h or c for h, c in zip(table["header"], table["column"])],
        "value": table["value"].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else v),
        "message": table["message"],
        "fix": table["fix"],
    })
    out.attrs["severity"] = table["severity"].tolist()
    return out


class ProblemsPanel:
    """A refused load's problems as a table (sortable, paged, downloadable) in the page's language,
    and the clerk's workbook written back with every bad cell marked (the problem report)."""

    def __init__(self, state, exports):
        self.state, self.exports = state, exports
        self.error: DataError | None = None
        self.source = ""  # the data set whose load was refused (the state still holds the previous one)
        self.table = DataTable(state, page_size=15, export=self._export_table, row_class=lambda r: "",
                               what="about_what_load_problems",
                               describe=lambda lang: {"about_dataset": self.source})
        self.report = w.Button(icon="file-excel-o", button_style="warning", layout=w.Layout(width="auto"))
        self.report.on_click(lambda _: self.write_report())
        self.link = w.HTML()
        self.widget = w.VBox([w.HBox([self.report, self.link], layout=w.Layout(align_items="center",
                                                                             flex_flow="row wrap")),
                              self.table.widget])
        self.widget.layout.display = "none"
        state.observe(lambda _: self.render(), names="lang")

    def show(self, error: DataError | None, *, source: str | None = None) -> None:
        """Show ``error``'s problems; ``source`` names the data set that was refused (kept when None)."""
        self.error = error
        if source is not None:
            self.source = Path(source).name or source
        self.link.value = ""
        self.render()

    def render(self) -> None:
        lang = self.state.lang
        self.widget.layout.display = "none" if self.error is None else None
        if self.error is None:
            return
        self.report.description = tr("problem_report", lang)
        self.report.tooltip = tr("problem_report_hint", lang)
        rows = problem_rows(self.error, lang)
        self.table.show(rows, {c: tr(k, lang) for c, k in PROBLEM_COLUMNS.items()})

    def write_report(self):
        """Write the problem report (the files back, bad cells marked) and offer it for download."""
        if self.error is None or self.exports is None:
            return None
        lang = self.state.lang
        path = self.exports.path("问题清单" if lang == "zh" else "problems", ".xlsx")
        write_problem_report(self.error, path, lang=lang)
        self.exports.written(path)
        self.link.value = download_link(path, tr("download", lang, name=path.name))
        return path

    def _export_table(self, frame: pd.DataFrame, about: pd.DataFrame) -> Path:
        path = self.exports.path("problems", ".xlsx")
        # no output context: the year, scheme and data loaded are not those of the refused files
        write_excel(path, {tr("problem_sheet", self.state.lang): frame, ABOUT_SHEET: about})
        return self.exports.written(path)


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
        self.exports = exports
        self.problems = ProblemsPanel(state, exports)
        self.attempted = ""  # the data set last tried (named in a refused load's problem download)
        self.notes = w.HTML()
        self.load_button.on_click(lambda _: self.load())
        self.upload.observe(lambda _: self.load() if self.upload.value else None, names="value")
        self.inputs = w.HBox([], layout=w.Layout(align_items="center", flex_flow="row wrap", grid_gap="8px"))
        self.mode.observe(lambda _: self._show(), names="value")
        follow(state, ["lang", "revision", "error"], self.render)
        self.widget = w.VBox([self.mode, self.inputs, self.status.widget, self.notes, self.problems.widget])
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
        self.problems.show(self.state.error, source=self.attempted)
        self.notes.value = self._intake_notes(lang)

    def _intake_notes(self, lang: str) -> str:
        """What the last successful load skipped or noticed (blank and totals rows, unknown headers ...)."""
        summary = getattr(self.state.data, "intake", None)
        if summary is None or self.state.error is not None:
            return ""
        tables = summary.tables
        blank = int(tables["blank"].sum()) if "blank" in tables else 0
        totals = int(tables["totals"].sum()) if "totals" in tables else 0
        warnings = summary.warnings(lang)
        if not (blank or totals or len(warnings)):
            return ""
        items = "".join(f"<li>{esc(m)}</li>" for m in warnings["message"].head(8))
        more = "<li>…</li>" if len(warnings) > 8 else ""
        return (f"<div class='wb-note'>{esc(tr('intake_notes', lang, blank=blank, totals=totals, n=len(warnings)))}"
                f"<ul>{items}{more}</ul></div>")

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
            self.attempted = str(self.choice.value)  # before the load: a refusal renders the problems at once
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
            self.attempted = ", ".join(sorted(files))
            changed = self.state.load_uploaded(files)
        if changed:
            self._loaded_status(time.perf_counter() - started)
        else:
            self.status.set("load_failed", ok=False, n=len(self.state.problems))
        return changed
