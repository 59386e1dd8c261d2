"""Partitioned Parquet datasets: a country on disk, one group of townships per partition.

On-disk layout (one Parquet dataset directory per table, one file per partition)::

    DIR/
      dataset.json                      manifest, written last: partitions, rows, townships, periods
      branches.parquet/part.00000.parquet
      branches.parquet/part.00001.parquet
      members.parquet/part.00000.parquet
      ...                               meetings, trainings, inspections, problems, outcomes

Partition ``i`` holds whole townships: their branches and every record of those
branches (members, meetings, inspections, problems, outcomes, and the trainings
of those members). Every indicator is a per-branch derivation, so computing it
on one partition gives the same values as on the whole country.

The layout is plain Parquet: ``wb.load(DIR)`` reads (and validates) the whole
dataset into pandas when it fits in memory, ``dask.dataframe.read_parquet(
DIR / "members.parquet")`` reads one table lazily, and :func:`load_partition`
reads the tables of one partition as :class:`~workbench.data.BranchData`.

>>> import tempfile, workbench as wb
>>> folder = write_partitioned(wb.load("sample_data"), tempfile.mkdtemp(), partitions=3)
>>> info = read_manifest(folder)
>>> info.partitions, sum(info.rows("branches")) == len(wb.load("sample_data").branches)
(3, True)
>>> len(wb.load(folder).members) == len(wb.load("sample_data").members)  # the whole dataset
True
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..data.core import BranchData

from ..files import atomic_folder, atomic_path
from ..data.schema import TABLE_ORDER, TABLES
from ..data.synth import SynthConfig, generate
from ..data.validate import empty_table

__all__ = [
    "DatasetInfo",
    "MANIFEST",
    "load_partition",
    "partition_path",
    "read_manifest",
    "township_groups",
    "write_partitioned",
    "write_synthetic",
]

#: Name of the manifest file at the top of a partitioned dataset.
MANIFEST = "dataset.json"
FORMAT = "workbench.partitioned"

# Rows per branch of the generated tables (generous): the digits of national ids.
_ROWS_PER_BRANCH = {"branches": 1, "members": 25, "meetings": 75, "trainings": 200,
                    "inspections": 11, "problems": 6}


def partition_path(folder: str | os.PathLike, table: str, part: int) -> Path:
    """``DIR/<table>.parquet/part.<part:05d>.parquet``."""
    return Path(folder) / f"{table}.parquet" / f"part.{part:05d}.parquet"


# ----------------------------------------------------------------- manifest

@dataclass(frozen=True)
class DatasetInfo:
    """What the manifest of a partitioned dataset says.

    ``parts`` has one entry per partition: ``{"rows": {table: n}, "townships": [...]}``.
    """

    folder: Path
    partitions: int
    periods: tuple[int, ...]
    parts: tuple[dict, ...]
    source: str = ""
    created: str = ""
    tables: tuple[str, ...] = field(default=TABLE_ORDER)

    def rows(self, table: str) -> list[int]:
        """Rows of ``table`` per partition."""
        return [int(p["rows"].get(table, 0)) for p in self.parts]

    @property
    def n_branches(self) -> int:
        return sum(self.rows("branches"))

    def townships(self, part: int) -> list[str]:
        return list(self.parts[part]["townships"])

    def __repr__(self) -> str:
        return (f"DatasetInfo({str(self.folder)!r}, partitions={self.partitions}, "
                f"branches={self.n_branches}, periods={list(self.periods)})")


def read_manifest(folder: str | os.PathLike) -> DatasetInfo:
    """Read ``DIR/dataset.json``; errors say what is missing and how to make it.

    >>> read_manifest("sample_data")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: sample_data: not a partitioned dataset (no dataset.json)...
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(
            f"{folder}: not a partitioned dataset (no {MANIFEST}); write one with "
            "`workbench sample --parquet DIR --partitions K` or workbench.scale.write_partitioned(data, DIR, "
            "partitions=K)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable manifest: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path}: expected a manifest with format {FORMAT!r}, "
                         f"got {doc.get('format') if isinstance(doc, dict) else type(doc).__name__!r}")
    parts = tuple(doc["parts"])
    if len(parts) != int(doc["partitions"]):
        raise ValueError(f"{path}: lists {len(parts)} parts but says partitions={doc['partitions']}")
    return DatasetInfo(folder=folder, partitions=len(parts), periods=tuple(doc.get("periods", ())),
                       parts=parts, source=doc.get("source", ""), created=doc.get("created", ""),
                       tables=tuple(doc.get("tables", TABLE_ORDER)))


def _write_manifest(folder: Path, parts: list[dict], *, source: str) -> Path:
    periods = sorted({y for p in parts for y in p.get("periods", [])})
    doc = {
        "format": FORMAT, "version": 1, "partitions": len(parts),
        "tables": [t for t in TABLE_ORDER if any(p["rows"].get(t) for p in parts) or TABLES[t].required],
        "periods": periods, "source": source,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "layout": "<table>.parquet/part.<partition:05d>.parquet; each partition holds whole townships",
        "parts": parts,
    }
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder / MANIFEST


def _ours(name: str) -> bool:
    """What a new dataset replaces in its folder: the manifest and the tables' partition folders."""
    return name == MANIFEST or name in {f"{t}.parquet" for t in TABLE_ORDER}


def _write_part(folder: Path, part: int, data: BranchData) -> dict:
    rows = {}
    for name, frame in data.tables().items():
        if name == "outcomes" and frame.empty:
            continue
        path = partition_path(folder, name, part)
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
        rows[name] = len(frame)
    return {"rows": rows, "townships": sorted(data.branches["township"].unique().tolist()),
            "periods": data.periods}


# ------------------------------------------------------------------ writing

def township_groups(branches: pd.DataFrame, partitions: int) -> pd.Series:
    """Assign each township to one of ``partitions`` groups of about equal numbers of branches.

    Townships are taken in sorted order and cut into contiguous runs by the
    cumulative count of their branches, so a group is a set of neighbouring
    townships. Returns the group per township (index: township).

    >>> b = pd.DataFrame({"township": list("aaabbc")})
    >>> township_groups(b, 2).to_dict()
    {'a': 0, 'b': 1, 'c': 1}
    """
    counts = branches["township"].value_counts().sort_index()
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, got {partitions}")
    n_towns = len(counts)
    if partitions > n_towns:
        raise ValueError(f"partitions={partitions} but the data has only {n_towns} townships; "
                         "a partition holds whole townships, so ask for at most that many")
    cum = counts.cumsum().to_numpy()
    # first township of groups 1 .. K-1: where the cumulative count reaches k / K of all branches,
    # moved so that every group keeps at least one township
    cuts = np.searchsorted(cum, np.arange(1, partitions) * cum[-1] / partitions, side="left") + 1
    for k in range(partitions - 1):
        lowest = cuts[k - 1] + 1 if k else 1
        cuts[k] = min(max(cuts[k], lowest), n_towns - (partitions - 1 - k))
    group = np.searchsorted(cuts, np.arange(n_towns), side="right")
    return pd.Series(group, index=counts.index, name="group")


def _row_groups(data: BranchData, towns: pd.Series) -> dict[str, np.ndarray]:
    """Group of every row of every table (through the references to branches / members)."""
    groups = {"branches": towns.reindex(data.branches["township"]).to_numpy()}
    for name in TABLE_ORDER:
        if name == "branches":
            continue
        refs = sorted(TABLES[name].references, key=lambda r: r.table != "branches")
        ref = next(r for r in refs if r.table in groups)
        frame, parent = getattr(data, name), getattr(data, ref.table)
        pos = pc.index_in(pa.array(frame[ref.column], type=pa.large_string()),
                          value_set=pa.array(parent[ref.target], type=pa.large_string()))
        pos = pos.fill_null(-1).to_numpy(zero_copy_only=False)
        if (pos < 0).any():
            raise ValueError(f"{name}.{ref.column}: {int((pos < 0).sum())} row(s) refer to no row of "
                             f"{ref.table}; validate the data (wb.load) before partitioning it")
        groups[name] = groups[ref.table][pos]
    return groups


def write_partitioned(data: BranchData, folder: str | os.PathLike, *, partitions: int) -> Path:
    """Write ``data`` as a partitioned dataset of ``partitions`` township groups.

    For data already in memory (a province, a county). To make a country that
    does not fit in memory, generate it part by part with :func:`write_synthetic`.
    Rows keep their order within each partition. A previous dataset in
    ``folder`` is replaced whole: the new one is written beside it, its manifest
    last, and swapped in with one rename (:func:`workbench.files.atomic_folder`).
    """
    folder = Path(folder)
    towns = township_groups(data.branches, partitions)
    groups = _row_groups(data, towns)
    order = {name: np.argsort(g, kind="stable") for name, g in groups.items()}
    bounds = {name: np.searchsorted(g[order[name]], np.arange(partitions + 1)) for name, g in groups.items()}
    # the new dataset is written beside the old one and swapped in whole (never a mix of the two)
    with atomic_folder(folder, replaces=_ours) as staging:
        parts = []
        for i in range(partitions):
            tables = {name: getattr(data, name).take(order[name][bounds[name][i]:bounds[name][i + 1]])
                      .reset_index(drop=True) for name in TABLE_ORDER}
            parts.append(_write_part(staging, i, BranchData(**tables, source=data.source)))
        _write_manifest(staging, parts, source=data.source or "BranchData")
    return folder


# Syllables of made-up county names (the generator's village syllables; a county is "<second><first>县")
_COUNTY_FIRST = "东西南北上下大小前后新老高长青红白金石古双三五柳桃杏松竹梅兰李杨柏枫河湖溪泉山岭峰坪塘坝湾桥"
_COUNTY_SECOND = "安平和丰兴宁康乐泰福祥瑞阳明光华源盛荣昌隆庄沟店集营堡寨坡岗关口"


def county_name(part: int) -> str:
    """A made-up county name for generated partition ``part`` (distinct for every part).

    >>> county_name(0), county_name(1) != county_name(0)
    ('安东县', True)
    """
    pairs = [b + a for b in _COUNTY_SECOND for a in _COUNTY_FIRST]
    rounds = part // len(pairs)
    # 7919 is prime, so the names of parts 0 .. len(pairs)-1 are a permutation of the pairs
    return pairs[part * 7919 % len(pairs)] + (str(rounds) if rounds else "") + "县"


def write_synthetic(folder: str | os.PathLike, n_branches: int, *, partitions: int, seed: int = 0,
                    years: tuple[int, ...] = (2024, 2025), today: dt.date | None = None,
                    config: SynthConfig = SynthConfig(),
                    progress: Callable[[int, int, float], None] | None = None) -> Path:
    """Generate a country part by part and write it as a partitioned dataset (streaming).

    Partition ``i`` is a made-up county of about ``n_branches / partitions``
    branches, generated by :func:`workbench.data.synth.generate` with the seed
    ``(seed, i)``, township names prefixed with the county's name and ids that
    continue where partition ``i - 1`` stopped (so they are unique nationally).
    Only one partition is in memory at a time: 10^6 branches (about 2 x 10^7
    members) need well under 2 GB. ``progress(i, partitions, seconds)`` is
    called after each partition.
    """
    if n_branches < partitions or partitions < 1:
        raise ValueError(f"need 1 <= partitions <= n_branches, got partitions={partitions}, "
                         f"n_branches={n_branches}")
    folder = Path(folder)
    today = today or dt.date.today()
    sizes = np.full(partitions, n_branches // partitions)
    sizes[: n_branches % partitions] += 1
    digits = {t: max(5 if t == "branches" else 7, len(str(math.ceil(n_branches * r))))
              for t, r in _ROWS_PER_BRANCH.items()}
    used = dict.fromkeys(_ROWS_PER_BRANCH, 0)
    parts = []
    started = time.perf_counter()
    with atomic_folder(folder, replaces=_ours) as staging:
        for i, n in enumerate(sizes):
            rng = np.random.default_rng(np.random.SeedSequence([seed, i]))
            data = generate(int(n), seed=rng, years=years, today=today, config=config, validate=False,
                            ids={t: (used[t], digits[t]) for t in used}, township_prefix=county_name(i))
            for t in used:
                used[t] += len(getattr(data, t))
            parts.append(_write_part(staging, i, data))
            del data
            if progress:
                progress(i + 1, partitions, time.perf_counter() - started)
        _write_manifest(staging, parts,
                        source=f"synthetic(n={n_branches}, seed={seed}, partitions={partitions})")
    return folder


# ------------------------------------------------------------------ reading

def load_partition(folder: str | os.PathLike, part: int, *, validate: bool = True,
                   today: dt.date | None = None) -> BranchData:
    """The tables of partition ``part`` as BranchData.

    ``validate=True`` (default) runs the loader's checks on the partition
    (types, allowed values, keys, references within the partition); ``False``
    trusts the stored Parquet types (for datasets this package wrote from
    validated or generated data: about five times faster).

    >>> import tempfile, workbench as wb
    >>> folder = write_partitioned(wb.load("sample_data"), tempfile.mkdtemp(), partitions=2)
    >>> bool(load_partition(folder, 1).branches["township"].isin(read_manifest(folder).townships(1)).all())
    True
    """
    folder = Path(folder)
    frames = {}
    for name in TABLE_ORDER:
        path = partition_path(folder, name, part)
        if not path.is_file():
            if TABLES[name].required:
                raise FileNotFoundError(f"{path}: missing; partition {part} of {folder} is incomplete")
            continue
        frames[name] = pq.read_table(path).to_pandas()
    source = f"{folder}[part {part}]"
    if validate:
        return BranchData.from_frames(**frames, today=today, source=source)
    frames.setdefault("outcomes", empty_table("outcomes"))
    return BranchData(**frames, source=source)


def iter_partitions(folder: str | os.PathLike, **kwargs) -> Iterator[BranchData]:
    """Each partition in turn (see :func:`load_partition` for the options)."""
    for i in range(read_manifest(folder).partitions):
        yield load_partition(folder, i, **kwargs)
