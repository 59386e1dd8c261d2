"""The pool of pre-run kernels refills one kernel at a time, not while pages open, but at once
for a page waiting for it (workbench.serve.kernels.pace_pre_runs), without starting kernels."""

from __future__ import annotations

import asyncio
import time

from tests.serve.access import run_async
from workbench.serve.kernels import KernelRecord, WorkbenchKernelManager, pace_pre_runs


class FakePool:
    """The two methods of Voilà's pooled kernel manager that the pacing wraps, recording what ran."""

    def __init__(self, km: WorkbenchKernelManager, run_seconds: float):
        self.km, self.run_seconds = km, run_seconds
        self.started: list[tuple[str, float]] = []
        self.finished: list[tuple[str, float]] = []
        km._pools = {}
        km._initialize = self.initialize
        km.get_rendered_notebook = self.get_rendered_notebook

    async def initialize(self, notebook_path, kernel_id=None, **kwargs):
        name = f"k{len(self.started)}"
        self.started.append((name, time.monotonic()))

        async def run_notebook():
            await asyncio.sleep(self.run_seconds)
            self.finished.append((name, time.monotonic()))

        return {"task": asyncio.get_running_loop().create_task(run_notebook()), "kernel_id": name}

    async def get_rendered_notebook(self, notebook_name, extra_kernel_env_variables=None):
        content = await self.km._pools[notebook_name].pop(0)
        return content["task"], [], content["kernel_id"]

    def refill(self, notebook: str, n: int) -> None:
        pool = self.km._pools.setdefault(notebook, [])
        pool.extend(asyncio.ensure_future(self.km._initialize(notebook)) for _ in range(n))


def manager(**config) -> WorkbenchKernelManager:
    return WorkbenchKernelManager(check_interval=0, memory_interval=0, **config)


def test_refills_run_one_after_another():
    async def scenario():
        km = manager(page_settle=0)
        fake = FakePool(km, run_seconds=0.2)
        pace_pre_runs(km)
        fake.refill("a.ipynb", 3)
        await asyncio.gather(*km._pools["a.ipynb"])
        await asyncio.sleep(0.5)
        return fake

    fake = run_async(scenario())
    assert [n for n, _ in fake.started] == ["k0", "k1", "k2"]
    # each kernel starts once the one before has run its notebook, never two at once
    for (_, done), (_, next_start) in zip(fake.finished, fake.started[1:]):
        assert next_start >= done


def test_two_at_once_when_the_operator_says_so():
    async def scenario():
        km = manager(page_settle=0, pre_runs_at_once=2)
        fake = FakePool(km, run_seconds=0.3)
        pace_pre_runs(km)
        fake.refill("a.ipynb", 2)
        await asyncio.gather(*km._pools["a.ipynb"])
        return fake

    fake = run_async(scenario())
    assert len(fake.started) == 2 and not fake.finished  # both started before either finished


def test_no_refill_while_a_page_opens_but_at_once_for_a_page_that_waits_for_it():
    async def scenario():
        km = manager(page_settle=30)
        fake = FakePool(km, run_seconds=0.05)
        pace_pre_runs(km)
        # a page connected a moment ago: its browser is still drawing its widgets
        km.records["page"] = KernelRecord("page", owner="wang", connected=True, connected_at=time.monotonic())
        fake.refill("a.ipynb", 1)
        await asyncio.sleep(1.2)
        held_back = not fake.started
        # the next viewer finds the pool without a ready kernel: the refill goes now
        began = time.monotonic()
        task, _, kernel_id = await km.get_rendered_notebook(notebook_name="a.ipynb")
        waited = time.monotonic() - began
        return held_back, kernel_id, waited, km.pages_waiting_for_pool

    held_back, kernel_id, waited, still_waiting = run_async(scenario())
    assert held_back
    assert kernel_id == "k0" and waited < 2.0 and still_waiting == 0


def test_a_page_settled_or_never_connected_counts_as_it_should():
    km = manager(page_settle=10)
    now = time.monotonic()
    km.records["old"] = KernelRecord("old", owner="li", connected=True, connected_at=now - 60)
    km.records["pool"] = KernelRecord("pool", owner=None)
    assert km.pages_in_flight() == 0
    km.records["sent"] = KernelRecord("sent", owner="li", served=now)
    km.records["new"] = KernelRecord("new", owner="li", connected=True, connected_at=now - 2)
    assert km.pages_in_flight() == 2
