"""The message catalogue: both languages for every key, the same placeholders, no key twice, no key missing."""

from __future__ import annotations

import re
import string

import pytest

from workbench.data.schema import BRANCH_KINDS, ROLES
from workbench.i18n import LANGUAGES, MESSAGES, catalogue, tr
from workbench.settings.scenario import OPERATIONS

from .conftest import ROOT

# a literal key handed to the catalogue: tr("key" ...), render/both/Label("key" ...), a scenario error's key
LITERAL_KEY = re.compile(
    r"""\b(?:tr|render|both|Label|ScenarioError|UnknownIdError|InvalidOperationError|ScenarioFileError)\(\s*"""
    r"""["']([a-z][a-z0-9_]*)["']\s*[,)]""")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_every_key_has_a_chinese_and_an_english_text():
    assert set(LANGUAGES) == {"zh", "en"}
    for key, texts in MESSAGES.items():
        assert isinstance(texts, tuple) and len(texts) == 2, key
        zh, en = texts
        assert zh.strip() and en.strip(), key


def test_placeholders_are_the_same_in_both_languages():
    differ = {key: (sorted(placeholders(zh)), sorted(placeholders(en)))
              for key, (zh, en) in MESSAGES.items() if placeholders(zh) != placeholders(en)}
    assert not differ, differ


def test_a_key_defined_twice_is_refused():
    with pytest.raises(ValueError, match=r"defined twice in the catalogue: \['a'\]"):
        catalogue({"a": ("甲", "A")}, {"a": ("乙", "B")})


def test_every_literal_key_used_in_the_package_exists():
    missing = []
    for path in sorted((ROOT / "workbench").rglob("*.py")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for key in LITERAL_KEY.findall(line):
                if key not in MESSAGES:
                    missing.append(f"{path.relative_to(ROOT)}:{line_no}: {key}")
    assert not missing, missing


@pytest.mark.parametrize("prefix, ids", [
    ("scenario_role_", ROLES), ("scenario_kind_", BRANCH_KINDS), ("scenario_op_", tuple(OPERATIONS)),
    ("suggest_by_", ("party_group", "unit")), ("suggest_post_", ("organization", "discipline")),
])
def test_keys_built_from_ids_exist_for_every_id(prefix, ids):
    assert not [i for i in ids if f"{prefix}{i}" not in MESSAGES]


def test_tr_formats_and_names_a_missing_key():
    assert tr("scenario_at_step", "en", k=2, op="move") == "step 2 (move)"
    assert tr("scenario_at_step", "zh", k=2, op="转移") == "第2步（转移）"
    with pytest.raises(KeyError, match="no message 'no_such_key' in the catalogue"):
        tr("no_such_key")
