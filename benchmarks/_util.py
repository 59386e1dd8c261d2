"""Small helpers shared by the benchmark scripts: timing and peak memory."""

from __future__ import annotations

import gc
import resource
import statistics
import time
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "output"


def timeit(func, *, repeat: int = 5, warmup: int = 1) -> dict:
    """Run ``func`` ``warmup + repeat`` times; return median / min / max seconds of the timed runs."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": repeat}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms" if seconds < 1 else f"{seconds:8.2f} s "


def table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns), "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)
