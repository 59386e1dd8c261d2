"""What every output says about itself: year, scheme (name and weights), data (file, when loaded), when made.

A chart, a slide or a report leaves the page it was made on; :class:`OutputContext`
travels with it. The deck puts it in every slide's footer, the reports in every
page's footer, and the dashboards' exports on their charts and workbooks.

>>> import workbench as wb
>>> ctx = OutputContext.of(wb.Scheme(wb.Framework.default()), 2025, source="sample_data",
...                        loaded_at="2026-11-30T09:15:00", made_at="2026-11-30T10:00:00")
>>> ctx.footer("en")
'Year 2025 · scheme default (Team and reserve cadres 15%, ...) · data sample_data (loaded 2026-11-30 09:15) · made 2026-11-30 10:00'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..i18n import tr

__all__ = ["OutputContext"]


@dataclass(frozen=True)
class OutputContext:
    """The context of an output (immutable; build it with :meth:`of`).

    Attributes
    ----------
    period : int
        The assessment year.
    scheme : str
        The scheme's name.
    weights : tuple of (str, str, str, float)
        Per dimension: id, Chinese label, English label, weight (summing to 1).
    source : str
        The data's file or folder (its name is shown, not the server's path).
    loaded_at, made_at : str
        ISO times: when the data were loaded ("" when unknown) and when the output was made.
    """

    period: int
    scheme: str
    weights: tuple[tuple[str, str, str, float], ...]
    source: str
    loaded_at: str = ""
    made_at: str = ""

    @classmethod
    def of(cls, scheme, period: int, *, source: str = "", loaded_at: str | dt.datetime | None = None,
           made_at: str | dt.datetime | None = None) -> OutputContext:
        """The context of ``scheme`` applied to the data of ``source`` for ``period``.

        >>> import workbench as wb
        >>> OutputContext.of(wb.Scheme(wb.Framework.default()), 2025).weights[0]
        ('team', '队伍建设', 'Team...', 0.15...)
        """
        fw = scheme.framework
        weights = tuple((d, fw.label(d, "zh"), fw.label(d, "en"), float(w))
                        for d, w in scheme.dimension_weights.items())
        made = made_at if made_at is not None else dt.datetime.now()
        return cls(period=int(period), scheme=str(scheme.name), weights=weights, source=str(source or ""),
                   loaded_at=_iso(loaded_at), made_at=_iso(made))

    @property
    def source_name(self) -> str:
        """The data's file or folder name (the rest of a server path is nobody's business)."""
        return Path(self.source).name or self.source

    def weights_text(self, lang: str = "zh") -> str:
        """The dimension weights, e.g. ``"Team 15%, Education 15%, ..."``."""
        sep = "，" if lang == "zh" else ", "
        return sep.join(f"{zh if lang == 'zh' else en} {w:.0%}" for _, zh, en, w in self.weights)

    def lines(self, lang: str = "zh") -> list[str]:
        """Year, scheme with its weights, data with when it was loaded, when made: one line each."""
        lines = [tr("ctx_period", lang, period=self.period),
                 tr("ctx_scheme", lang, name=self.scheme, weights=self.weights_text(lang))]
        if self.source:
            loaded = _minute(self.loaded_at)
            lines.append(tr("ctx_data", lang, source=self.source_name, loaded=loaded) if loaded
                         else tr("ctx_data_plain", lang, source=self.source_name))
        if self.made_at:
            lines.append(tr("ctx_made", lang, when=_minute(self.made_at)))
        return lines

    def footer(self, lang: str = "zh") -> str:
        """:meth:`lines` on one line, as a slide or page footer shows them."""
        return " · ".join(self.lines(lang))

    def short(self, lang: str = "zh") -> str:
        """Year, scheme name and data source without the weights: a footer where room is short."""
        parts = [tr("ctx_period", lang, period=self.period), tr("meeting_ctx_scheme_short", lang, name=self.scheme)]
        if self.source:
            parts.append(tr("ctx_data_plain", lang, source=self.source_name))
        return " · ".join(parts)


def _iso(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _minute(iso: str) -> str:
    return iso.replace("T", " ")[:16] if iso else ""
