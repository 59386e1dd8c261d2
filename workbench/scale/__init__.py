"""National scale: the same indicators and scoring on Dask, over a partitioned Parquet dataset.

A province (~10^5 branches) fits in one kernel; the whole country (~4.5 million
branches, ~10^8 members) does not. This package runs the pandas engine's own
functions (``compute_indicators``, ``Scheme.prepare`` / ``aggregate``, and the
ranking and grading kernel of :mod:`workbench.assess.kernel`) partition by
partition on Dask and gives the same numbers:

- :mod:`~workbench.scale.dataset`: the on-disk layout (one Parquet file per
  table and partition, a partition = a group of whole townships), writing it
  from memory (:func:`write_partitioned`) or generating a country part by part
  (:func:`write_synthetic`), reading one partition (:func:`load_partition`).
- :mod:`~workbench.scale.stats`: national statistics for minmax / zscore /
  rank normalizations in one reduction.
- :mod:`~workbench.scale.engine`: :func:`score_dataset` -> :class:`ScaleResult`.
- :mod:`~workbench.scale.cluster`: where the graphs run (a ``dask.distributed``
  client or Dask's local scheduler), tree reductions, atomic writes of results.
- :mod:`~workbench.scale.robustness`: :func:`robustness_dataset`, the Monte
  Carlo of ``wb.monte_carlo`` by tasks of draws that rank and grade the whole
  country: the national ranks are exact, the summary is ``wb.monte_carlo``'s.
- ``workbench score PATH --engine dask`` and ``workbench robustness PATH
  --engine dask`` (:mod:`workbench.cli.scale`).

>>> import tempfile, workbench as wb
>>> folder = write_partitioned(wb.load("sample_data"), tempfile.mkdtemp(), partitions=2)
>>> result = score_dataset(folder, period=2025)
>>> result.frame.npartitions, list(result.frame.columns[:4])
(2, ['branch_id', 'total', 'rank', 'grade'])
"""

from .dataset import (DatasetInfo, iter_partitions, load_partition, read_manifest, township_groups,
                      write_partitioned, write_synthetic)
from .cluster import write_frame
from .engine import ScaleResult, score_dataset
from .robustness import NationalRobustness, robustness_dataset

__all__ = [
    "DatasetInfo",
    "NationalRobustness",
    "ScaleResult",
    "iter_partitions",
    "load_partition",
    "read_manifest",
    "robustness_dataset",
    "score_dataset",
    "township_groups",
    "write_frame",
    "write_partitioned",
    "write_synthetic",
]
