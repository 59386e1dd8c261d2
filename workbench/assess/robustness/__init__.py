"""Robustness of rankings: Monte Carlo rank intervals, grade probabilities, sensitivity indices.

A planner must know which grades are decided by the data and which by the
weighting. The functions follow SALib's *sample -> evaluate -> analyze*:

- :func:`draw` samples weight vectors around a scheme (Dirichlet or uniform
  +/- spread, renormalized within each level) and, optionally, alternative
  normalizations and aggregations as discrete choices; :func:`evaluate` scores,
  ranks and grades every draw (vectorised: a block of draws is one matrix
  product, ranks one sort per draw of packed integer keys, the quota a
  cumulative count along the sorted order; blocks run on a pool of threads)
  and summarises per branch; :func:`monte_carlo` is the two in one call. Every
  draw gets the ranks and grades ``Scheme.score`` gives its scheme (float64;
  ``dtype="float32"`` may swap totals closer than its rounding).
- :func:`sensitivity`: first-order and total Sobol indices (SALib) of the
  dimension weights, and of the method choices, on a summary of the ranking.
- :func:`leave_one_out`: what happens to the ranking when one indicator or one
  dimension is removed (weight 0, the others renormalized).

One module per step: :mod:`.samples` (draws), :mod:`.engine` (the vectorised
evaluation of a block of draws, on the kernel of :mod:`workbench.assess.kernel`),
:mod:`.montecarlo` (:func:`monte_carlo`, :func:`evaluate`, :class:`RobustnessResult`),
:mod:`.sensitivity` (Sobol indices), :mod:`.leave_one_out`.

References
----------
- Saisana, M., Saltelli, A., Tarantola, S. (2005). Uncertainty and sensitivity
  analysis techniques as tools for the quality assessment of composite
  indicators. *J. R. Stat. Soc. A* 168(2), 307-323.
- OECD/JRC (2008). *Handbook on Constructing Composite Indicators*, step 7.
- Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
  output. *Comput. Phys. Commun.* 181(2), 259-270 (the Sobol estimators of SALib).

>>> import workbench as wb
>>> table = wb.compute_indicators(wb.load("sample_data"), period=2025)
>>> scheme = wb.Scheme(wb.Framework.default())
>>> mc = wb.monte_carlo(scheme, table, n=200, seed=1, progress=False)
>>> row = mc.summary.loc["B00001"]
>>> bool(row["rank_p5"] <= row["rank"] <= row["rank_p95"])
True
>>> again = mc.scheme_for(7).score(table)      # draw 7, rebuilt as a Scheme
>>> bool((again.rank.to_numpy() == mc.ranks[7]).all())
True
"""

from .engine import Engine
from .leave_one_out import leave_one_out
from .montecarlo import RobustnessResult, evaluate, monte_carlo, quantile_rows
from .samples import Samples, draw
from .sensitivity import sensitivity, sobol_indices

__all__ = [
    "Samples",
    "RobustnessResult",
    "draw",
    "evaluate",
    "monte_carlo",
    "sensitivity",
    "leave_one_out",
    "Engine",
    "quantile_rows",
    "sobol_indices",
]
