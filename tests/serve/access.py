"""A small HTTP and websocket client for the served dashboards, as a browser (or an attacker) talks to them.

Over 127.0.0.1 only. Keeps cookies, does not follow redirects unless asked,
sends any ``Host``/``Origin``/``Sec-Fetch-*`` headers a test wants, and speaks
the kernel's websocket protocol (legacy JSON) enough to read every widget's
state through the control comm, as a page's widget manager does.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    url: str
    headers: dict
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Client:
    base: str                                    # http://127.0.0.1:PORT/
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def request(self, path: str, *, data: dict | None = None, headers: dict | None = None,
                follow: bool = False, timeout: float = 120) -> Response:
        handlers = [urllib.request.HTTPCookieProcessor(self.jar)]
        if not follow:
            handlers.append(_NoRedirect())
        opener = urllib.request.build_opener(*handlers)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base.rstrip("/") + "/" + path.lstrip("/"), data=body,
                                     headers=headers or {})
        try:
            with opener.open(req, timeout=timeout) as r:
                return Response(r.status, r.url, dict(r.headers), r.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as e:
            return Response(e.code, e.url, dict(e.headers), e.read().decode("utf-8", "replace"))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def xsrf(self) -> str:
        value = self.cookie("_xsrf")
        if value is None:
            self.request("login")
            value = self.cookie("_xsrf")
        return value

    def login(self, name: str, password: str, *, lang: str | None = None) -> Response:
        self.request("login" + (f"?lang={lang}" if lang else ""))
        return self.request("login" + (f"?lang={lang}" if lang else ""),
                            data={"_xsrf": self.xsrf(), "username": name, "password": password, "next": "/"})

    def open_dashboard(self, notebook: str, **kwargs) -> tuple[Response, str | None]:
        r = self.request(f"voila/render/{notebook}", **kwargs)
        match = re.search(r'"kernelId": "([0-9a-f-]{36})"', r.text)
        return r, match.group(1) if match else None


def ws_url(base: str, kernel_id: str) -> str:
    return base.replace("http://", "ws://").rstrip("/") + f"/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4()}"


def _message(msg_type: str, content: dict, channel: str = "shell", session: str | None = None,
             metadata: dict | None = None) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "test",
                       "session": session or uuid.uuid4().hex, "date": "2026-01-01T00:00:00Z", "version": "5.3"},
            "parent_header": {}, "metadata": metadata or {}, "content": content, "buffers": [], "channel": channel}


class KernelSocket:
    """A websocket to a kernel, speaking the legacy JSON protocol."""

    def __init__(self, conn):
        self.conn = conn
        self.received: list[dict] = []

    @classmethod
    async def connect(cls, base: str, kernel_id: str, *, headers: dict | None = None) -> "KernelSocket":
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        request = HTTPRequest(ws_url(base, kernel_id), headers=headers or {})
        return cls(await websocket_connect(request, max_message_size=200 * 1024 * 1024))

    def send(self, msg: dict) -> dict:
        self.conn.write_message(json.dumps(msg))
        return msg

    async def read_until(self, predicate, timeout: float = 60) -> dict | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(self.conn.read_message(), timeout=max(0.1, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                return None
            if raw is None:
                return None
            if isinstance(raw, bytes):
                continue
            msg = json.loads(raw)
            self.received.append(msg)
            if predicate(msg):
                return msg
        return None

    async def widget_states(self, timeout: float = 120) -> dict:
        """Every widget's state, as ``request_states`` on the control comm returns it."""
        comm_id = uuid.uuid4().hex
        self.send(_message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}},
                           metadata={"version": "1.0.0"}))
        self.send(_message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}))
        reply = await self.read_until(lambda m: m["header"]["msg_type"] == "comm_msg"
                                      and m["content"].get("comm_id") == comm_id, timeout=timeout)
        if reply is None:
            raise TimeoutError("the kernel sent no widget states")
        return reply["content"]["data"]["states"]

    def comm_msg(self, comm_id: str, data: dict) -> dict:
        return self.send(_message("comm_msg", {"comm_id": comm_id, "data": data}))

    def close(self) -> None:
        self.conn.close()


def run_async(coroutine):
    """``asyncio.run(coroutine)`` on a thread of its own.

    The browser tests' Playwright (sync API) keeps an event loop running in the
    main thread for the whole session, and ``asyncio.run`` refuses to start
    inside one; a fresh thread has no loop.
    """
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
