"""Branch data: the tables, their validation, loading and a synthetic generator.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> data.members.columns[:3].tolist()
['member_id', 'branch_id', 'name']
"""

from .core import BranchData, LoadSummary, load, load_files
from .errors import DataError
from .readers import DEFAULT_BUDGET, ReadBudget
from .report import write_problem_report
from .schema import TABLES
from .template import write_template

__all__ = ["BranchData", "DataError", "DEFAULT_BUDGET", "LoadSummary", "ReadBudget", "TABLES", "load",
           "load_files", "write_problem_report", "write_template"]
