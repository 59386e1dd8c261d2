"""Scenarios as plain data and YAML: what ``to_yaml`` writes and ``from_yaml`` reads.

The file holds the operations with their new ids and dates filled in, so it
replays exactly; every step is checked here for its keys (errors name the file,
the step and the key), then against the data by the Scenario.

>>> ops, effective = operations_from_doc({"steps": [{"op": "vacate", "member_id": "M1"}]}, source="s.yaml")
>>> ops, effective
([Vacate(reason_zh='', reason_en='', member_id='M1')], None)
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pandas as pd
import yaml

from ...files import YamlError, atomic_path, safe_yaml_load
from .errors import ScenarioError, ScenarioFileError
from .operations import OPERATIONS, Operation
from .texts import Named, OsReason, Term

__all__ = ["operations_from_doc", "read_doc", "parse_yaml", "write_yaml", "FORMAT_VERSION"]

#: The ``scenario:`` number written in every file.
FORMAT_VERSION = 1


def _at_source(source: str) -> tuple:
    return (("scenario_at_source", {"source": source}),)


def operations_from_doc(doc, *, source: str = "scenario") -> tuple[list[Operation], object]:
    """The operations and the effective date (or None) of a scenario document; ``source`` names it in errors."""
    at = _at_source(source)
    if not isinstance(doc, dict) or "steps" not in doc:
        raise ScenarioFileError("scenario_err_file_no_steps", at=at)
    steps = doc["steps"] or []
    if not isinstance(steps, list):
        raise ScenarioFileError("scenario_err_file_steps_type", at=at, type=type(steps).__name__)
    ops = [operation_from_dict(step, k + 1, source) for k, step in enumerate(steps)]
    try:
        effective = doc.get("effective")
        effective = pd.Timestamp(effective).date() if effective is not None else None
    except (ValueError, TypeError):
        raise ScenarioFileError("scenario_err_file_effective", at=at, value=repr(doc.get("effective"))) from None
    return ops, effective


def operation_from_dict(step, k: int, source: str) -> Operation:
    """Step ``k`` of a file as an Operation (keys checked; the data are checked by the Scenario)."""
    at = _at_source(source) + (("scenario_at_file_step", {"k": k}),)
    if not isinstance(step, dict) or "op" not in step:
        raise ScenarioFileError("scenario_err_file_no_op", at=at, value=repr(step))
    name = step["op"]
    cls = OPERATIONS.get(name)
    if cls is None:
        raise ScenarioFileError("scenario_err_file_unknown_op", at=at, op=repr(name),
                                ops=Named(list(OPERATIONS), "scenario_op_"))
    at = _at_source(source) + (("scenario_at_file_step_op", {"k": k, "op": Term(name, "scenario_op_")}),)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in ("reason_zh", "reason_en")}
    kwargs = {}
    for key, value in step.items():
        if key == "op":
            continue
        if key == "reason":
            if not isinstance(value, dict):
                raise ScenarioFileError("scenario_err_file_reason", at=at)
            kwargs["reason_zh"] = str(value.get("zh", ""))
            kwargs["reason_en"] = str(value.get("en", ""))
            continue
        if key not in fields:
            raise ScenarioFileError("scenario_err_file_unknown_key", at=at, field=repr(key),
                                    fields=Named([*fields, "reason"]))
        if key == "established" and value is not None:
            try:
                value = pd.Timestamp(value).date()
            except (ValueError, TypeError):
                raise ScenarioFileError("scenario_err_file_established", at=at, value=repr(value)) from None
        kwargs[key] = value
    missing = [f for f, spec in fields.items() if spec.default is dataclasses.MISSING
               and spec.default_factory is dataclasses.MISSING and f not in kwargs]
    if missing:
        raise ScenarioFileError("scenario_err_file_missing", at=at, fields=Named(missing))
    try:
        return cls(**kwargs)
    except ScenarioError as exc:
        raise exc.retyped(ScenarioFileError, at) from None


def read_doc(path: str | os.PathLike) -> tuple[str, str]:
    """The text of a scenario file and the name errors give it."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise ScenarioFileError("scenario_err_file_unreadable", at=_at_source(str(path)),
                                reason=OsReason.of(exc)) from None


def parse_yaml(text: str | bytes, *, source: str = "scenario"):
    """The document of a scenario YAML text; a syntax error names the line and column.

    Read with :func:`workbench.files.safe_yaml_load`: aliases (a few hundred bytes
    that expand to gigabytes) and oversized files are refused, and no message
    quotes the document.
    """
    try:
        return safe_yaml_load(text, source=str(source)[:200])
    except YamlError as exc:
        if exc.line is not None:  # a syntax error: where, and PyYAML's detail
            raise ScenarioFileError("scenario_err_file_yaml_at", at=_at_source(source), line=exc.line,
                                    column=exc.column, detail=exc.detail) from None
        raise ScenarioFileError("scenario_err_file_yaml", at=_at_source(source), detail=str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # PyYAML's detail stays in English after the Chinese summary: it quotes the offending text
        if mark is not None:
            raise ScenarioFileError("scenario_err_file_yaml_at", at=_at_source(source), line=mark.line + 1,
                                    column=mark.column + 1, detail=str(exc)) from None
        raise ScenarioFileError("scenario_err_file_yaml", at=_at_source(source), detail=str(exc)) from None


def write_yaml(doc: dict, path: str | os.PathLike) -> Path:
    """Write a scenario document as YAML, atomically (a failed write leaves the old file)."""
    path = Path(path)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
