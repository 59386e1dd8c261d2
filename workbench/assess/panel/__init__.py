"""An expert panel's pairwise comparisons, read from a workbook, and the group weights they give.

County leading groups and expert panels fill in Saaty comparisons on paper or
in Excel; :func:`read_panel` reads such a workbook for a framework and
:meth:`Panel.scheme` turns it into a weighting scheme whose origin records the
panel file, the aggregation, every expert's consistency ratio and the
consensus. Two layouts are read (a workbook may mix them):

- **one sheet per expert** (the sheet's name is the expert's): one or more
  matrices, each a header row of criteria and one row per criterion, the cell
  in row i and column j saying how much more important criterion i is than j.
  Only one triangle needs filling; where both are filled they must be
  reciprocal. A matrix of the dimensions gives dimension weights, a matrix of
  the indicators of one dimension gives their weights within it;
- **one sheet in long form**: columns expert (专家), criterion A (指标A),
  criterion B (指标B) and judgement (判断), one comparison per row.

Criteria are named by id or by their Chinese or English label. A judgement is
a number of Saaty's 1-9 scale, a reciprocal written ``1/3``, or a word of the
scale (同等重要 1, 稍微重要 3, 明显重要 5, 强烈重要 7, 极端重要 9, or the English
equal, moderate, strong, very strong, extreme). An optional sheet 专家权重
(expert, weight) lets one expert count more.

Every problem is collected before anything is computed and raised as one
:class:`PanelError` whose table names the file, sheet, row, column, expert and
value, in Chinese or English (:meth:`PanelError.render`).

>>> import tempfile
>>> from pathlib import Path
>>> from workbench.assess.framework import Framework
>>> fw = Framework.default()
>>> path = write_panel_template(Path(tempfile.mkdtemp()) / "专家打分表.xlsx", fw, experts=2, example=True)
>>> panel = read_panel(path, fw)
>>> panel.experts, sorted(panel.levels)[:2]
(['专家1', '专家2'], ['dimensions', 'education'])
>>> scheme = panel.scheme(method="aij")
>>> scheme.origin["method"], round(float(scheme.dimension_weights.sum()), 6)
('ahp_group', 1.0)
"""

from .model import (INSTRUCTION_SHEETS, LEVEL_DIMENSIONS, LONG_HEADERS, PROBLEM_COLUMNS, SAATY_WORDS, WEIGHT_SHEETS,
                    Panel, PanelError, judgement_text, panel_from_matrices, parse_judgement)
from .reader import read_panel
from .template import dropdown_values, write_panel_template

__all__ = [
    "Panel",
    "PanelError",
    "PROBLEM_COLUMNS",
    "SAATY_WORDS",
    "parse_judgement",
    "judgement_text",
    "read_panel",
    "panel_from_matrices",
    "write_panel_template",
    "dropdown_values",
    "LEVEL_DIMENSIONS",
    "INSTRUCTION_SHEETS",
    "WEIGHT_SHEETS",
    "LONG_HEADERS",
]
