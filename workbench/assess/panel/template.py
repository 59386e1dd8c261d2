"""The expert panel workbook template: instructions, one sheet per expert (or a long form), dropdowns.

``write_panel_template("专家打分表.xlsx", framework)`` writes what an expert
panel fills in for group AHP weights, in the layout :func:`~workbench.assess.panel.read_panel`
reads: an instructions sheet with Saaty's scale, one sheet per expert with a
matrix of the dimensions and one of the indicators of each dimension (only the
upper triangle is filled in; its cells are text cells with a dropdown of the
scale, so that Excel keeps 1/3 as 1/3 and not as a date), and a sheet of
expert weights (all 1: equal). ``form="long"`` writes one sheet with a row
per comparison instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ...files import atomic_path
from ...i18n import tr
from ..framework import Framework
from ..weights import nearest_saaty
from .model import LEVEL_DIMENSIONS, judgement_text

__all__ = ["write_panel_template", "SCALE_ROWS", "dropdown_values"]

#: Saaty's scale as the instructions show it: value, Chinese words, English words.
SCALE_ROWS = (
    (1, "同等重要", "equal importance"),
    (3, "稍微重要", "moderate importance"),
    (5, "明显重要", "strong importance"),
    (7, "强烈重要", "very strong importance"),
    (9, "极端重要", "extreme importance"),
    ("2, 4, 6, 8", "相邻判断的中间值", "between two neighbouring judgements"),
    ("1/2 … 1/9", "倒数：行指标不如列指标重要", "reciprocals: the row is less important than the column"),
)
_INPUT = "FFF2CC"
_GREY = "EDEDED"
_HEAD = "DDEBF7"


def dropdown_values(lang: str = "zh") -> list[str]:
    """The judgements a dropdown offers: 9 ... 1, 1/2 ... 1/9, and the words of the scale.

    >>> dropdown_values("en")[:3], dropdown_values("en")[-1]
    (['9', '8', '7'], 'extreme')
    """
    numbers = [str(v) for v in range(9, 0, -1)] + [f"1/{v}" for v in range(2, 10)]
    words = ["同等重要", "稍微重要", "明显重要", "强烈重要", "极端重要"] if lang == "zh" else \
        ["equal", "moderate", "strong", "very strong", "extreme"]
    return numbers + words


def _levels(fw: Framework, levels: str) -> list[tuple[str, list[str]]]:
    if levels not in ("all", "dimensions"):
        raise ValueError(f"levels must be 'all' or 'dimensions', got {levels!r}")
    out = [(LEVEL_DIMENSIONS, fw.dimension_ids)]
    if levels == "all":
        out += [(d.id, [i.id for i in d.indicators]) for d in fw.dimensions if len(d.indicators) > 1]
    return out


def _example(fw: Framework, ids: list[str], level: str, rng: np.random.Generator) -> np.ndarray:
    """Judgements near the framework's own weights, rounded to Saaty's scale (an example panel)."""
    if level == LEVEL_DIMENSIONS:
        w = np.array([fw.dimension(d).weight for d in ids], dtype="float64")
    else:
        w = np.array([fw.indicator(i).weight for i in ids], dtype="float64")
    w = np.where(w > 0, w, w[w > 0].min() if (w > 0).any() else 1.0)
    n = len(ids)
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            v = nearest_saaty(w[i] / w[j] * float(np.exp(rng.normal(0, 0.45))))
            a[i, j], a[j, i] = v, 1 / v
    return a


def write_panel_template(path: str | os.PathLike, framework: Framework, *, experts: int | Sequence[str] = 3,
                         form: str = "wide", levels: str = "all", lang: str = "zh", example: bool = False,
                         seed: int = 0) -> Path:
    """Write the panel workbook an expert panel fills in (atomically); returns the path.

    Parameters
    ----------
    path : path-like
        The .xlsx file to write.
    framework : Framework
        Whose dimensions and indicators are compared.
    experts : int or list of str
        How many experts (sheets 专家1, 专家2 ... / Expert 1 ...), or their names.
    form : {"wide", "long"}
        One sheet per expert with matrices, or one sheet with a row per comparison.
    levels : {"all", "dimensions"}
        The dimensions and the indicators within each dimension, or the dimensions only.
    lang : {"zh", "en"}
        Language of the instructions, names and dropdown words.
    example : bool
        Fill in an example panel (judgements near the framework's weights,
        varied per expert with ``seed``), to try the workbench with.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from workbench.assess.framework import Framework
    >>> out = write_panel_template(Path(tempfile.mkdtemp()) / "专家打分表.xlsx", Framework.default(), experts=2)
    >>> openpyxl.load_workbook(out).sheetnames
    ['填表说明', '专家1', '专家2', '专家权重']
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    if form not in ("wide", "long"):
        raise ValueError(f"form must be 'wide' (a sheet per expert) or 'long' (a row per comparison), got {form!r}")
    names = ([tr("panel_tpl_expert", lang, k=k + 1) for k in range(int(experts))] if isinstance(experts, int)
             else [str(e).strip() for e in experts])
    if not names or len(set(names)) != len(names) or any(not e for e in names):
        raise ValueError(f"experts: give a positive number or distinct non-empty names, got {experts!r}")
    bad = [e for e in names if any(c in e for c in "[]:*?/\\") or len(e) > 31]
    if bad:
        raise ValueError(f"experts: a sheet name has at most 31 characters and none of [ ] : * ? / \\; got {bad}")
    rng = np.random.default_rng(seed)
    plan = _levels(framework, levels)
    book = Workbook()
    guide = book.active
    guide.title = tr("panel_tpl_guide_sheet", lang)
    _guide(guide, framework, lang, form, Font, Alignment)
    thin = Side(style="thin", color="BFBFBF")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    values = dropdown_values(lang)

    def validation():
        return DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                              showErrorMessage=True, showInputMessage=True,
                              errorTitle=tr("panel_tpl_error_title", lang), error=tr("panel_tpl_error", lang),
                              promptTitle=tr("panel_tpl_prompt_title", lang), prompt=tr("panel_tpl_prompt", lang))

    def label(key: str) -> str:
        return framework.label(key, lang)

    if form == "wide":
        for expert in names:
            ws = book.create_sheet(expert)
            dv = validation()
            ws.add_data_validation(dv)
            ws.column_dimensions["A"].width = 26
            row = 1
            ws.cell(row=row, column=1, value=tr("panel_tpl_sheet_hint", lang)).font = Font(italic=True)
            row += 2
            for k, (level, ids) in enumerate(plan):
                a = _example(framework, ids, level, rng) if example else None
                title = (tr("panel_level_dimensions", lang) if level == LEVEL_DIMENSIONS
                         else tr("panel_level_indicators", lang, dimension=label(level)))
                ws.cell(row=row, column=1, value=f"{k + 1}. {title}").font = Font(bold=True, size=12)
                row += 1
                corner = ws.cell(row=row, column=1, value=tr("panel_tpl_corner", lang))
                corner.font = Font(italic=True, color="7F7F7F")
                for j, cid in enumerate(ids):
                    cell = ws.cell(row=row, column=j + 2, value=label(cid))
                    cell.font, cell.border = Font(bold=True), box
                    cell.fill = PatternFill("solid", fgColor=_HEAD)
                    cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
                    letter = cell.column_letter
                    ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, 14)
                ws.row_dimensions[row].height = 45
                for i, rid in enumerate(ids):
                    r = row + 1 + i
                    head = ws.cell(row=r, column=1, value=label(rid))
                    head.font, head.border = Font(bold=True), box
                    head.fill = PatternFill("solid", fgColor=_HEAD)
                    for j in range(len(ids)):
                        cell = ws.cell(row=r, column=j + 2)
                        cell.border = box
                        cell.alignment = Alignment(horizontal="center")
                        if i == j:
                            cell.value = 1
                            cell.fill = PatternFill("solid", fgColor=_GREY)
                        elif i < j:
                            cell.number_format = "@"
                            cell.fill = PatternFill("solid", fgColor=_INPUT)
                            if a is not None:
                                cell.value = judgement_text(a[i, j])
                            dv.add(cell.coordinate)
                        else:
                            cell.fill = PatternFill("solid", fgColor=_GREY)
                row += len(ids) + 2
    else:
        ws = book.create_sheet(tr("panel_tpl_long_sheet", lang))
        heads = [tr(k, lang) for k in ("panel_tpl_col_expert", "panel_tpl_col_a", "panel_tpl_col_b",
                                       "panel_tpl_col_judgement", "panel_tpl_col_level")]
        ws.append(heads)
        for j, width in enumerate((12, 26, 26, 12, 26)):
            cell = ws.cell(row=1, column=j + 1)
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=_HEAD)
            ws.column_dimensions[cell.column_letter].width = width
        ws.freeze_panes = "A2"
        dv = validation()
        ws.add_data_validation(dv)
        for expert in names:
            for level, ids in plan:
                a = _example(framework, ids, level, rng) if example else None
                title = (tr("panel_level_dimensions", lang) if level == LEVEL_DIMENSIONS
                         else tr("panel_level_indicators", lang, dimension=label(level)))
                for i in range(len(ids)):
                    for j in range(i + 1, len(ids)):
                        ws.append([expert, label(ids[i]), label(ids[j]),
                                   judgement_text(a[i, j]) if a is not None else None, title])
                        cell = ws.cell(row=ws.max_row, column=4)
                        cell.number_format = "@"
                        cell.fill = PatternFill("solid", fgColor=_INPUT)
                        dv.add(cell.coordinate)
    weights = book.create_sheet(tr("panel_tpl_weights_sheet", lang))
    weights.append([tr("panel_tpl_col_expert", lang), tr("panel_tpl_col_weight", lang)])
    for cell in weights[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=_HEAD)
    for expert in names:
        weights.append([expert, 1])
    weights.column_dimensions["A"].width = 16
    weights.column_dimensions["B"].width = 10
    positive = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle=tr("panel_tpl_error_title", lang),
                              error=tr("panel_tpl_weight_error", lang))
    weights.add_data_validation(positive)
    positive.add(f"B2:B{len(names) + 200}")
    for sheet in book.worksheets:     # names and labels are text, never a formula (an expert called "=...")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    path = Path(path)
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path


def _guide(ws, fw: Framework, lang: str, form: str, Font, Alignment) -> None:
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 60
    ws.append([tr("panel_tpl_title", lang, framework=fw.zh if lang == "zh" else fw.en)])
    ws["A1"].font = Font(bold=True, size=14)
    steps = ("panel_tpl_step_what", "panel_tpl_step_wide" if form == "wide" else "panel_tpl_step_long",
             "panel_tpl_step_text", "panel_tpl_step_words", "panel_tpl_step_weights", "panel_tpl_step_cr",
             "panel_tpl_step_run")
    for k, key in enumerate(steps):
        ws.append([f"{k + 1}.", tr(key, lang)])
        ws.merge_cells(start_row=ws.max_row, start_column=2, end_row=ws.max_row, end_column=3)
        ws.cell(row=ws.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[ws.max_row].height = 48
    ws.append([])
    ws.append([tr("panel_tpl_scale_value", lang), tr("panel_tpl_scale_words", lang),
               tr("panel_tpl_scale_meaning", lang)])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for value, zh, en in SCALE_ROWS:
        ws.append([value, zh if lang == "zh" else en.split(" importance")[0],
                   f"{zh} / {en}" if lang == "zh" else en])
