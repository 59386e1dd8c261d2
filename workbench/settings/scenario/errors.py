"""Errors of scenarios: a catalogue key, its parameters, and where it happened, rendered in either language.

``str(err)`` is the English text (the command line, logs and tests read it);
``err.message(lang)`` is the text a dashboard shows in the user's language.

>>> from .texts import Items, Label
>>> err = InvalidOperationError("scenario_err_members_twice", what=Label("scenario_op_move"), ids=Items(["M1"]))
>>> str(err), err.message("zh")
("move: member 'M1' listed twice", '转移：党员M1重复列出')
>>> later = err.prefixed("scenario_at_step", k=2, op="move")
>>> later.en, type(later).__name__
("step 2 (move): move: member 'M1' listed twice", 'InvalidOperationError')
"""

from __future__ import annotations

from ...i18n import MESSAGES
from .texts import render

__all__ = ["ScenarioError", "UnknownIdError", "InvalidOperationError", "ScenarioFileError"]

_JOIN = {"zh": "：", "en": ": "}


class ScenarioError(ValueError):
    """An operation that cannot be applied to the scenario's current state (or a file that cannot be read).

    Parameters
    ----------
    key : str
        A catalogue key (``scenario_err_...``). A text that is no key is shown as
        it is in both languages (an error raised without a translation).
    at : sequence of (key, params)
        Where it happened, outermost first ("the file", "step 2 (move)").
    **params
        The key's parameters (numbers, names, or :mod:`.texts` values).
    """

    def __init__(self, key: str, /, *, at: tuple = (), **params):
        self.key = str(key)
        self.params = params
        self.at = tuple((k, dict(p)) for k, p in at)
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        if lang not in ("zh", "en"):
            raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
        text = render(self.key, lang, **self.params) if self.key in MESSAGES else self.key
        for key, params in reversed(self.at):
            text = render(key, lang, **params) + _JOIN[lang] + text
        return text

    @property
    def en(self) -> str:
        return self.message("en")

    @property
    def zh(self) -> str:
        return self.message("zh")

    def prefixed(self, key: str, **params) -> ScenarioError:
        """The same error (same type) with where it happened put in front."""
        return self.retyped(type(self), ((key, params),))

    def retyped(self, cls: type[ScenarioError], at: tuple = ()) -> ScenarioError:
        """This error as ``cls``, with the places ``at`` ((key, params), outermost first) put in front."""
        return cls(self.key, at=tuple(at) + self.at, **self.params)

    def __reduce__(self):
        return _rebuild, (type(self), self.key, self.at, self.params)


def _rebuild(cls, key, at, params):
    return cls(key, at=at, **params)


class UnknownIdError(ScenarioError):
    """A branch or member id that is not in the current state."""


class InvalidOperationError(ScenarioError):
    """A well-formed operation that makes no sense here (e.g. moving a member to its own branch)."""


class ScenarioFileError(ScenarioError):
    """A scenario YAML file that cannot be read; the message names the step and key."""
