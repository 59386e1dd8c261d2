"""One click for meeting output: the deck from the overview, a branch's feedback report from its card.

:class:`MeetingButton` gathers the page's year under the page's scheme
(:func:`workbench.meeting.gather`), writes the deck (``kind="deck"``) or the
chosen branch's report (``kind="report"``) into the user's export folder
(:class:`~workbench.views.widgets.export.ExportFolder`: private, size-limited)
and offers it for download. An error is shown in the page's language, never
a traceback; the previous file stays.

>>> import tempfile
>>> from workbench.views.state import AppState
>>> from workbench.views.scoring import ScoringModel
>>> from workbench.views.widgets.export import ExportFolder
>>> state = AppState.from_source("sample_data", lang="en")
>>> button = MeetingButton(state, ScoringModel(state), ExportFolder(tempfile.mkdtemp()), kind="deck")
>>> button.button.description
'Make the deck'
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import ipywidgets as w

from ...i18n import tr
from ...meeting import MeetingError, gather
from ..mvc import follow
from .export import ExportFolder
from .html import download_link, esc

__all__ = ["MeetingButton"]


class MeetingButton:
    """A button that writes the deck or one branch's report, and the link to download it."""

    def __init__(self, state, scoring, folder: ExportFolder, *, kind: str,
                 branch: Callable[[], str | None] | None = None):
        if kind not in ("deck", "report"):
            raise ValueError(f"kind must be 'deck' or 'report', got {kind!r}")
        if kind == "report" and branch is None:
            raise ValueError("a report button needs branch: a function naming the chosen branch")
        self.state, self.scoring, self.folder, self.kind, self.branch = state, scoring, folder, kind, branch
        self.button = w.Button(icon="file-powerpoint-o" if kind == "deck" else "file-pdf-o",
                               layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.button.on_click(lambda _: self.make())
        self.last: Path | None = None
        self._error = ""
        follow(state, "lang", self.render)
        self.widget = w.HBox([self.button, self.status], layout=w.Layout(align_items="center", flex_flow="row wrap"))
        self.widget.add_class("wb-meeting-export")
        self.widget.add_class(f"wb-meeting-{kind}")

    def make(self) -> Path | None:
        """Write the file now; returns its path (None when it could not be made: the page says why)."""
        from ...meeting.deck import write_deck
        from ...meeting.reports import write_branch_report

        state, lang = self.state, self.state.lang
        self.button.disabled = True
        self.status.value = f"<span class='wb-note'>{esc(tr('meeting_working', lang, name=tr(self._label_key, lang)))}</span>"
        try:
            facts = gather(state.data, self.scoring.scheme, state.period, source=state.source,
                           loaded_at=state.loaded_at)
            if self.kind == "deck":
                path = self.folder.path(f"deck-{facts.period}", ".pptx")
                write_deck(facts, path, lang=lang)
            else:
                branch = self.branch()
                if not branch:
                    raise MeetingError("meeting_branch_unknown", branch="")
                from ...meeting.reports import branch_file

                path = self.folder.path(Path(branch_file(branch)).stem, ".pdf")
                write_branch_report(facts, branch, path, lang=lang)
            self.last, self._error = self.folder.written(path), ""
        except Exception as exc:  # noqa: BLE001 - the page shows why, in its language, and keeps working
            self._error = exc.message(lang) if isinstance(exc, MeetingError) else str(exc) or type(exc).__name__
            self.last = None
        finally:
            self.button.disabled = False
        self.render()
        return self.last

    @property
    def _label_key(self) -> str:
        return "meeting_deck_button" if self.kind == "deck" else "meeting_report_button"

    def render(self) -> None:
        lang = self.state.lang
        self.button.description = tr(self._label_key, lang)
        if self._error:
            self.status.value = f"<span class='wb-bad'>{esc(tr('meeting_failed', lang, reason=self._error))}</span>"
        elif self.last is not None and self.last.exists():
            self.status.value = download_link(self.last, tr("download", lang, name=self.last.name))
        else:
            self.status.value = ""
