"""May a listed branch leave the weak-and-lax list (see the package)?"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ...assess.framework import Framework
from ...data.core import BranchData
from ...i18n import tr
from .core import ScreeningError, screen  # noqa: F401  (screen: the examples)
from .decisions import Decisions, listed

# ================================================================= exit check

def exit_check(data: BranchData, framework: Framework | None = None, period: int | None = None,
               branch_ids: Iterable[str] | None = None, *, result=None,
               unsatisfied: Mapping[str, float] | pd.Series | None = None,
               decisions: Decisions | None = None) -> pd.DataFrame:
    """May a listed branch leave the weak-and-lax list after rectification?

    DOMAIN.md (configurable in ``framework.screening.exit``): the period's
    score is at least ``min_score`` (70) and not more than
    ``max_unsatisfied_share`` (half) of the satisfaction votes are
    "unsatisfied".

    Parameters
    ----------
    branch_ids : iterable of str, optional
        Branches to check (default: the list of the period, :func:`listed`).
    result : Assessment, optional
        The period's assessment (scored with the framework when omitted).
    unsatisfied : mapping or Series, optional
        Share of "unsatisfied" votes per branch from the exit survey (0-1).
        Without it, the satisfaction score stands in for the share of
        satisfied votes: a score of 50 or more settles the vote condition
        (unsatisfied votes are at most 100 minus the score); below that the
        answer is "cannot tell yet" until the votes are entered.

    Returns
    -------
    DataFrame
        Index ``branch_id``; ``total``, ``score_ok``, ``unsatisfied_share``
        (given or bound), ``votes_ok`` (True, False or None when unknown),
        ``passes`` (True, False or None), ``reason_zh``, ``reason_en``.

    Examples
    --------
    >>> import workbench as wb
    >>> data = wb.load("sample_data")
    >>> out = exit_check(data, period=2025, branch_ids=["B00001"], unsatisfied={"B00001": 0.1})
    >>> out.loc["B00001", "votes_ok"]
    True
    """
    framework = framework or Framework.default()
    if period is None:
        period = data.periods[-1]
    rule = framework.screening.exit
    if result is None:
        from ...assess.indicators import compute_indicators
        from ...assess.scoring import Scheme

        result = Scheme(framework).score(compute_indicators(data, framework, period=period, strict=False),
                                         groups=data)
    ids = list(branch_ids) if branch_ids is not None else listed(decisions or Decisions(), period, data=data)
    unknown = [b for b in ids if b not in result.total.index]
    if unknown:
        raise KeyError(f"exit check: unknown branch(es) {unknown[:5]}")
    votes = pd.Series(unsatisfied, dtype="float64") if unsatisfied is not None else pd.Series(dtype="float64")
    satisfaction = data.outcomes_for(period)["satisfaction"]
    rows = []
    for b in ids:
        total = float(result.total[b])
        score_ok = bool(np.isfinite(total) and total >= rule.min_score)
        reasons = {lang: [tr("exit_score", lang, score=total, min=rule.min_score) if np.isfinite(total)
                          else tr("exit_no_score", lang)] for lang in ("zh", "en")}
        if b in votes.index and np.isfinite(votes[b]):
            share = float(votes[b])
            votes_ok = share <= rule.max_unsatisfied_share
            for lang in ("zh", "en"):
                reasons[lang].append(tr("exit_votes", lang, share=share, max=rule.max_unsatisfied_share))
        else:
            sat = float(satisfaction.get(b, np.nan))
            bound = (100 - sat) / 100 if np.isfinite(sat) else np.nan
            if np.isfinite(bound) and bound <= rule.max_unsatisfied_share:
                share, votes_ok = bound, True
                for lang in ("zh", "en"):
                    reasons[lang].append(tr("exit_votes_from_satisfaction", lang, satisfaction=sat, share=bound))
            else:
                share, votes_ok = np.nan, None
                for lang in ("zh", "en"):
                    reasons[lang].append(tr("exit_votes_unknown", lang,
                                            satisfaction=f"{sat:.0f}" if np.isfinite(sat) else "—"))
        if not score_ok or votes_ok is False:
            passes = False
        elif votes_ok is None:
            passes = None
        else:
            passes = True
        rows.append({"branch_id": b, "total": total, "score_ok": score_ok, "unsatisfied_share": share,
                     "votes_ok": votes_ok, "passes": passes,
                     "reason_zh": "；".join(reasons["zh"]), "reason_en": "; ".join(reasons["en"])})
    columns = ["branch_id", "total", "score_ok", "unsatisfied_share", "votes_ok", "passes", "reason_zh",
               "reason_en"]
    out = pd.DataFrame(rows, columns=columns).set_index("branch_id")
    for col in ("votes_ok", "passes"):
        out[col] = out[col].astype(object)
    return out
