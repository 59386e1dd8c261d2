"""The county workbook template clerks fill in: Chinese headers, dropdowns, input checks.

``write_template("支部数据模板.xlsx")`` writes an empty workbook with an
instructions sheet and one sheet per table: the Chinese headers (``*`` marks a
required column), dropdown lists (Excel data validation) for every category
and yes/no column in the spellings clerks use (村/社区/…, 是/否), date and
number checks, ids formatted as text, and the ids of other sheets offered where
a column refers to them. A template filled in correctly loads with
``wb.load`` unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..files import atomic_path
from ..i18n import tr
from .readers import column_letter
from .schema import TABLES, preferred_spellings

__all__ = ["write_template", "TEMPLATE_ROWS", "INSTRUCTION_SHEETS"]

#: Rows of each sheet that carry the dropdowns and checks.
TEMPLATE_ROWS = 5000
#: Names of the instructions sheet (the loader passes over them quietly).
INSTRUCTION_SHEETS = ("填表说明", "Instructions")

_WIDTH = {"id": 14, "text": 22, "category": 14, "int": 10, "float": 12, "date": 13, "bool": 10}


def _header(col) -> str:
    return col.zh + ("*" if col.required and not col.nullable else "")


def write_template(path: str | os.PathLike, *, lang: str = "zh", rows: int = TEMPLATE_ROWS) -> Path:
    """Write the empty county workbook to ``path`` (atomically); returns the path.

    Parameters
    ----------
    path : path-like
        The .xlsx file to write.
    lang : {"zh", "en"}
        Language of the instructions and input messages (headers and values are
        always the Chinese ones clerks use).
    rows : int
        Rows that carry the dropdowns and checks.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> out = write_template(Path(tempfile.mkdtemp()) / "支部数据模板.xlsx")
    >>> book = openpyxl.load_workbook(out)
    >>> book.sheetnames[:3], book["支部"]["A1"].value
    (['填表说明', '支部', '党员'], '支部编号*')
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    book = Workbook()
    guide = book.active
    guide.title = INSTRUCTION_SHEETS[0] if lang == "zh" else INSTRUCTION_SHEETS[1]
    guide.append([tr("data_template_title", lang)])
    guide["A1"].font = Font(bold=True, size=14)
    for key in ("data_template_intro", "data_template_dates", "data_template_lists", "data_template_ids",
                "data_template_check"):
        guide.append([tr(key, lang)])
    guide.append([])
    heads = [tr(k, lang) for k in ("data_template_col_table", "data_template_col_header",
                                   "data_template_col_required", "data_template_col_kind")]
    guide.append(heads)
    for cell in guide[guide.max_row]:
        cell.font = Font(bold=True)
    yes, no = tr("data_template_yes", lang), tr("data_template_no", lang)
    last = rows + 1
    for name, schema in TABLES.items():
        ws = book.create_sheet(schema.zh)
        ws.append([_header(c) for c in schema.columns])
        ws.freeze_panes = "A2"
        for j, col in enumerate(schema.columns):
            letter = column_letter(j)
            cell = ws.cell(row=1, column=j + 1)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="FFF2CC" if col.required else "E2EFDA")
            cell.alignment = Alignment(horizontal="center")
            dim = ws.column_dimensions[letter]
            dim.width = max(_WIDTH[col.kind], len(col.zh) * 2 + 4)
            area = f"{letter}2:{letter}{last}"
            kind_text = tr(f"data_template_kind_{col.kind}", lang,
                           **({"values": "、".join(preferred_spellings(col))} if col.kind == "category" else {}))
            guide.append([schema.zh, col.zh, yes if col.required and not col.nullable else no, kind_text])
            dv = None
            if col.kind in ("category", "bool"):
                values = preferred_spellings(col)
                dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                    showErrorMessage=True, errorTitle=tr("data_template_error_title", lang),
                                    error=tr("data_template_error_list", lang))
            elif col.kind == "date":
                dim.number_format = "yyyy-mm-dd"
                dv = DataValidation(type="date", operator="between", formula1="DATE(1921,1,1)",
                                    formula2="DATE(2100,12,31)", allow_blank=True, showErrorMessage=True,
                                    errorTitle=tr("data_template_error_title", lang),
                                    error=tr("data_template_error_date", lang))
            elif col.kind in ("int", "float"):
                low = col.minimum if col.minimum is not None else -1e9
                high = col.maximum if col.maximum is not None else 1e12
                if col.kind == "int" and col.name in ("birth_year", "year"):
                    high = 2100
                dim.number_format = "0" if col.kind == "int" else "General"
                dv = DataValidation(type="whole" if col.kind == "int" else "decimal", operator="between",
                                    formula1=f"{low:g}", formula2=f"{high:g}", allow_blank=True,
                                    showErrorMessage=True, errorTitle=tr("data_template_error_title", lang),
                                    error=tr("data_template_error_number", lang, low=f"{low:g}",
                                             high=f"{high:g}"))
            elif col.kind == "id":
                dim.number_format = "@"
                ref = next((r for r in schema.references if r.column == col.name), None)
                if ref is not None:
                    target = TABLES[ref.table]
                    target_letter = column_letter(target.names.index(ref.target))
                    # a warning, not a stop: the clerk may fill this sheet before the other one
                    dv = DataValidation(type="list", allow_blank=True, showErrorMessage=True,
                                        errorStyle="warning",
                                        formula1=f"='{target.zh}'!${target_letter}$2:${target_letter}${last}",
                                        errorTitle=tr("data_template_error_title", lang),
                                        error=tr("data_template_error_reference", lang, table=target.zh))
            if dv is not None:
                ws.add_data_validation(dv)
                dv.add(area)
    guide.column_dimensions["A"].width = 12
    guide.column_dimensions["B"].width = 18
    guide.column_dimensions["C"].width = 8
    guide.column_dimensions["D"].width = 70
    with atomic_path(path) as tmp:
        book.save(tmp)
    return path
