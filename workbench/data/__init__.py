"""Branch data: the tables, their validation, loading and a synthetic generator.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> data.members.columns[:3].tolist()
['member_id', 'branch_id', 'name']
"""

from .core import BranchData, load, load_files
from .errors import DataError
from .schema import TABLES

__all__ = ["BranchData", "DataError", "TABLES", "load", "load_files"]
