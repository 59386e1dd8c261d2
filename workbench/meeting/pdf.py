"""HTML pages to PDF files with Debian's Chromium: one browser, one context, a few pages at once.

:func:`print_pdfs` prints many HTML documents (the reports of a county, the
deck's pages) in one headless Chromium through Playwright. The pages run no
script and reach no network (every request but ``data:`` is aborted): the
documents are self-contained, with their images inline and local fonts only.
Each PDF is written beside its target and moved into place when complete
(:func:`workbench.files.atomic_path`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..files import atomic_path

__all__ = ["PdfJob", "print_pdfs", "chromium_path", "DEFAULT_CONCURRENCY"]

#: Pages printed at once: the two cores here are busy with two or three; more only queue.
DEFAULT_CONCURRENCY = 3
#: Chromium in containers: /dev/shm is small.
_ARGS = ["--disable-dev-shm-usage", "--disable-gpu"]


@dataclass(frozen=True)
class PdfJob:
    """One document to print: its HTML, where the PDF goes, and the page (a CSS size or A4)."""

    html: str
    path: Path
    landscape: bool = False
    width: str | None = None     # e.g. "13.333in" (then ``height`` too): the deck's 16:9 pages
    height: str | None = None


def chromium_path() -> str | None:
    """Debian's Chromium (or ``BROWSER_PATH``), None when there is none."""
    for candidate in (os.environ.get("BROWSER_PATH"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def print_pdfs(jobs: Sequence[PdfJob], *, concurrency: int = DEFAULT_CONCURRENCY) -> list[Path]:
    """Print every job to its PDF in one browser, ``concurrency`` pages at a time; returns the paths.

    Works from a script and from inside a running event loop (a notebook
    kernel): then it runs in a thread of its own. Raises
    :class:`~workbench.meeting.facts.MeetingError` when no Chromium is installed.
    """
    jobs = list(jobs)
    if not jobs:
        return []
    if concurrency < 1:
        raise ValueError(f"concurrency: expected at least 1 page, got {concurrency}")
    executable = chromium_path()
    if executable is None:
        from .facts import MeetingError

        raise MeetingError("meeting_no_browser", reason="/usr/bin/chromium")
    work = _print_all(jobs, executable, concurrency)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a kernel's loop is running: print beside it
        return pool.submit(asyncio.run, work).result()


async def _print_all(jobs: list[PdfJob], executable: str, concurrency: int) -> list[Path]:
    from playwright.async_api import async_playwright

    queue: asyncio.Queue[PdfJob] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=_ARGS)
        try:
            context = await browser.new_context(java_script_enabled=False)
            # the documents are self-contained: nothing may be fetched (a hostile name cannot call home)
            await context.route(lambda url: not url.startswith("data:"), lambda route: route.abort())
            workers = [asyncio.create_task(_worker(context, queue)) for _ in range(min(concurrency, len(jobs)))]
            await asyncio.gather(*workers)
        finally:
            await browser.close()
    return [job.path for job in jobs]


async def _worker(context, queue: asyncio.Queue) -> None:
    page = await context.new_page()
    try:
        while True:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await page.set_content(job.html, wait_until="load")
            options = {"print_background": True, "prefer_css_page_size": True}
            if job.width and job.height:
                options.update(width=job.width, height=job.height)
            else:
                options.update(format="A4", landscape=job.landscape)
            with atomic_path(job.path) as tmp:
                await page.pdf(path=str(tmp), **options)
    finally:
        await page.close()
