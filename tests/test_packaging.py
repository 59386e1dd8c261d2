"""pyproject.toml and environment.yml declare the same dependencies and lower bounds."""

from __future__ import annotations

import re
import tomllib

import yaml

from .conftest import ROOT

# conda-forge spells a few packages differently from PyPI
CONDA_NAMES = {"dask[dataframe]": "dask", "kaleido": "python-kaleido"}


def _split(spec: str) -> tuple[str, str]:
    name, bound = re.match(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(>=\s*[\d.]+)?", spec).groups()
    name = CONDA_NAMES.get(name.lower(), name.lower())
    return name, (bound or "").replace(" ", "")


def test_pyproject_and_environment_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_specs = project["dependencies"] + project["optional-dependencies"]["test"]
    pip = dict(_split(s) for s in pip_specs)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda: dict[str, str] = {}
    for item in env["dependencies"]:
        if isinstance(item, dict):
            for spec in item["pip"]:
                if not spec.startswith("-"):
                    conda.update([_split(spec)])
        elif re.match(r"^\s*([A-Za-z0-9_.\-]+)", item).group(1) not in ("python", "pip"):
            conda.update([_split(item)])
    assert pip == conda
    assert all(bound.startswith(">=") for bound in pip.values()), "every dependency has a lower bound"


def test_console_script_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["workbench"] == "workbench.cli:main"
