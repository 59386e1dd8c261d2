"""A data set cut down to some townships: what a township's staff may see.

:func:`scope_to_townships` keeps the branches of the given townships and every
record that belongs to them, following the references the schema declares
(members of those branches, their trainings, the branches' meetings,
inspections, problems and outcomes). Nothing of another township remains, so
anything computed from the result (indicators, scores, ranks, exports) is
about those townships alone: ranks and grades are then among the township's
own branches.

>>> import workbench as wb
>>> county = wb.load("sample_data")
>>> town = sorted(county.branches["township"].unique())[0]
>>> mine = scope_to_townships(county, [town])
>>> set(mine.branches["township"]) == {town}, set(mine.members["branch_id"]) <= set(mine.branches["branch_id"])
(True, True)
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from .core import BranchData
from .schema import TABLE_ORDER, TABLES

__all__ = ["scope_to_townships", "townships_of"]


def townships_of(data: BranchData) -> list[str]:
    """The townships of a data set, sorted.

    >>> import workbench as wb
    >>> len(townships_of(wb.load("sample_data")))
    12
    """
    return sorted(str(t) for t in data.branches["township"].dropna().unique())


def scope_to_townships(data: BranchData, townships: Iterable[str]) -> BranchData:
    """The part of ``data`` that belongs to ``townships`` (names as in the branches table).

    Parameters
    ----------
    data : BranchData
        A validated data set.
    townships : iterable of str
        Township names; surrounding spaces are ignored. A name that is not in
        the data keeps nothing (the result may have no branches at all).

    Returns
    -------
    BranchData
        A new data set (``data`` is unchanged) whose every table holds only rows
        reachable from the kept branches; ``source`` says which townships.

    Examples
    --------
    >>> import workbench as wb
    >>> county = wb.load("sample_data")
    >>> len(scope_to_townships(county, ["no such township"]).branches)
    0
    """
    wanted = {str(t).strip() for t in townships}
    kept: dict[str, pd.DataFrame] = {}
    keys: dict[tuple[str, str], np.ndarray] = {}
    for name in TABLE_ORDER:
        frame = getattr(data, name)
        schema = TABLES[name]
        if name == "branches":
            mask = frame["township"].astype("string").str.strip().isin(wanted).fillna(False).to_numpy(bool)
        else:
            mask = np.ones(len(frame), dtype=bool)
            for ref in schema.references:
                allowed = keys.get((ref.table, ref.target))
                if allowed is None:  # a reference to a table not cut here (none today): keep it as it is
                    continue
                mask &= frame[ref.column].astype("string").isin(allowed).fillna(False).to_numpy(bool)
        table = frame.loc[mask].reset_index(drop=True)
        kept[name] = table
        for column in _key_columns(schema):
            if column in table.columns:
                keys[(name, column)] = table[column].astype("string").dropna().unique()
    label = ", ".join(sorted(wanted))
    return data.replace(**kept, source=f"{data.source} [{label}]" if data.source else label)


def _key_columns(schema) -> tuple[str, ...]:
    key = schema.key
    columns = (key,) if isinstance(key, str) else tuple(key)
    referenced = {ref.target for table in TABLES.values() for ref in table.references if ref.table == schema.name}
    return tuple(dict.fromkeys((*columns, *referenced)))
