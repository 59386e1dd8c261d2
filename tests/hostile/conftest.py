"""Hostile input: each case runs in a child process under a memory and a CPU-time limit.

``run_bounded(code)`` runs ``code`` (Python that sets ``result``) in a fresh
interpreter with the address space capped (RLIMIT_AS) and CPU time capped
(RLIMIT_CPU), and returns what the child reported: its result, its peak
resident memory and the CPU seconds it used. A case that blows the caps dies
(and the test fails) instead of taking the machine down.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: hard caps of the child: address space (Python + Arrow reserve ~600 MB of it) and CPU seconds
ADDRESS_SPACE = 1536 * 2**20
CPU_SECONDS = 30
#: what a refusal may cost (the issue's aim): peak resident memory and CPU time
MAX_RSS_MB = 500
MAX_CPU_S = 5.0

_PRELUDE = """
import json, resource, sys, time
import workbench.data as wbdata
from workbench.data import DataError
result = None
"""

# The child's own peak: VmHWM belongs to its address space. ru_maxrss would not do: Linux keeps it across
# fork and exec, so it reports the pytest process's size at the fork once earlier tests have grown it.
_EPILOGUE = """
usage = resource.getrusage(resource.RUSAGE_SELF)
try:
    with open("/proc/self/status") as _status:
        _peak_kb = next(int(line.split()[1]) for line in _status if line.startswith("VmHWM:"))
except (OSError, StopIteration, ValueError):
    _peak_kb = usage.ru_maxrss
print("@@RESULT@@" + json.dumps({"result": result, "rss_mb": _peak_kb / 1024,
                                "cpu": usage.ru_utime + usage.ru_stime - _cpu0}, default=str))
"""


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run_bounded(code: str, *, timeout: float = 90) -> dict:
    """Run ``code`` under the caps; returns {"result", "rss_mb", "cpu"} (CPU after imports)."""
    body = _PRELUDE + "\n_u = resource.getrusage(resource.RUSAGE_SELF)\n_cpu0 = _u.ru_utime + _u.ru_stime\n" \
        + textwrap.dedent(code) + _EPILOGUE
    # Under an address-space cap, glibc's per-thread arenas and Arrow's allocator reserve so much
    # address space that worker threads fail to start: keep both small, as a deployment would.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}
    proc = subprocess.run([sys.executable, "-c", body], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_limits, cwd=ROOT, env=env)
    marker = [line for line in proc.stdout.splitlines() if line.startswith("@@RESULT@@")]
    assert proc.returncode == 0 and marker, f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    return json.loads(marker[-1][len("@@RESULT@@"):])


LOAD_AND_REPORT = """
if "budget" in KW:
    KW["budget"] = wbdata.ReadBudget(**KW["budget"])
try:
    data = wbdata.load(PATH, **KW)
    result = {"loaded": True, "warnings": data.intake.warnings()["key"].tolist(),
              "notes": data.intake.warnings()["message"].tolist()}
except DataError as err:
    result = {"loaded": False, "keys": err.problems["key"].tolist(), "messages": err.problems["message"].tolist(),
              "text": err.render("en")}
"""


def load_bounded(path, **kw) -> dict:
    """Load ``path`` in a bounded child; the result says loaded or the refusal's keys and messages."""
    code = f"PATH = {str(path)!r}\nKW = {kw!r}\n" + LOAD_AND_REPORT
    report = run_bounded(code)
    assert report["rss_mb"] < MAX_RSS_MB, report
    assert report["cpu"] < MAX_CPU_S, report
    return report["result"]


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")
