"""Kernels bounded: one per signed-in page, limits per user and in total, owners, memory.

:class:`WorkbenchKernelManager` is the server's kernel manager (a jupyter_server
``MappingKernelManager``; Voilà adds its pool of pre-run kernels on top):

- a kernel starts only for a dashboard request of a signed-in user
  (:data:`PAGE_REQUEST` says whose), or for the pool of pre-run kernels;
- every page kernel has an owner; only the owner's websocket may connect to it
  (:class:`~workbench.serve.auth.WorkbenchAuthorizer` asks :meth:`owner`);
- the server tells a kernel who its user is by writing
  ``<state>/run/identity/<kernel id>.json`` (folder mode 0700) before the page
  can reach the kernel; a pre-run kernel learns it when it is handed to a page
  (:meth:`claim`). The kernel reads it (see :mod:`workbench.views.environment`);
  nothing the page sends can change it;
- :meth:`admit` refuses a new page beyond ``max_kernels`` page kernels in total
  or ``max_kernels_per_user`` per user;
- a page kernel whose page never opens its websocket within ``connect_timeout``
  seconds of the page being sent is shut down (a page requested by an ``<img>``
  tag, a closed tab, a crawler), and so are the kernels of a user who signed
  out or was removed from the users file;
- the memory of every kernel (resident and proportional set size) is measured
  every ``memory_interval`` seconds and logged, with the total;
- the pool of pre-run kernels is refilled one kernel at a time, only when no
  page is on its way or settling (sent, connecting, or connected less than
  ``page_settle`` seconds ago), unless a page is waiting for the refill itself;
  its kernels run at a lower priority until they serve a page: refilling must
  not slow down a crowd of viewers opening their pages (:func:`pace_pre_runs`).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.ioloop import PeriodicCallback
from traitlets import Any as AnyTrait
from traitlets import Float, Integer, Unicode

from .auth import Refused

__all__ = ["PageRequest", "PAGE_REQUEST", "KernelLimitReached", "WorkbenchKernelManager", "KernelRecord",
           "kernel_memory", "pace_pre_runs", "MAX_KERNELS", "MAX_KERNELS_PER_USER", "CONNECT_TIMEOUT"]

MAX_KERNELS = 40
MAX_KERNELS_PER_USER = 8
CONNECT_TIMEOUT = 60.0


@dataclass
class PageRequest:
    """A dashboard request being served: whose it is, and the kernel it got."""

    user: object                       # workbench.serve.auth.WorkbenchUser
    notebook: str
    kernel_id: str | None = None


#: The dashboard request being handled (set by the server's dashboard handler).
PAGE_REQUEST: contextvars.ContextVar[PageRequest | None] = contextvars.ContextVar("workbench_page_request",
                                                                                  default=None)


class KernelLimitReached(Refused):
    """A page refused because of a kernel limit; ``key`` names the catalogue message."""

    def __init__(self, status: int, key: str, *, n: int, limit: int):
        super().__init__(status, key, n=n, limit=limit)
        self.n, self.limit = n, limit


@dataclass
class KernelRecord:
    """What the server knows of one kernel."""

    kernel_id: str
    owner: str | None                  # None: in the pool, not handed to a page yet
    notebook: str = ""
    role: str = ""
    generation: int = 0
    started: float = field(default_factory=time.monotonic)
    served: float | None = None        # when its page was sent
    connected: bool = False
    connected_at: float | None = None  # when its page first connected
    rss_mb: float = 0.0
    pss_mb: float = 0.0


def kernel_memory(pid: int) -> tuple[float, float]:
    """Resident and proportional set size of a process, in MB (0, 0 when it is gone).

    The proportional size shares libraries among the processes that map them:
    summed over kernels it is what they really use together.

    >>> rss, pss = kernel_memory(os.getpid())
    >>> rss > 10 and 0 < pss <= rss * 1.01
    True
    """
    try:
        info = psutil.Process(pid).memory_full_info()
    except (psutil.Error, OSError):
        return 0.0, 0.0
    return info.rss / 2**20, getattr(info, "pss", info.rss) / 2**20


class WorkbenchKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager with owners, identity files, limits, a connect deadline and memory figures."""

    max_kernels = Integer(MAX_KERNELS, config=True, help="page kernels in total (the pool comes on top)")
    max_kernels_per_user = Integer(MAX_KERNELS_PER_USER, config=True, help="page kernels per user (0: no limit)")
    connect_timeout = Float(CONNECT_TIMEOUT, config=True,
                            help="seconds a page has to connect to its kernel once sent")
    memory_interval = Float(60.0, config=True, help="seconds between memory reports (0: never)")
    identity_dir = Unicode(config=True, help="where the server writes each kernel's identity")
    check_interval = Float(5.0, config=True)
    page_settle = Float(5.0, config=True,
                        help="seconds after a page connects during which it still counts as opening "
                             "(its widgets are fetched and drawn): no pool refill starts then")
    pre_runs_at_once = Integer(1, config=True, help="pool kernels starting and running their notebook at once")
    user_lookup = AnyTrait(help="function user name -> current user, or None when removed")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.records: dict[str, KernelRecord] = {}
        self._pending: dict[str, int] = {}
        self._checker: PeriodicCallback | None = None
        self._last_memory = 0.0
        self._ready: dict[str, int] = {}
        self.pages_waiting_for_pool = 0
        self._pre_run_slots: asyncio.Semaphore | None = None
        if self.identity_dir:
            Path(self.identity_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.identity_dir, 0o700)

    # ------------------------------------------------------------ who owns what
    def owner(self, kernel_id: str) -> str | None:
        record = self.records.get(kernel_id)
        return record.owner if record is not None else None

    def page_kernels(self, user: str | None = None) -> list[KernelRecord]:
        return [r for r in self.records.values() if r.owner is not None and (user is None or r.owner == user)]

    def admit(self, request: PageRequest) -> None:
        """Refuse (raise :class:`KernelLimitReached`) a page beyond the limits; else count it as coming."""
        name = request.user.username
        total = len(self.page_kernels()) + sum(self._pending.values())
        mine = len(self.page_kernels(name)) + self._pending.get(name, 0)
        if self.max_kernels and total >= self.max_kernels:
            self.log.warning("refused a page to %s: %d page kernels (limit %d)", name, total, self.max_kernels)
            raise KernelLimitReached(503, "refused_kernels_total", n=total, limit=self.max_kernels)
        if self.max_kernels_per_user and mine >= self.max_kernels_per_user:
            self.log.warning("refused a page to %s: %d of their kernels (limit %d)", name, mine,
                             self.max_kernels_per_user)
            raise KernelLimitReached(429, "refused_kernels_user", n=mine, limit=self.max_kernels_per_user)
        self._pending[name] = self._pending.get(name, 0) + 1

    def release(self, request: PageRequest) -> None:
        """The request is over (its kernel, if any, is counted by its record from now on)."""
        name = request.user.username
        self._pending[name] = max(0, self._pending.get(name, 0) - 1)
        if not self._pending[name]:
            del self._pending[name]
        record = self.records.get(request.kernel_id or "")
        if record is not None and record.served is None:
            record.served = time.monotonic()

    # --------------------------------------------------------------- starting
    def pages_in_flight(self) -> int:
        """Pages being sent, sent and not yet connected to their kernel, or connected less than
        ``page_settle`` seconds ago (the browser is still fetching and drawing their widgets)."""
        now = time.monotonic()
        return sum(self._pending.values()) + sum(
            1 for r in self.records.values()
            if r.owner is not None and (not r.connected or (r.connected_at is not None
                                                            and now - r.connected_at < self.page_settle)))

    async def _until_quiet(self, limit: float = 300.0) -> None:
        """Wait (up to ``limit`` seconds) until no page is on its way, or a page waits for the pool:
        a pre-run kernel refilling the pool must not take the processor from a crowd of viewers
        opening their pages, but the viewer beyond the pool's size needs it at once."""
        deadline = time.monotonic() + limit
        while self.pages_in_flight() and not self.pages_waiting_for_pool and time.monotonic() < deadline:
            await asyncio.sleep(0.5)

    async def pre_run(self, initialize, notebook_path: str, **kwargs) -> dict:
        """Voilà's start of a pool kernel (``initialize``: start it, run the notebook in the
        background), paced: after :meth:`_until_quiet`, and ``pre_runs_at_once`` at a time (the slot
        is held until the notebook has run, or its kernel was handed to a page)."""
        if self._pre_run_slots is None:
            self._pre_run_slots = asyncio.Semaphore(max(1, self.pre_runs_at_once))
        await self._until_quiet()
        await self._pre_run_slots.acquire()
        try:
            content = await initialize(notebook_path, None, **kwargs)
        except BaseException:
            self._pre_run_slots.release()
            raise
        content["task"].add_done_callback(lambda _task: self._pre_run_slots.release())
        return content

    async def start_kernel(self, **kwargs):
        env = kwargs.get("env") or {}
        pooled = str(env.get("VOILA_PREHEAT")) == "True"
        request = None if pooled else PAGE_REQUEST.get()
        if not pooled and (request is None or kwargs.get("kernel_id")):
            # nothing but a dashboard request of a signed-in user, or the pool, starts a kernel
            raise web.HTTPError(403, "kernels start only for dashboard pages")
        kernel_id = await super().start_kernel(**kwargs)
        self.records[kernel_id] = KernelRecord(kernel_id, owner=None, notebook=str(kwargs.get("path") or ""))
        if request is not None:
            self.claim(kernel_id, request)
        self._start_checker()
        return kernel_id

    def claim(self, kernel_id: str, request: PageRequest) -> None:
        """Give a kernel (new, or from the pool) to the page of ``request.user``; tell the kernel who that is."""
        record = self.records.setdefault(kernel_id, KernelRecord(kernel_id, owner=None))
        if record.owner is not None and record.owner != request.user.username:
            raise web.HTTPError(500, "a kernel was handed to two users")
        user = request.user
        record.owner, record.role, record.notebook = user.username, user.role, request.notebook
        record.generation = getattr(user, "generation", 0)
        record.served = None
        request.kernel_id = kernel_id
        self._write_identity(kernel_id, user)
        self.log.info("kernel %s: %s for %s (%s)", kernel_id, request.notebook, user.username, user.role)

    def _write_identity(self, kernel_id: str, user) -> None:
        if not self.identity_dir:
            return
        folder = Path(self.identity_dir)
        body = json.dumps({"user": user.username, "role": user.role, "townships": list(user.townships),
                           "granted": dt.datetime.now().isoformat(timespec="seconds")}, ensure_ascii=False)
        tmp = folder / f".{kernel_id}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
        os.replace(tmp, folder / f"{kernel_id}.json")

    # ------------------------------------------------------- connections, ends
    def notify_connect(self, kernel_id):
        super().notify_connect(kernel_id)
        record = self.records.get(kernel_id)
        if record is not None and not record.connected:
            record.connected, record.connected_at = True, time.monotonic()

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self._forget(kernel_id)  # first: while it shuts down (seconds), nobody may connect to it
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)

    def _forget(self, kernel_id: str) -> None:
        self.records.pop(kernel_id, None)
        if self.identity_dir:
            (Path(self.identity_dir) / f"{kernel_id}.json").unlink(missing_ok=True)

    async def shutdown_user(self, name: str, *, reason: str) -> int:
        """Shut down every page kernel of a user (signed out, removed); returns how many."""
        mine = [r.kernel_id for r in self.page_kernels(name)]
        for kernel_id in mine:
            self.log.info("kernel %s of %s shut down: %s", kernel_id, name, reason)
            await self._shutdown_quietly(kernel_id)
        return len(mine)

    async def _shutdown_quietly(self, kernel_id: str) -> None:
        try:
            await self.shutdown_kernel(kernel_id)
        except (KeyError, RuntimeError, web.HTTPError):
            self._forget(kernel_id)

    # ------------------------------------------------------------- the checks
    def _start_checker(self) -> None:
        if self._checker is None and self.check_interval > 0:
            self._checker = PeriodicCallback(self.check, 1000 * self.check_interval)
            self._checker.start()

    async def check(self) -> None:
        """Shut down kernels whose page never connected, and kernels of removed or changed users;
        log memory every ``memory_interval`` seconds."""
        now = time.monotonic()
        for record in list(self.records.values()):
            if record.owner is None:
                continue
            if record.kernel_id not in self:
                self._forget(record.kernel_id)
                continue
            # a removed user is the weightier reason, so it is checked (and logged) first
            if self.user_lookup is not None:
                current = self.user_lookup(record.owner)
                if current is None or getattr(current, "generation", 0) != record.generation \
                        or current.role != record.role:
                    self.log.warning("kernel %s: user %s was removed or changed; shut down",
                                     record.kernel_id, record.owner)
                    await self._shutdown_quietly(record.kernel_id)
                    continue
            since = record.served
            if not record.connected and since is not None and now - since > self.connect_timeout:
                self.log.warning("kernel %s of %s: its page never connected within %.0f s; shut down",
                                 record.kernel_id, record.owner, self.connect_timeout)
                await self._shutdown_quietly(record.kernel_id)
        self._report_pools()
        if self.memory_interval and now - self._last_memory >= self.memory_interval:
            self._last_memory = now
            await asyncio.get_running_loop().run_in_executor(None, self.measure_memory)

    def pool_readiness(self) -> dict[str, tuple[int, int]]:
        """Pre-run kernels per dashboard: (how many have run their notebook, how many there are)."""
        out = {}
        for notebook, pool in (getattr(self, "_pools", None) or {}).items():
            ready = 0
            for item in pool:
                if item.done() and not item.cancelled() and item.exception() is None:
                    ready += item.result()["task"].done()
            out[notebook] = (ready, len(pool))
        return out

    def _report_pools(self) -> None:
        for notebook, (ready, size) in self.pool_readiness().items():
            if size and self._ready.get(notebook) != ready:
                self._ready[notebook] = ready
                self.log.info("pre-run kernels of %s: %d of %d ready", notebook, ready, size)

    def measure_memory(self) -> dict[str, tuple[float, float]]:
        """Measure every kernel's memory (MB, resident and proportional); log each and the total."""
        figures = {}
        for kernel_id in list(self.list_kernel_ids()):
            try:
                pid = self.get_kernel(kernel_id).provisioner.pid
            except (KeyError, AttributeError):
                continue
            if pid is None:
                continue
            rss, pss = kernel_memory(pid)
            figures[kernel_id] = (rss, pss)
            record = self.records.get(kernel_id)
            if record is not None:
                record.rss_mb, record.pss_mb = rss, pss
        if figures:
            total_pss = sum(p for _, p in figures.values())
            pooled = sum(1 for k in figures if self.owner(k) is None)
            self.log.info("kernel memory: %d kernels (%d in the pool), %.0f MB together (proportional), "
                          "%.0f MB mean resident, %.0f MB largest", len(figures), pooled, total_pss,
                          sum(r for r, _ in figures.values()) / len(figures), max(r for r, _ in figures.values()))
            for kernel_id, (rss, pss) in figures.items():
                record = self.records.get(kernel_id)
                self.log.debug("kernel %s (%s, %s): %.0f MB resident, %.0f MB proportional", kernel_id,
                               record.owner if record else "?", record.notebook if record else "?", rss, pss)
        return figures


def pace_pre_runs(km: WorkbenchKernelManager) -> None:
    """Route Voilà's pool refills (``km._initialize`` without a kernel) through
    :meth:`WorkbenchKernelManager.pre_run`, and count the pages waiting for a pool
    kernel that is not there yet (``km.get_rendered_notebook``), so the refill
    they wait for is not held back."""
    initialize, hand_out = km._initialize, km.get_rendered_notebook

    async def paced_initialize(notebook_path, kernel_id=None, **kwargs):
        if kernel_id is not None:  # a restart: no pool refill
            return await initialize(notebook_path, kernel_id, **kwargs)
        return await km.pre_run(initialize, notebook_path, **kwargs)

    async def get_rendered_notebook(*args, **kwargs):
        notebook_name = kwargs.get("notebook_name", args[0] if args else None)
        pool = km._pools.get(notebook_name) or []
        waits = bool(pool) and not pool[0].done()
        km.pages_waiting_for_pool += waits
        try:
            return await hand_out(*args, **kwargs)
        finally:
            km.pages_waiting_for_pool -= waits

    km._initialize = paced_initialize
    km.get_rendered_notebook = get_rendered_notebook
