"""Framework YAML: defaults, round trips, and errors that name the key."""

from __future__ import annotations

import pytest
import yaml

import workbench as wb
from workbench.assess.indicators import DERIVATIONS


def test_default_framework_is_the_six_key_points():
    fw = wb.Framework.default()
    assert fw.dimension_ids == ["team", "education", "organization", "red", "inspection", "functions"]
    assert 25 <= len(fw.indicators) <= 32
    assert fw.grade_ids == ["strong", "standardized", "basic", "weak"]
    assert [g.min for g in fw.grades] == [90, 75, 60, 0]
    assert fw.quota.max_share == 0.3
    for item in (*fw.dimensions, *fw.indicators, *fw.grades, *fw.vetoes, *fw.flags):
        assert item.zh and item.en, item.id
    for ind in fw.indicators:
        assert ind.derivation in DERIVATIONS
    assert sum(d.weight for d in fw.dimensions) == pytest.approx(1.0)


def test_five_star_scheme():
    fw = wb.Framework.default("five_star")
    assert fw.grade_ids[:5] == ["five_star", "four_star", "three_star", "two_star", "one_star"]
    assert fw.grades[-1].min is None  # "no star" only through a veto
    assert fw.indicator_ids == wb.Framework.default().indicator_ids


def test_yaml_round_trip(tmp_path):
    fw = wb.Framework.default()
    path = fw.to_yaml(tmp_path / "fw.yaml")
    assert wb.Framework.from_yaml(path) == fw


def _write(tmp_path, doc) -> str:
    path = tmp_path / "fw.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _default_doc():
    return wb.Framework.default().model_dump(mode="json")


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["dimensions"][1]["indicators"][2]["normalization"].update(method="sigmoid"),
     r"dimensions\[1\]\(education\)\.indicators\[2\]\(training_hours\)\.normalization\.method"),
    (lambda d: d["dimensions"][0].update(weight=-1), r"dimensions\[0\]\(team\)\.weight"),
    (lambda d: d["vetoes"][0].update(column="nonexistent"), "column 'nonexistent' is neither"),
    (lambda d: d["grades"][1].update(min=95), "strictly decreasing"),
    (lambda d: d["dimensions"][0]["indicators"][0].update(id="Bad Id"), "not an identifier"),
    (lambda d: d.update(missing="guess"), "missing"),
    (lambda d: d["dimensions"][2]["indicators"].append(d["dimensions"][2]["indicators"][0]), "unique"),
    (lambda d: d.update(surprise=1), "surprise"),
    (lambda d: d["dimensions"][1]["indicators"][1]["normalization"].update(worst=30),
     "direction 'lower' but target 48.0 is above worst 30"),
])
def test_errors_name_the_key(tmp_path, edit, expected):
    doc = _default_doc()
    edit(doc)
    with pytest.raises(wb.FrameworkError, match=expected):
        wb.Framework.from_yaml(_write(tmp_path, doc))


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "fw.yaml"
    path.write_text("name: x\ndimensions: [\n  - id: a\n", encoding="utf-8")
    with pytest.raises(wb.FrameworkError, match="line"):
        wb.Framework.from_yaml(path)
    with pytest.raises(wb.FrameworkError, match="cannot read"):
        wb.Framework.from_yaml(tmp_path / "missing.yaml")


def test_short_file_extending_the_default(tmp_path):
    path = tmp_path / "county.yaml"
    path.write_text("base: default\nname: my_county\nquota: {grade: strong, max_share: 0.1}\n",
                    encoding="utf-8")
    fw = wb.Framework.from_yaml(path)
    assert fw.name == "my_county" and fw.quota.max_share == 0.1
    assert fw.indicator_ids == wb.Framework.default().indicator_ids


def test_rules_thresholds_live_in_the_framework(tmp_path):
    path = tmp_path / "county.yaml"
    path.write_text("base: default\nname: strict\nrules: {max_members: 40}\n", encoding="utf-8")
    fw = wb.Framework.from_yaml(path)
    assert fw.rules.max_members == 40
    assert fw.rules.min_formal_members == 3
