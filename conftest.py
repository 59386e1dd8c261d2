"""Repository-wide pytest set-up: tests, doctests and notebooks run from the repository root."""

import os
from pathlib import Path

import numpy as np

os.chdir(Path(__file__).resolve().parent)
# Doctests show numbers as a reader types them (0.4, True), not numpy 2's np.float64(0.4).
np.set_printoptions(legacy="1.25")
