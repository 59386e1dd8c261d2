"""files.py: folders written whole, manifests, temporaries, safe YAML."""

from __future__ import annotations

import json
import os

import pytest

import workbench as wb
from workbench.data.synth import generate
from workbench.files import (
    MANIFEST_NAME,
    ManifestError,
    YamlError,
    atomic_folder,
    read_folder_manifest,
    remove_stale_temporaries,
    safe_yaml_load,
    saved_files,
    swap_into_place,
    temporary_name,
)


def test_atomic_folder_swaps_in_the_new_set_and_keeps_other_files(tmp_path):
    target = tmp_path / "data"
    with atomic_folder(target) as tmp:
        (tmp / "a.csv").write_text("old")
        (tmp / "b.csv").write_text("old")
    (target / "notes.docx").write_text("the clerk's notes")
    with atomic_folder(target, replaces=lambda name: name == "b.csv") as tmp:
        (tmp / "a.csv").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["a.csv", MANIFEST_NAME, "notes.docx"]
    assert (target / "a.csv").read_text() == "new"
    doc = read_folder_manifest(target)
    assert doc["complete"] and set(doc["files"]) == {"a.csv", "notes.docx"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_atomic_folder_keeps_the_old_set_when_writing_fails(tmp_path):
    target = tmp_path / "data"
    with atomic_folder(target) as tmp:
        (tmp / "a.csv").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as tmp:
            (tmp / "a.csv").write_text("half")
            raise RuntimeError("disk full")
    assert (target / "a.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_atomic_folder_refuses_to_empty_a_folder_with_other_folders(tmp_path):
    (tmp_path / "home" / "photos").mkdir(parents=True)
    with pytest.raises(IsADirectoryError):
        with atomic_folder(tmp_path / "home") as tmp:
            (tmp / "a.csv").write_text("x")
    assert (tmp_path / "home" / "photos").is_dir()


def test_swap_into_place_replaces_a_folder(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x").write_text("old")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "x").write_text("new")
    swap_into_place(tmp_path / "new", tmp_path / "old")
    assert (tmp_path / "old" / "x").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]


def test_loader_refuses_a_folder_whose_manifest_is_incomplete(tmp_path):
    folder = generate(6, seed=1, years=(2025,)).to_csv(tmp_path / "c")
    doc = json.loads((folder / MANIFEST_NAME).read_text())
    doc["complete"] = False
    (folder / MANIFEST_NAME).write_text(json.dumps(doc))
    with pytest.raises(ManifestError):
        read_folder_manifest(folder)
    with pytest.raises(wb.DataError) as info:
        wb.load(folder)
    assert info.value.problems["key"].tolist() == ["data_manifest_incomplete"]
    (folder / MANIFEST_NAME).write_text('{"complete": tr')  # cut off
    with pytest.raises(wb.DataError, match="incomplete"):
        wb.load(folder)


def test_a_clerks_edit_after_writing_is_noted_not_refused(tmp_path):
    data = generate(6, seed=1, years=(2025,))
    folder = data.to_csv(tmp_path / "c")
    with open(folder / "branches.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    loaded = wb.load(folder)
    assert loaded.equals(data)
    assert "data_manifest_changed" in loaded.intake.warnings()["key"].tolist()


def test_temporaries_are_never_listed_and_removed_when_their_writer_is_gone(tmp_path):
    (tmp_path / "a.yaml").write_text("a")
    dead = tmp_path / ".~wb-999999999-abcd1234.b.yaml"
    dead.write_text("half")
    alive = tmp_path / temporary_name("c.yaml")
    alive.write_text("being written")
    assert [p.name for p in saved_files(tmp_path, ".yaml")] == ["a.yaml"]
    assert remove_stale_temporaries(tmp_path) == [dead]
    assert alive.exists()
    os.utime(alive, (0, 0))  # a day old: stale even if the process id came back
    assert remove_stale_temporaries(tmp_path) == [alive]


def test_safe_yaml_load_reads_plain_yaml_and_refuses_the_rest():
    assert safe_yaml_load("steps:\n  - op: merge\n    branches: [B1, B2]\n") == {
        "steps": [{"op": "merge", "branches": ["B1", "B2"]}]}
    assert safe_yaml_load(b"\xef\xbb\xbfa: 1") == {"a": 1}
    with pytest.raises(YamlError, match="not UTF-8"):
        safe_yaml_load(b"a: \xff\xfe")
    with pytest.raises(YamlError, match="line 1"):
        safe_yaml_load("!!python/object:os.system {}")
