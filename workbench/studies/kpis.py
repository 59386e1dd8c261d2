"""The county's key figures: one function and one definition per number, the same on every page.

Each figure has a name; its label is the catalogue key ``figure_<name>`` and
its one-sentence definition (the hover text) ``figure_<name>_def``
(:func:`figure_label`, :func:`figure_definition`). The overview, the
branch-settings page and the inspection page take their numbers from the
functions here, so the same label never shows two numbers:

- :func:`violation_figures` (from a :func:`~workbench.settings.rules.check_rules`
  table, filtered or not): ``violations`` (all rows, setting and activity
  rules), ``violation_errors``, ``violation_warnings``, ``violation_branches``
  (branches with any), ``error_branches`` (branches with an error);
- :func:`problem_figures` (from the problem list of a period):
  ``problems_found`` (found in the year), ``problems_closed`` (of those,
  closed by its end), ``rectification_rate``, ``problems_in_year`` (open at
  some time in the year: the rows of the inspection page's list),
  ``problems_carried`` (of those, found in earlier years), ``problems_open``
  and ``problems_overdue`` (status at the year's end).

:func:`county_kpis` gathers them with the branch, member and grade counts.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> table = wb.compute_indicators(data, period=2025)
>>> k = county_kpis(data, table, wb.Scheme(wb.Framework.default()).score(table))
>>> k["branches"] == len(data.branches)
True
>>> figure_label("problems_in_year", "en")
'Problems handled this year'
"""

from __future__ import annotations

import pandas as pd

from ..assess import roster
from ..data import BranchData
from ..i18n import tr
from ..assess.ruleset import RuleSet
from ..data.schema import INSPECTION_METHODS
from ..settings.rules import check_rules
from .inspection import completion_matrix, inspection_scores, problem_list

__all__ = ["FIGURES", "figure_label", "figure_definition", "violation_figures", "problem_figures",
           "county_kpis", "problem_progress", "inspection_kpis"]

#: Every key figure, in the order a page lists them.
FIGURES = (
    "violations", "violation_errors", "violation_warnings", "violation_branches", "error_branches",
    "problems_found", "problems_closed", "rectification_rate", "problems_in_year", "problems_carried",
    "problems_open", "problems_overdue",
)


def _known(name: str) -> str:
    if name not in FIGURES:
        raise KeyError(f"no key figure {name!r}; the figures are {list(FIGURES)}")
    return name


def figure_label(name: str, lang: str = "zh") -> str:
    """The label of a key figure in ``lang`` (catalogue key ``figure_<name>``).

    >>> figure_label("violations"), figure_label("violations", "en")
    ('规则问题', 'Rule violations')
    """
    return tr(f"figure_{_known(name)}", lang)


def figure_definition(name: str, lang: str = "zh") -> str:
    """What a key figure counts, in one sentence (catalogue key ``figure_<name>_def``): the hover text.

    >>> figure_definition("problems_carried", "en")
    'Problems found in earlier years and still open when the year began.'
    """
    return tr(f"figure_{_known(name)}_def", lang)


def violation_figures(violations: pd.DataFrame) -> dict[str, int]:
    """Counts of a violation table (``check_rules``, ``violation_list`` or a filtered part of one).

    >>> v = pd.DataFrame({"branch_id": ["a", "a", "b"], "severity": ["error", "warning", "warning"]})
    >>> violation_figures(v)
    {'violations': 3, 'violation_errors': 1, 'violation_warnings': 2, 'violation_branches': 2, 'error_branches': 1}
    """
    severity = violations["severity"].astype(str)
    errors = severity == "error"
    return {
        "violations": int(len(violations)),
        "violation_errors": int(errors.sum()),
        "violation_warnings": int((severity == "warning").sum()),
        "violation_branches": int(violations["branch_id"].nunique()),
        "error_branches": int(violations.loc[errors.to_numpy(), "branch_id"].nunique()),
    }


def problem_figures(data: BranchData, period: int, *, problems: pd.DataFrame | None = None) -> dict:
    """The problem counts of a period, from its problem list (statuses on 31 December).

    ``problems`` is that list when the caller has it already
    (:func:`workbench.studies.inspection.problem_list` of the period); it is
    computed otherwise. ``problems_in_year`` equals its length.

    >>> import workbench as wb
    >>> f = problem_figures(wb.load("sample_data"), 2025)
    >>> f["problems_in_year"] == f["problems_found"] + f["problems_carried"]
    True
    """
    plist = problem_list(data, period=period) if problems is None else problems
    found_now = (plist["found"].dt.year == int(period)).to_numpy()
    status = plist["status"]
    closed = status.isin(("closed", "closed_late")).to_numpy()
    n_found = int(found_now.sum())
    n_closed = int((found_now & closed).sum())
    return {
        "problems_found": n_found,
        "problems_closed": n_closed,
        "rectification_rate": n_closed / n_found if n_found else 1.0,
        "problems_in_year": int(len(plist)),
        "problems_carried": int((~found_now).sum()),
        "problems_open": int((~closed).sum()),
        "problems_overdue": int((status == "overdue").sum()),
    }


def problem_progress(data: BranchData, period: int) -> dict:
    """Problems found in ``period`` and how many were closed off by its end (``found``, ``done``, ``rate``)."""
    f = problem_figures(data, period)
    return {"found": f["problems_found"], "done": f["problems_closed"], "rate": f["rectification_rate"]}


def county_kpis(data: BranchData, table: pd.DataFrame, result, violations: pd.DataFrame | None = None
                ) -> dict:
    """Branches, members, grades, rule violations and problems of a period.

    Returns every figure of :func:`violation_figures` and
    :func:`problem_figures` under its name, plus ``period``, ``branches``,
    ``members`` and ``formal_members`` (the roster on 31 December), ``grades``
    (count per grade). The older names stay for the pages that read them:
    ``errors``, ``warnings``, ``branches_with_errors`` (all rules, as
    ``violation_errors`` ...), ``problems_done``, ``overdue``.
    """
    period = table.attrs.get("period", result.period)
    if violations is None:
        violations = check_rules(data, result.framework.rules, period=period)
    facts = roster.branch_facts(data, result.framework.rules, as_of=roster.period_end(period))
    v = violation_figures(violations)
    p = problem_figures(data, period)
    return {
        "period": period,
        "branches": int(len(data.branches)),
        "members": int(facts["members"].sum()),
        "formal_members": int(facts["formal"].sum()),
        "grades": result.grade_counts().to_dict(),
        **v,
        **p,
        "errors": v["violation_errors"],
        "warnings": v["violation_warnings"],
        "branches_with_errors": v["error_branches"],
        "problems_done": p["problems_closed"],
        "overdue": p["problems_overdue"],
    }


def inspection_kpis(data: BranchData, period: int, *, rules: RuleSet | None = None) -> dict:
    """Key figures of key point 5 for ``period``.

    Every problem figure of :func:`problem_figures`
    under its name (``problems_found``, ``problems_in_year`` ...: the same
    numbers the overview shows), the same under the short names the
    inspection page reads (``found``, ``closed``, ``rate``, ``overdue``,
    ``open``, ``in_year``, ``carried``), ``completion`` (mean overall
    three-meetings-one-lesson completion), ``inspections`` (count per method)
    and ``scores`` (mean branch score per method).

    >>> import workbench as wb
    >>> k = inspection_kpis(wb.load("sample_data"), 2025)
    >>> sorted(k)[:4]
    ['carried', 'closed', 'completion', 'found']
    """
    figures = problem_figures(data, period)
    scores = inspection_scores(data, period)
    counts = scores.attrs["counts"].sum()
    matrix = completion_matrix(data, period, rules=rules)
    return {
        "period": int(period),
        **figures,
        "found": figures["problems_found"],
        "closed": figures["problems_closed"],
        "rate": figures["rectification_rate"],
        "overdue": figures["problems_overdue"],
        "open": figures["problems_open"],
        "in_year": figures["problems_in_year"],
        "carried": figures["problems_carried"],
        "completion": float(matrix["overall"].mean()),
        "inspections": {m: int(counts[m]) for m in INSPECTION_METHODS},
        "scores": {m: float(scores[m].mean()) for m in INSPECTION_METHODS},
    }
