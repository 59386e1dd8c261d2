"""Every message the data layer raises is in the catalogue, in Chinese and English."""

from __future__ import annotations

import re
import string
from pathlib import Path

from workbench.i18n import MESSAGES
from workbench.i18n.data import DATA

SOURCES = sorted((Path(__file__).resolve().parents[2] / "workbench" / "data").glob("*.py"))


def _keys_used() -> set[str]:
    used = set()
    for path in SOURCES:
        used |= set(re.findall(r'"(data_[a-z0-9_]+)"', path.read_text(encoding="utf-8")))
    return used


def test_every_key_used_is_in_the_catalogue():
    missing = sorted(k for k in _keys_used() if k not in MESSAGES and not k.endswith("_"))
    assert not missing, missing


def test_every_text_has_both_languages_and_a_fix_only_for_a_message():
    for key, (zh, en) in DATA.items():
        assert zh.strip() and en.strip(), key
        if key.endswith("_fix") and not key.startswith("data_report_col_"):
            assert key[: -len("_fix")] in DATA, key


def test_placeholders_are_bounded_names():
    allowed = {"column", "header_zh", "expected", "n", "limit", "size", "table", "names", "reason", "suffix",
               "got", "other", "other_cell", "unknown", "rows", "sheet_name", "used", "columns", "ranges",
               "name", "manifest", "minimum", "maximum", "today", "target", "path", "years", "kinds", "values",
               "low", "high"}
    for key, texts in DATA.items():
        for text in texts:
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert names <= allowed, (key, names - allowed)
