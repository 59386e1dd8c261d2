"""Texts of scenarios in the user's language: catalogue keys with values that render per language.

Descriptions and errors of scenarios are catalogue entries (:mod:`workbench.i18n.settings`)
filled with parameters. Most parameters read the same in both languages (a
number, a name); those that do not are values of the small classes below,
each of which renders itself in a language:

- :class:`Items`: a list, quoted ids in English (``'B1', 'B2' and 3 more``),
  bare ids in Chinese (``B1、B2等（另有3个）``);
- :class:`Id`: one id, the same convention;
- :class:`Named`: identifiers a file uses, listed in English
  (``['village', 'joint']``), with their Chinese names in Chinese
  (``village（村党支部）、joint（联合党支部）``);
- :class:`Term`: an identifier in English, its Chinese name in Chinese;
- :class:`Label`: a catalogue entry (with its own parameters).

>>> render("scenario_err_members_twice", "zh", what=Label("scenario_op_move"), ids=Items(["M1", "M2"]))
'转移：党员M1、M2重复列出'
>>> render("scenario_err_members_twice", "en", what=Label("scenario_op_move"), ids=Items(["M1", "M2"]))
"move: member 'M1', 'M2' listed twice"
"""

from __future__ import annotations

import abc
import errno
import re
from dataclasses import dataclass
from typing import Iterable

from ...i18n import MESSAGES, tr

__all__ = ["Localized", "Items", "Id", "Named", "Term", "Label", "OsReason", "render", "both", "SEPARATOR"]

#: How the two languages list things.
SEPARATOR = {"zh": "、", "en": ", "}

_PLAIN_ID = re.compile(r"[\w.\-]+")


class Localized(abc.ABC):
    """A parameter that reads differently in Chinese and English."""

    @abc.abstractmethod
    def text(self, lang: str) -> str:
        """The parameter as a reader of ``lang`` reads it."""


def _value(value, lang: str):
    return value.text(lang) if isinstance(value, Localized) else value


def _id(value, lang: str) -> str:
    """An id as each language quotes it: ``'B00031'`` in English; bare in Chinese when it is one word."""
    if lang == "en":
        return repr(value)
    text = str(value)
    return text if _PLAIN_ID.fullmatch(text) else repr(value)


@dataclass(frozen=True)
class Items(Localized):
    """A list: quoted ids (or plain text, ``quote=False``), the first ``limit`` shown, then how many more."""

    values: tuple
    quote: bool = True
    limit: int | None = 6

    def __init__(self, values: Iterable, *, quote: bool = True, limit: int | None = 6):
        object.__setattr__(self, "values", tuple(values))
        object.__setattr__(self, "quote", quote)
        object.__setattr__(self, "limit", limit)

    def text(self, lang: str) -> str:
        values = list(self.values)
        shown = values if self.limit is None else values[:self.limit]
        parts = [_id(v, lang) if self.quote else str(_value(v, lang)) for v in shown]
        out = SEPARATOR[lang].join(parts)
        extra = len(values) - len(shown)
        if extra:
            out += f"等（另有{extra}个）" if lang == "zh" else f" and {extra} more"
        return out


@dataclass(frozen=True)
class Id(Localized):
    """One id, quoted as :class:`Items` quotes ids."""

    value: str

    def text(self, lang: str) -> str:
        return _id(self.value, lang)


@dataclass(frozen=True)
class Named(Localized):
    """Identifiers with their Chinese names (catalogue keys ``prefix + id``) in Chinese; as a list in English.

    A single identifier (a str) reads ``'party_group'`` in English.
    """

    values: object
    prefix: str | None = None

    def text(self, lang: str) -> str:
        if lang == "en":
            return repr(self.values) if isinstance(self.values, str) else str(list(self.values))
        values = [self.values] if isinstance(self.values, str) else list(self.values)

        def name(v):
            key = f"{self.prefix}{v}" if self.prefix else None
            return f"{v}（{tr(key, 'zh')}）" if key in MESSAGES else str(v)
        return SEPARATOR["zh"].join(name(v) for v in values)


@dataclass(frozen=True)
class Term(Localized):
    """An identifier as it is in English; its Chinese name (key ``prefix + id``) in Chinese, when there is one."""

    value: str
    prefix: str

    def text(self, lang: str) -> str:
        key = f"{self.prefix}{self.value}"
        return tr(key, "zh") if lang == "zh" and key in MESSAGES else str(self.value)


@dataclass(frozen=True)
class Label(Localized):
    """A catalogue entry, with its parameters (themselves rendered per language)."""

    key: str
    params: tuple = ()

    def __init__(self, key: str, /, **params):
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", tuple(sorted(params.items())))

    def text(self, lang: str) -> str:
        return render(self.key, lang, **dict(self.params))


@dataclass(frozen=True)
class OsReason(Localized):
    """Why a file could not be read: the usual causes from the catalogue, the system's text otherwise."""

    errno: int | None
    strerror: str

    @classmethod
    def of(cls, exc: OSError) -> OsReason:
        return cls(exc.errno, exc.strerror or str(exc))

    def text(self, lang: str) -> str:
        key = {errno.ENOENT: "scenario_os_enoent", errno.EACCES: "scenario_os_eacces",
               errno.EISDIR: "scenario_os_eisdir"}.get(self.errno)
        return tr(key, lang) if key else self.strerror


def render(key: str, lang: str, /, **params) -> str:
    """The catalogue text ``key`` in ``lang``, with ``params`` rendered in that language."""
    return tr(key, lang, **{k: _value(v, lang) for k, v in params.items()})


def both(key: str, /, **params) -> tuple[str, str]:
    """``(Chinese, English)`` of a catalogue text (what step descriptions are)."""
    return render(key, "zh", **params), render(key, "en", **params)
