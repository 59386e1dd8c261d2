"""The panel's and the diagnostics' messages: both languages, the same placeholders, every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from workbench.assess.weights import CONSENSUS_BANDS
from workbench.i18n import MESSAGES
from workbench.i18n.panel import PANEL

ROOT = Path(__file__).resolve().parents[2]
MODULES = [*sorted((ROOT / "workbench/assess/panel").glob("*.py")), ROOT / "workbench/cli/panel.py",
           ROOT / "workbench/views/apps/ahp.py", ROOT / "workbench/views/panel.py",
           ROOT / "workbench/views/panel_charts.py", ROOT / "workbench/studies/diagnostics.py",
           ROOT / "workbench/views/diagnostics.py"]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(PANEL))
def test_each_message_has_both_languages_with_the_same_placeholders(key):
    zh, en = PANEL[key]
    assert zh.strip() and en.strip() and zh != en or key in ("panel_err_row",)
    assert fields(zh) == fields(en), key


def test_every_key_the_modules_name_is_in_the_catalogue():
    used = set()
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'"((?:panel|diag|consensus)_[a-z_]+)"', text))
    # a function, a chart's name, an argparse dest, a key of the panel table's attrs
    used -= {"panel_from_matrices", "panel_spread", "panel_command", "consensus_band",
             "diag_flag_", "diag_op_", "diag_variant_"}            # prefixes of keys named below
    used |= {"diag_flag_over", "diag_flag_under", "diag_op_remove", "diag_op_add", "diag_op_merge"}
    used |= {f"diag_variant_{v}" for v in ("framework", "minmax", "entropy")}
    used |= {f"consensus_{band}" for band, _ in CONSENSUS_BANDS}   # named by the band: consensus_{band}
    missing = sorted(k for k in used if k not in MESSAGES)
    assert not missing, missing
