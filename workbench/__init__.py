"""Branch Assessment Workbench: assess grass-roots party branches.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> isinstance(data, wb.BranchData)
True
"""

from .assess import weights
from .data import BranchData, DataError, load, load_files
from .assess.framework import Framework, FrameworkError
from .assess.indicators import compute_indicators, register_derivation
from .settings.rules import RuleSet, check_rules
from .settings.scenario import Scenario, ScenarioComparison, ScenarioError
from .settings.suggest import suggest_settings
from .assess.assessment import Assessment, Comparison
from .assess.scoring import Scheme
from .assess.robustness import leave_one_out, monte_carlo, sensitivity

from ._version import __version__

__all__ = [
    "Assessment",
    "BranchData",
    "Comparison",
    "DataError",
    "Framework",
    "FrameworkError",
    "RuleSet",
    "Scenario",
    "ScenarioComparison",
    "ScenarioError",
    "Scheme",
    "check_rules",
    "compute_indicators",
    "leave_one_out",
    "load",
    "load_files",
    "monte_carlo",
    "register_derivation",
    "sensitivity",
    "suggest_settings",
    "weights",
    "__version__",
]
