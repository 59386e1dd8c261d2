"""Running the national graphs: on a ``dask.distributed`` cluster when one is active, else Dask's local scheduler.

Shared by :mod:`~workbench.scale.engine` (scoring) and
:mod:`~workbench.scale.robustness` (Monte Carlo): persist collections where the
tasks run, fetch values, reduce in a tree, write a Dask DataFrame atomically.
"""

from __future__ import annotations

import shutil
from contextlib import nullcontext
from pathlib import Path

import dask
import pandas as pd
from dask import delayed

from ..files import atomic_path, swap_into_place, temporary_name

__all__ = ["active_client", "persist", "compute", "tree_reduce", "write_frame"]

FAN_IN = 8  # summaries merged per task in the reduction tree


def tree_reduce(func, items: list, fan_in: int = FAN_IN):
    """Reduce ``items`` (delayed) with ``func(*some)`` in a tree of fan-in ``fan_in``."""
    while len(items) > 1:
        items = [delayed(func, pure=True)(*items[i:i + fan_in]) for i in range(0, len(items), fan_in)]
    return items[0]


def write_frame(frame, path, *, client=None) -> Path:
    """Write a Dask DataFrame as ``path/part.00000.parquet`` ..., replacing ``path`` when all are written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(temporary_name(path.name))
    staging.mkdir()
    try:
        writes = [delayed(_write_part, pure=False)(part, str(staging), i)
                  for i, part in enumerate(frame.to_delayed())]
        compute(client, *writes)
        swap_into_place(staging, path)  # one rename: a reader sees the old results or the new
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return path


def _write_part(frame: pd.DataFrame, folder: str, part: int) -> int:
    with atomic_path(Path(folder) / f"part.{part:05d}.parquet") as tmp:
        frame.to_parquet(tmp, index=False)
    return len(frame)


def active_client(client):
    if client is not None:
        return client
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


def persist(client, collections: list, *, progress: bool) -> list:
    """Persist ``collections`` on the client's cluster, or compute them with the local scheduler."""
    if client is not None:
        from distributed import progress as show, wait

        persisted = client.persist(collections)
        if progress:
            show(persisted)
            print()
        wait(persisted)
        return persisted
    from dask.diagnostics import ProgressBar

    with ProgressBar() if progress else nullcontext():
        return list(dask.persist(*collections))


def compute(client, *collections) -> list:
    """Values of (persisted) collections, from the cluster when there is one."""
    if client is not None:
        return client.compute(list(collections), sync=True)
    return list(dask.compute(*collections))
