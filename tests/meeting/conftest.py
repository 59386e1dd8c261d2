"""Shared facts of a meeting: the sample county's 2025 and a small county with hostile names."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench.meeting import gather

from ..conftest import SAMPLE

#: names a clerk (or an attacker) may type into a workbook
HOSTILE_NAME = "<script>alert('x')</script>&\"支部\" <img src=http://example.com/a.png>"
HOSTILE_TOWNSHIP = "<b>镇</b>&amp;"


@pytest.fixture(scope="session")
def sample_facts():
    """The sample county (300 branches) in 2025, scored with the default scheme (few draws: fast)."""
    return gather(wb.load(SAMPLE), period=2025, draws=100, seed=0)


@pytest.fixture(scope="session")
def hostile_facts(tmp_path_factory, small):
    """The small county (30 branches) with a hostile branch name and township."""
    folder = small.to_csv(tmp_path_factory.mktemp("hostile") / "county")
    branches = pd.read_csv(folder / "branches.csv", dtype=str)
    branches.loc[0, "name"] = HOSTILE_NAME
    branches.loc[branches["township"] == branches.loc[1, "township"], "township"] = HOSTILE_TOWNSHIP
    branches.to_csv(folder / "branches.csv", index=False)
    data = wb.load(folder)
    return gather(data, period=max(data.periods), draws=50, seed=0)
