"""The candidates by township as an Excel workbook (see the package)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ...assess.ruleset import Trigger
from ...files import write_excel
from ...i18n import tr
from .core import ScreeningError, ScreeningResult, screen  # noqa: F401  (screen: the examples)
from .decisions import Decisions

# ===================================================================== export

def export_candidates(screening: ScreeningResult, path: str | os.PathLike, *, lang: str = "zh",
                      decisions: Decisions | None = None) -> Path:
    """The candidates by township as an Excel workbook, written atomically.

    Sheets: the candidates (sorted by township, with every reason and its
    evidence, and the decision and note when ``decisions`` are given), the
    count per township, the criteria with their parameters and how many
    branches each one found, and what the list is (a proposal, the period).

    >>> import tempfile, workbench as wb
    >>> s = screen(wb.load("sample_data"), period=2025)
    >>> p = export_candidates(s, Path(tempfile.mkdtemp()) / "c.xlsx", lang="en")
    >>> pd.read_excel(p).columns[:3].tolist()
    ['Township', 'Branch ID', 'Branch']
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ScreeningError("cli_xlsx_only", path=str(path))
    c = screening.candidates
    labels = {t.id: t.label(lang) for t in screening.triggers}
    current = decisions.current(screening.period) if decisions is not None else None

    def decided(b, column, default=""):
        if current is None or b not in current.index:
            return default
        return current.loc[b, column]

    col = lambda key: tr(f"screening_col_{key}", lang)  # noqa: E731
    frame = pd.DataFrame({
        col("township"): c["township"].to_numpy(),
        col("branch_id"): c.index.to_numpy(),
        col("name"): c["name"].to_numpy(),
        col("kind"): [tr(f"kind_{k}", lang) for k in c["kind"]],
        col("reasons"): c["reasons"].to_numpy(),
        col("triggers"): ["；".join(labels[t] for t in ts.split(";")) if lang == "zh"
                          else "; ".join(labels[t] for t in ts.split(";")) for ts in c["triggers"]],
        col("evidence"): c[f"evidence_{'zh' if lang == 'zh' else 'en'}"].to_numpy(),
        col("decision"): [tr(f"decision_{decided(b, 'decision', 'pending')}", lang) for b in c.index],
        col("note"): [decided(b, "note") for b in c.index],
        col("decided"): [decided(b, "decided") for b in c.index],
    })
    towns = screening.by_township()
    confirmed = (current["decision"] == "confirmed") if current is not None else pd.Series(dtype=bool)
    confirmed_by_town = screening.branches["township"].reindex(confirmed[confirmed].index).value_counts()
    township_sheet = pd.DataFrame({
        col("township"): towns.index.to_numpy(), col("branches"): towns["branches"].to_numpy(),
        col("candidates"): towns["candidates"].to_numpy(), col("share"): towns["share"].round(3).to_numpy(),
        col("confirmed"): confirmed_by_town.reindex(towns.index, fill_value=0).to_numpy(),
    })
    by_trigger = screening.by_trigger()
    trigger_sheet = pd.DataFrame({
        col("trigger"): by_trigger[f"label_{'zh' if lang == 'zh' else 'en'}"].to_numpy(),
        col("group"): [tr(f"screening_group_{g}", lang) for g in by_trigger["group"]],
        col("params"): [", ".join(f"{k}={v:g}" for k, v in
                                  {**_defaults(t), **t.params}.items()) for t in screening.triggers],
        col("fired"): by_trigger["branches"].to_numpy(),
    })
    about = pd.DataFrame({
        tr("export_about_key", lang): [tr("screening_about_period", lang), tr("screening_about_framework", lang),
                                       tr("screening_about_min_reasons", lang), tr("screening_candidates", lang),
                                       tr("screening_about_note", lang)],
        tr("export_about_value", lang): [str(screening.period),
                                         screening.framework_label[0 if lang == "zh" else 1],
                                         str(screening.min_reasons), screening.summary(lang),
                                         tr("screening_about_note_text", lang)],
    })
    sheets = ((frame, "screening_sheet_candidates", [10, 12, 30, 8, 10, 40, 80, 12, 30, 20]),
              (township_sheet, "screening_sheet_townships", [14, 10, 10, 8, 10]),
              (trigger_sheet, "screening_sheet_triggers", [44, 14, 28, 10]),
              (about, "screening_sheet_about", [28, 90]))
    # formula-safe texts (names and reasons come from the data), widths to the content, header frozen
    write_excel(path, {tr(key, lang)[:31]: table for table, key, _ in sheets})
    return path


def _defaults(trigger: Trigger) -> dict:
    from ...assess.ruleset import TRIGGER_TESTS

    return dict(TRIGGER_TESTS[trigger.test_name])
