"""Headers of exported tables in the user's language, or in both ("总分 Total").

A column is labelled from the message catalogue (``column_<name>`` in
:mod:`workbench.i18n.assess`), else as a grade probability (``p_<grade>``),
else by the framework (dimension, indicator, grade, flag or veto ids); an
unknown column keeps its name.

>>> from workbench.assess.framework import Framework
>>> fw = Framework.default()
>>> column_label(fw, "rank_p5", "zh"), column_label(fw, "team", "en"), column_label(fw, "p_strong", "zh")
('排名P5', 'Team and reserve cadres', 'P(三强)')
>>> both("sheet_results")
'结果 Results'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np
import pandas as pd

from ..i18n import MESSAGES, tr

if TYPE_CHECKING:  # pragma: no cover
    from .framework import Framework

__all__ = ["column_label", "bilingual", "both", "method_sheet", "describe_origin", "plain_data"]


def column_label(fw: Framework, column: str, lang: str) -> str:
    """The header of ``column`` in ``lang`` ("zh" or "en")."""
    key = f"column_{column}"
    if key in MESSAGES:
        return tr(key, lang)
    if column.startswith("p_") and column[2:] in fw.grade_ids:
        return tr("column_p_of", lang, grade=fw.label(column[2:], lang))
    try:
        return fw.label(column, lang)
    except KeyError:
        return column


def bilingual(fw: Framework, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with headers in both languages, "中文 English" (one name where both are the same)."""

    def name(column):
        zh, en = column_label(fw, column, "zh"), column_label(fw, column, "en")
        return f"{zh} {en}" if zh != en else column
    return frame.rename(columns=name)


def both(key: str, **values) -> str:
    """A catalogue text in both languages, "中文 English" (sheet names, the method sheet's items)."""
    return f"{tr(key, 'zh', **values)} {tr(key, 'en', **values)}"


def method_sheet(rows) -> pd.DataFrame:
    """The "方法 Method" sheet of a workbook: ``(item key, value)`` rows, items labelled in both languages."""
    return pd.DataFrame([(both(f"method_{item}"), value) for item, value in rows],
                        columns=[both("method_item"), both("method_value")])


def describe_origin(origin: Mapping) -> str:
    """One line for a scheme's origin: its method, then the other recorded facts.

    >>> describe_origin({"method": "ahp", "cr": 0.0412, "matrix": [[1, 2], [0.5, 1]]})
    'ahp; cr=0.0412; matrix=[[1, 2], [0.5, 1]]'
    """
    if not origin:
        return ""
    parts = [str(origin.get("method", ""))] if origin.get("method") else []
    for key, value in origin.items():
        if key == "method":
            continue
        shown = f"{value:.4g}" if isinstance(value, float) else str(plain_data(value))
        parts.append(f"{key}={shown}")
    return "; ".join(parts)


def plain_data(value):
    """numpy numbers and arrays as plain Python (YAML writes them as data, not as objects).

    >>> plain_data({"w": np.array([0.5, 0.5]), "n": np.int64(2)})
    {'w': [0.5, 0.5], 'n': 2}
    """
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain_data(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value
