"""Who is asking: logins, the single-sign-on header, the Host check, and who may use which kernel.

Built on jupyter_server's own machinery: an :class:`IdentityProvider` says who
the user of a request is (signed login cookie, or the header set by the
county's reverse proxy), an :class:`Authorizer` says whether they may use a
kernel (only their own), and tornado's signed cookies carry the login.

Three ways to serve (:func:`access_policy` picks one from the options):

open
    bound to this machine only (127.0.0.1) and no users configured: everyone
    who can reach the port is on this machine and is the one local user
    (county role). What ``make dashboard`` does.
login
    users in the users file (:mod:`workbench.serve.users`): every page and
    websocket needs a login, from every client, 127.0.0.1 included. A server
    bound beyond this machine refuses to start without users.
proxy
    as *login*, and a request from the reverse proxy's address carrying the
    trusted header (``--proxy-header X-Remote-User --proxy-address 10.0.0.5``)
    is the user the header names, if that user is in the users file (which
    gives the role). The header is ignored from any other address.

Every request, in every mode, must name the server by one of its served names
in its ``Host`` header (:class:`HostNames`): a page of another website that
makes the browser talk to this server under its own name (DNS rebinding) is
refused before anything else happens.

>>> names = HostNames(["workbench.county.example"])
>>> names.allows("workbench.county.example:8866"), names.allows("127.0.0.1:8866"), names.allows("attacker.example")
(True, True, False)
"""

from __future__ import annotations

import collections
import dataclasses
import ipaddress
import json
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from tornado.httputil import split_host_and_port
from traitlets import Any as AnyTrait

from ..i18n import tr
from .users import ROLES, UsersFile

__all__ = ["Refused", "AccessPolicy", "HostNames", "WorkbenchUser", "LOCAL_USER", "access_policy", "served_names",
           "WorkbenchIdentityProvider", "WorkbenchAuthorizer", "LoginThrottle", "LOGIN_HOURS"]

class Refused(web.HTTPError):
    """A request refused with a message of the catalogue (``key``, ``values``), shown in the page's language."""

    def __init__(self, status: int, key: str, **values):
        super().__init__(status, f"{key} {values}" if values else key)
        self.key, self.values = key, values


#: How long a login lasts without signing in again.
LOGIN_HOURS = 12.0
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass
class WorkbenchUser(User):
    """A jupyter_server user with the workbench's role and townships."""

    role: str = "county"
    townships: tuple[str, ...] = ()
    generation: int = 0

    @property
    def read_only(self) -> bool:
        return self.role == "presenter"


#: The one user of a server in open mode (this machine only, no users file).
LOCAL_USER = WorkbenchUser(username="local", name="local", display_name="local", role="county")


class HostNames:
    """The names a server answers to in the ``Host`` header (ports are not compared).

    The loopback names always count; others are the address the server is bound
    to (unless it is a wildcard), this machine's host names, and the names the
    operator gives with ``--name``.
    """

    def __init__(self, names: Iterable[str]):
        self.names = frozenset(_host_only(n) for n in (*LOOPBACK_NAMES, *names) if n)

    def allows(self, host_header: str | None) -> bool:
        if not host_header:
            return False
        return _host_only(host_header) in self.names

    def __repr__(self) -> str:
        return f"HostNames({sorted(self.names)})"


def _host_only(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8866
        return host[1:host.find("]")] if "]" in host else host
    if host.count(":") > 1:  # a bare IPv6 address
        return host
    name, _port = split_host_and_port(host)
    return name.rstrip(".")


def served_names(host: str, extra: Iterable[str] = ()) -> HostNames:
    """The names a server bound to ``host`` answers to (see :class:`HostNames`).

    >>> sorted(served_names("127.0.0.1").names)
    ['127.0.0.1', '::1', 'localhost']
    """
    names = list(extra)
    wildcard = host in ("0.0.0.0", "::", "")
    if not wildcard:
        names.append(host)
    if wildcard or not _is_loopback(host):
        hostname = socket.gethostname()
        names += [hostname, socket.getfqdn()]
        try:
            names += [info[4][0] for info in socket.getaddrinfo(hostname, None)]
        except OSError:
            pass
    return HostNames(names)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class AccessPolicy:
    """How a server decides who is asking (see the module's description)."""

    mode: str                                   # "open", "login" or "proxy"
    users: UsersFile | None = None
    proxy_header: str = ""
    proxy_networks: tuple = ()
    login_hours: float = LOGIN_HOURS
    names: HostNames = field(default_factory=lambda: HostNames(()))

    @property
    def open(self) -> bool:
        return self.mode == "open"

    def from_proxy(self, remote_ip: str | None) -> bool:
        if not self.proxy_header or not remote_ip:
            return False
        try:
            address = ipaddress.ip_address(remote_ip)
        except ValueError:
            return False
        return any(address in network for network in self.proxy_networks)


def access_policy(*, host: str, users_path: Path, proxy_header: str = "", proxy_addresses: Iterable[str] = (),
                  names: Iterable[str] = (), login_hours: float = LOGIN_HOURS) -> AccessPolicy:
    """Choose how a server bound to ``host`` authenticates, refusing what is unsafe.

    Raises
    ------
    ValueError
        When the server would be reachable from other machines with no users to
        log in (saying how to add one), or the proxy options are incomplete.

    Examples
    --------
    >>> import tempfile
    >>> users = Path(tempfile.mkdtemp()) / "users.json"
    >>> access_policy(host="127.0.0.1", users_path=users).mode
    'open'
    >>> access_policy(host="0.0.0.0", users_path=users)
    Traceback (most recent call last):
    ...
    ValueError: --host 0.0.0.0 makes the dashboards reachable from other machines, and ...
    """
    users = UsersFile(users_path)
    configured = users.users() if users.exists() else {}
    if bool(proxy_header) != bool(list(proxy_addresses)):
        raise ValueError("--proxy-header and --proxy-address go together: the header is trusted only from the "
                         "proxy's address (e.g. --proxy-header X-Remote-User --proxy-address 10.0.0.5)")
    networks = []
    for address in proxy_addresses:
        try:
            networks.append(ipaddress.ip_network(address, strict=False))
        except ValueError:
            raise ValueError(f"--proxy-address must be an IP address or network (10.0.0.5, 10.0.0.0/24); "
                             f"got {address!r}") from None
    if proxy_header and not _is_header_name(proxy_header):
        raise ValueError(f"--proxy-header must be an HTTP header name such as X-Remote-User; got {proxy_header!r}")
    if not configured:
        if not _is_loopback(host) or proxy_header:
            raise ValueError(
                f"--host {host} makes the dashboards reachable from other machines, and no user can log in "
                f"(no users in {users_path}). The dashboards show members' personal data: add a user first, "
                f"e.g. `workbench users add NAME --role county --users {users_path}`, then start the server again "
                "(roles: county, township --township NAME, presenter)")
        return AccessPolicy(mode="open", names=served_names(host, names))
    return AccessPolicy(mode="proxy" if proxy_header else "login", users=users, proxy_header=proxy_header,
                        proxy_networks=tuple(networks), login_hours=login_hours, names=served_names(host, names))


def _is_header_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in "-_" for c in name)


def _workbench_user(user) -> WorkbenchUser:
    return WorkbenchUser(username=user.name, name=user.name, display_name=user.name, role=user.role,
                         townships=tuple(user.townships), generation=user.generation)


class WorkbenchIdentityProvider(IdentityProvider):
    """The user of a request: the local user (open mode), the proxy's header, or the login cookie."""

    policy = AnyTrait()

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return not self.policy.open

    def get_user(self, handler: web.RequestHandler) -> WorkbenchUser | None:
        cached = getattr(handler, "_jupyter_current_user", None)
        if cached:
            return cached
        policy: AccessPolicy = self.policy
        if policy.open:
            return LOCAL_USER
        if policy.proxy_header:
            name = handler.request.headers.get(policy.proxy_header)
            if name is not None:
                if not policy.from_proxy(handler.request.remote_ip):
                    self.log.warning("ignored %s header from %s: not the proxy's address",
                                     policy.proxy_header, handler.request.remote_ip)
                else:
                    found = policy.users.get(name.strip())
                    if found is None:
                        self.log.warning("the proxy named %r, who is not in the users file", name)
                        return None
                    return _workbench_user(found)
        return self.get_user_cookie(handler)

    def user_to_cookie(self, user: WorkbenchUser) -> str:
        return json.dumps({"u": user.username, "g": user.generation})

    def user_from_cookie(self, cookie_value: str) -> WorkbenchUser | None:
        try:
            data = json.loads(cookie_value)
            found = self.policy.users.get(str(data["u"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if found is None or found.generation != data.get("g"):
            return None  # removed, or password / role changed since this login
        return _workbench_user(found)

    def current(self, name: str) -> WorkbenchUser | None:
        """The user ``name`` as the users file says now (None when removed)."""
        if self.policy.open:
            return LOCAL_USER if name == LOCAL_USER.username else None
        found = self.policy.users.get(name)
        return _workbench_user(found) if found is not None else None

    def get_handlers(self) -> list:
        return []  # the server adds its own login and logout pages (see workbench.serve.server)


def identity_provider_for(policy: AccessPolicy, *, parent, log, port: int) -> WorkbenchIdentityProvider:
    """The identity provider of a server with ``policy`` (cookies last ``policy.login_hours``).

    The login cookie is named after the port (browsers share cookies between
    ports of one host), not after the Host header: every served name of the
    server sees the same login.
    """
    days = policy.login_hours / 24
    return WorkbenchIdentityProvider(
        parent=parent, log=log, policy=policy, token="", cookie_name=f"workbench-login-{port}",
        cookie_options={"samesite": "Lax", "httponly": True, "expires_days": days},
        get_secure_cookie_kwargs={"max_age_days": days},
    )


class WorkbenchAuthorizer(Authorizer):
    """A user may use only the kernels started for their own pages."""

    kernel_owner = AnyTrait(help="function kernel_id -> owner user name, or None")

    def is_authorized(self, handler, user, action, resource) -> bool:
        if user is None:
            return False
        if resource == "kernels":
            kernel_id = _kernel_id_of(handler)
            if kernel_id is None:
                return False  # listing or starting kernels over the REST API: never from a page
            owner = self.kernel_owner(kernel_id) if self.kernel_owner else None
            if owner != user.username:
                self.log.warning("refused %s of kernel %s to %s (owner: %s)", action, kernel_id, user.username, owner)
                return False
        return True


def _kernel_id_of(handler) -> str | None:
    kernel_id = (getattr(handler, "path_kwargs", None) or {}).get("kernel_id")
    if kernel_id is None and getattr(handler, "path_args", None):
        kernel_id = handler.path_args[0]
    return kernel_id


class LoginThrottle:
    """Slows down password guessing: after ``limit`` failures within ``window`` seconds for
    one user name (or ``address_limit`` from one address: many people may share a
    proxy's), further attempts wait ``pause`` seconds.

    >>> throttle = LoginThrottle(limit=2, window=60, pause=30)
    >>> throttle.failed("li", "10.0.0.9", now=0); throttle.failed("li", "10.0.0.9", now=1)
    >>> throttle.wait("li", "10.0.0.8", now=2), throttle.wait("wang", "10.0.0.9", now=2)
    (29, 0)
    """

    def __init__(self, *, limit: int = 5, address_limit: int | None = None, window: float = 300,
                 pause: float = 60):
        self.limit, self.window, self.pause = limit, window, pause
        self.address_limit = address_limit if address_limit is not None else 4 * limit
        self._failures: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def _recent(self, key: str, now: float) -> collections.deque:
        failures = self._failures[key]
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures

    def wait(self, name: str, address: str, *, now: float | None = None) -> int:
        """Seconds to wait before the next attempt for this name or address (0: go ahead)."""
        now = time.monotonic() if now is None else now
        waits = []
        for key, limit in ((f"u:{name}", self.limit), (f"a:{address}", self.address_limit)):
            failures = self._recent(key, now)
            if len(failures) >= limit:
                waits.append(failures[-1] + self.pause - now)
        return max(0, int(max(waits, default=0)))

    def failed(self, name: str, address: str, *, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for key in (f"u:{name}", f"a:{address}"):
            self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"u:{name}", None)


def role_text(user: WorkbenchUser | None, lang: str) -> str:
    """The role of a user as a person reads it, e.g. '乡镇：城关镇'."""
    if user is None or user.username == LOCAL_USER.username and user.role == "county" and not user.generation:
        return tr("role_local", lang)
    if user.role == "township":
        return tr("role_township", lang, townships="、".join(user.townships) if lang == "zh"
                  else ", ".join(user.townships))
    return tr(f"role_{user.role}", lang) if user.role in ROLES else user.role


def as_dict(user: WorkbenchUser) -> dict:
    return dataclasses.asdict(user)
