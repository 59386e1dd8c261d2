"""The message catalogue: every label and message a user sees, in Chinese and English.

Labels of dimensions, indicators, grades and vetoes come from the framework;
everything else (buttons, headings, chart axes, messages, errors) is here, once,
as a key with its (Chinese, English) text. The catalogue is assembled from one
module per area (``ui`` for the dashboards, ``data`` for reading and checking files, ...); a key belongs to exactly one
of them. Errors carry a key and parameters and are rendered in the user's
language with :func:`tr`.

>>> tr("branches", "zh"), tr("branches", "en")
('支部数', 'Branches')
>>> tr("rank_shift_up", "en", n=3)
'up 3'
"""

from __future__ import annotations

from .assess import ASSESS
from .cli import CLI
from .data import DATA
from .meeting import MEETING
from .pages import PAGES
from .panel import PANEL
from .rules import RULES_CATALOGUE
from .serve import SERVE
from .settings import SETTINGS
from .ui import UI

__all__ = ["tr", "MESSAGES", "LANGUAGES", "catalogue"]

LANGUAGES = {"zh": "中文", "en": "English"}


def catalogue(*parts: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Merge catalogue parts, refusing a key defined twice (one text per key).

    >>> catalogue({"a": ("甲", "A")}, {"b": ("乙", "B")})
    {'a': ('甲', 'A'), 'b': ('乙', 'B')}
    """
    merged: dict[str, tuple[str, str]] = {}
    for part in parts:
        twice = merged.keys() & part.keys()
        if twice:
            raise ValueError(f"message keys defined twice in the catalogue: {sorted(twice)}")
        merged.update(part)
    return merged


MESSAGES: dict[str, tuple[str, str]] = catalogue(UI, RULES_CATALOGUE, ASSESS, SETTINGS, CLI, DATA, SERVE, PANEL, PAGES,
                                                 MEETING)


def tr(key: str, lang: str = "zh", **values) -> str:
    """The label ``key`` in ``lang`` ("zh" or "en"), formatted with ``values``."""
    try:
        zh, en = MESSAGES[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in the catalogue") from None
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
