"""Branch Assessment Workbench: assess grass-roots party branches.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> isinstance(data, wb.BranchData)
True
"""

from .data import BranchData, DataError, load, load_files

__version__ = "0.1.0"

__all__ = ["BranchData", "DataError", "load", "load_files", "__version__"]
