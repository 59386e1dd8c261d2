"""Small helpers shared by the benchmark scripts: timing, peak memory, a 30-indicator framework."""

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


def framework_30():
    """6 dimensions x 5 indicators, goalposts 0-100, a veto and a strong <= 30 % quota (like the default)."""
    import workbench as wb

    dims = []
    for d in range(6):
        inds = [{"id": f"i{d}_{k}", "zh": f"指标{d}{k}", "en": f"Indicator {d}.{k}", "weight": 1 + k,
                 "normalization": {"method": "goalposts", "low": 0, "high": 100}} for k in range(5)]
        dims.append({"id": f"d{d}", "zh": f"维度{d}", "en": f"Dimension {d}", "weight": 1 + d % 3,
                     "indicators": inds})
    return wb.Framework.model_validate({
        "name": "bench30", "dimensions": dims,
        "flags": [{"id": "flag", "zh": "否决", "en": "flag"}],
        "grades": [{"id": "strong", "zh": "三强", "en": "Strong", "min": 90},
                   {"id": "standardized", "zh": "规范", "en": "Standardized", "min": 75},
                   {"id": "basic", "zh": "基本", "en": "Basic", "min": 60},
                   {"id": "weak", "zh": "软弱涣散", "en": "Weak", "min": 0}],
        "vetoes": [{"id": "v", "zh": "否决", "en": "veto", "column": "flag", "op": ">=", "value": 1, "cap": "weak"}],
        "quota": {"grade": "strong", "max_share": 0.3},
    })
