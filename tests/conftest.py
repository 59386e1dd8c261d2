"""Shared fixtures: the committed sample county and small generated counties."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import workbench as wb
from workbench.data.synth import generate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
TEST_OUTPUT = ROOT / "test-output"

# Tests run from any folder; doctests and notebooks assume the repository root.
os.chdir(ROOT)


@pytest.fixture(scope="session")
def sample() -> wb.BranchData:
    """The committed sample county (CSV)."""
    return wb.load(SAMPLE)


@pytest.fixture(scope="session")
def small() -> wb.BranchData:
    """A small generated county: 30 branches, two years."""
    return generate(30, seed=7)


@pytest.fixture()
def small_csv(tmp_path, small) -> Path:
    """The small county written as CSV in a fresh folder (tests may damage it)."""
    return small.to_csv(tmp_path / "county")


@pytest.fixture(scope="session")
def test_output() -> Path:
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT
