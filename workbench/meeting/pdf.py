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
import html
import os
import shutil
import tempfile
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..files import atomic_path

__all__ = ["PDF_FONTS", "PdfJob", "Part", "print_pdfs", "print_split", "chromium_path", "DEFAULT_CONCURRENCY",
           "DEFAULT_BATCH"]

#: Pages printed at once: the two cores here are busy with two or three; more only queue.
DEFAULT_CONCURRENCY = 3
#: Documents printed in one go by :func:`print_split` (then cut apart): a print costs little more for 25.
DEFAULT_BATCH = 25
#: Fonts of the PDFs, local only. WenQuanYi Micro Hei (Debian's fonts-wqy-microhei) is a TrueType font that
#: Chromium embeds as such: pages print about twice as fast, files are a fifth the size and their text copies
#: out as written. Noto Sans CJK (OpenType/CFF) is embedded as Type 3 glyph pictures: slower, larger, and some
#: characters copy out as look-alike radicals (⽀ for 支); it is the fallback.
PDF_FONTS = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
#: Chromium in containers: /dev/shm is small.
_ARGS = ["--disable-dev-shm-usage", "--disable-gpu"]


@dataclass(frozen=True)
class PdfJob:
    """One document to print: its HTML, where the PDF goes, and the page (a CSS size or A4)."""

    html: str
    path: Path
    footer: str = ""             # plain text printed at the foot of every page
    landscape: bool = False
    width: str | None = None     # e.g. "13.333in" (then ``height`` too): the deck's 16:9 pages
    height: str | None = None


@dataclass(frozen=True)
class Part:
    """One A4 document of a batch (:func:`print_split`): the inside of its ``<body>`` and where its PDF goes."""

    body: str
    path: Path


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
    return _run(_print_all(jobs, executable, concurrency))


def print_split(parts: Sequence[Part], *, head: str, footer: str = "", lang: str = "zh",
                batch: int = DEFAULT_BATCH, concurrency: int = DEFAULT_CONCURRENCY) -> list[Path]:
    """Print many A4 documents that share one ``<head>`` (style) and ``footer`` (text on every page), in batches.

    Chromium prints a batch of ``batch`` documents as one (each from a new
    page, each behind a named destination) and the PDF is cut into one file
    per document by those destinations (pypdf); one print of 25 documents
    costs about what two or three single prints do. When the destinations do
    not come out as expected, that batch is printed one document at a time.
    """
    parts = list(parts)
    if not parts:
        return []
    if batch < 1 or concurrency < 1:
        raise ValueError(f"batch and concurrency: expected at least 1, got {batch} and {concurrency}")
    executable = chromium_path()
    if executable is None:
        from .facts import MeetingError

        raise MeetingError("meeting_no_browser", reason="/usr/bin/chromium")
    html_lang = "zh-CN" if lang == "zh" else "en"
    groups = [parts[k:k + batch] for k in range(0, len(parts), batch)]
    _run(_print_batches(groups, head, footer, html_lang, executable, concurrency))
    return [part.path for part in parts]


def _run(work):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a kernel's loop is running: print beside it
        return pool.submit(asyncio.run, work).result()


@asynccontextmanager
async def _browser(executable: str):
    """One headless Chromium and one context: no script, and nothing fetched but ``data:`` addresses."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=_ARGS)
        try:
            context = await browser.new_context(java_script_enabled=False)
            # the documents are self-contained: nothing may be fetched (a hostile name cannot call home)
            await context.route(lambda url: not url.startswith("data:"), lambda route: route.abort())
            yield context
        finally:
            await browser.close()


async def _drain(context, items: list, concurrency: int, handle) -> None:
    """Hand ``items`` to ``concurrency`` pages of ``context``, each calling ``handle(page, item)`` in turn."""
    queue: asyncio.Queue = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker():
        page = await context.new_page()
        try:
            while True:
                try:
                    item = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await handle(page, item)
        finally:
            await page.close()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(items)))))


def _footer_options(footer: str) -> dict:
    """Chromium's own page footer: on every page (a fixed element misses the first), text escaped."""
    if not footer:
        return {}
    template = (f"<div style=\"width:100%; padding:0 14mm; font-size:7.5pt; color:#6b7280; "
                f"font-family:{html.escape(PDF_FONTS)}; font-synthesis:none\">{html.escape(footer)}</div>")
    return {"display_header_footer": True, "header_template": "<span></span>", "footer_template": template}


async def _print_job(page, job: PdfJob) -> None:
    await page.set_content(job.html, wait_until="load")
    options = {"print_background": True, "prefer_css_page_size": True, **_footer_options(job.footer)}
    if job.width and job.height:
        options.update(width=job.width, height=job.height)
    else:
        options.update(format="A4", landscape=job.landscape)
    with atomic_path(job.path) as tmp:
        await page.pdf(path=str(tmp), **options)


async def _print_all(jobs: list[PdfJob], executable: str, concurrency: int) -> list[Path]:
    async with _browser(executable) as context:
        await _drain(context, jobs, concurrency, _print_job)
    return [job.path for job in jobs]


def _document(bodies: Sequence[str], head: str, html_lang: str) -> str:
    # the links make Chromium write a named destination for each document's first page
    links = "".join(f"<a href='#wb-doc-{k}'></a>" for k in range(len(bodies)))
    page_break = " style='break-before: page'"
    sections = "".join(f"<section id='wb-doc-{k}'{page_break if k else ''}>{body}</section>"
                       for k, body in enumerate(bodies))
    return (f"<!DOCTYPE html><html lang='{html_lang}'><head>{head}</head><body>{links}{sections}"
            "</body></html>")


def _split(pdf: Path, parts: Sequence[Part]) -> bool:
    """Cut ``pdf`` into the files of ``parts`` at their named destinations; False when they do not add up."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(str(pdf))
    dests = reader.named_destinations
    try:
        starts = [reader.get_destination_page_number(dests[f"/wb-doc-{k}"]) for k in range(len(parts))]
    except KeyError:
        return False
    ends = starts[1:] + [len(reader.pages)]
    if any(b <= a for a, b in zip(starts, ends)) or starts[0] != 0:
        return False
    for part, first, stop in zip(parts, starts, ends):
        writer = PdfWriter()
        for k in range(first, stop):
            writer.add_page(reader.pages[k])
        with atomic_path(part.path) as tmp, open(tmp, "wb") as handle:
            writer.write(handle)
    return True


async def _print_batches(groups: list[list[Part]], head: str, footer: str, html_lang: str, executable: str,
                         concurrency: int) -> None:
    with tempfile.TemporaryDirectory(prefix="wb-pdf-") as tmp:
        async def handle(page, numbered):
            number, parts = numbered
            await page.set_content(_document([p.body for p in parts], head, html_lang), wait_until="load")
            whole = Path(tmp) / f"batch-{number}.pdf"
            await page.pdf(path=str(whole), format="A4", print_background=True, prefer_css_page_size=True,
                           **_footer_options(footer))
            # cutting is Python work: done in a thread while the browser prints the next batch
            if not await asyncio.to_thread(_split, whole, parts):
                for part in parts:
                    await _print_job(page, PdfJob(_document([part.body], head, html_lang), part.path, footer=footer))
            whole.unlink(missing_ok=True)

        async with _browser(executable) as context:
            await _drain(context, list(enumerate(groups)), concurrency, handle)
