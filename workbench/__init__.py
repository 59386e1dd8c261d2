"""Branch Assessment Workbench: assess grass-roots party branches.

The public names below are imported on first use (PEP 562), so that a command
such as ``workbench check`` starts without loading the scoring and statistics
libraries it does not need.

>>> import workbench as wb
>>> data = wb.load("sample_data")
>>> isinstance(data, wb.BranchData)
True
"""

from __future__ import annotations

import importlib

from ._version import __version__

#: public name -> module that defines it
_EXPORTS = {
    "weights": "workbench.assess",
    "BranchData": "workbench.data",
    "DataError": "workbench.data",
    "load": "workbench.data",
    "load_files": "workbench.data",
    "Framework": "workbench.assess.framework",
    "FrameworkError": "workbench.assess.framework",
    "compute_indicators": "workbench.assess.indicators",
    "register_derivation": "workbench.assess.indicators",
    "RuleSet": "workbench.settings.rules",
    "check_rules": "workbench.settings.rules",
    "Scenario": "workbench.settings.scenario",
    "ScenarioComparison": "workbench.settings.scenario",
    "ScenarioError": "workbench.settings.scenario",
    "suggest_settings": "workbench.settings.suggest",
    "Assessment": "workbench.assess.assessment",
    "Comparison": "workbench.assess.assessment",
    "Scheme": "workbench.assess.scoring",
    "leave_one_out": "workbench.assess.robustness",
    "monte_carlo": "workbench.assess.robustness",
    "sensitivity": "workbench.assess.robustness",
}

__all__ = sorted(_EXPORTS, key=str.lower) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
