"""Who may open the dashboards: the users file the operator keeps.

A server bound to anything but this machine (``workbench serve --host 0.0.0.0``)
serves only the users listed in its users file (``<state-dir>/users.json`` unless
``--users FILE`` names another), each with a role:

``county``
    everything: every township, uploads, saved schemes, scenarios and decisions.
``township``
    only the branches and members of their township(s), in every dashboard,
    export and download; may upload and save.
``presenter``
    every township, read-only: no upload, nothing saved on the server.

Passwords are never stored: the file keeps a salted scrypt hash of each one
(:func:`hash_password`; the parameters are stored with the hash, so they can be
raised later without invalidating old entries). A user without a password can
only sign in through the county's single sign-on proxy (see
:mod:`workbench.serve.auth`). The file is written whole (a reader sees the old
file or the new one) and readable by the server's user only (mode 0600).

Manage it with ``workbench users add NAME --role ...``, ``list``, ``remove`` and
``passwd``; the server re-reads it when it changes, so a removed user or a new
password takes effect at once (their login cookie stops working).

>>> import tempfile
>>> users = UsersFile(Path(tempfile.mkdtemp()) / "users.json")
>>> _ = users.add("zhang", role="township", townships=["城关镇"], password="a long passphrase")
>>> users.verify("zhang", "a long passphrase").townships, users.verify("zhang", "wrong")
(('城关镇',), None)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ..files import atomic_path

__all__ = ["ROLES", "User", "UsersFile", "UsersError", "check_new_user", "hash_password", "check_password", "MIN_PASSWORD_LENGTH",
           "USERS_FILE_NAME"]

#: The roles a user can have (see the module's description).
ROLES = ("county", "township", "presenter")
USERS_FILE_NAME = "users.json"
MIN_PASSWORD_LENGTH = 10

# scrypt cost: 2**15 x 8 x 128 bytes = 32 MiB and about 0.1-0.3 s per check on a small server.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2 ** 15, 8, 1
_SCRYPT_MAXMEM = 128 * 1024 * 1024
# letters (any script) and digits, with . _ - inside: the name is also the user's folder name
_NAME = re.compile(r"^[^\W_](?:[\w.\-]{0,62}[^\W_])?$", re.UNICODE)


class UsersError(ValueError):
    """A users-file operation that cannot be done, saying why and what to do instead."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash of ``password``, as ``scrypt$N$r$p$salt$hash`` (base64).

    Examples
    --------
    >>> stored = hash_password("correct horse battery")
    >>> stored.startswith("scrypt$32768$8$1$"), check_password("correct horse battery", stored)
    (True, True)
    """
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                            maxmem=_SCRYPT_MAXMEM, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password` (constant-time compare).

    A malformed or empty hash never matches.

    >>> check_password("x", ""), check_password("x", "plain-text-is-never-accepted")
    (False, False)
    """
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), maxmem=_SCRYPT_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@dataclass(frozen=True)
class User:
    """One entry of the users file (never holds a password, only its hash)."""

    name: str
    role: str
    townships: tuple[str, ...] = ()
    password_hash: str = field(default="", repr=False)
    #: bumped whenever the password, role or townships change: older login cookies stop working
    generation: int = 0
    created: str = ""

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def to_json(self) -> dict:
        return {"role": self.role, "townships": list(self.townships), "password": self.password_hash,
                "generation": self.generation, "created": self.created}


class UsersFile:
    """The operator's users file: read, check and change it.

    Parameters
    ----------
    path : path-like
        The JSON file (created by the first :meth:`add`).

    Examples
    --------
    >>> import tempfile
    >>> users = UsersFile(Path(tempfile.mkdtemp()) / "users.json")
    >>> users.exists(), users.users()
    (False, {})
    >>> _ = users.add("li", role="presenter", password="meeting room 3 screen")
    >>> sorted(users.users()), users.get("li").role
    (['li'], 'presenter')
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._cache: tuple[tuple[int, int, int], dict[str, User]] | None = None

    def exists(self) -> bool:
        return self.path.is_file()

    # ----------------------------------------------------------------- reading
    def users(self) -> dict[str, User]:
        """Every user, by name (re-read only when the file changed)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if self._cache is not None and self._cache[0] == stamp:
            return self._cache[1]
        try:
            text = self.path.read_text(encoding="utf-8")
            raw = json.loads(text) if text.strip() else {"users": {}}
            entries = raw["users"]
            users = {name: _user(name, entry) for name, entry in entries.items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsersError(f"{self.path}: not a workbench users file ({exc}); "
                             "fix it or remove it and add the users again with `workbench users add`") from None
        self._cache = (stamp, users)
        return users

    def get(self, name: str) -> User | None:
        return self.users().get(name)

    def verify(self, name: str, password: str) -> User | None:
        """The user if ``password`` is theirs; None for an unknown user or a wrong password.

        An unknown name costs as much time as a wrong password, so that the time
        taken does not tell which names exist.
        """
        user = self.get(name)
        if user is None or not user.has_password:
            check_password(password, _DUMMY_HASH)
            return None
        return user if check_password(password, user.password_hash) else None

    # ----------------------------------------------------------------- writing
    def add(self, name: str, *, role: str, townships=(), password: str | None = None) -> User:
        """Add a user. ``password=None`` makes a single-sign-on user (no password login)."""
        _check_name(name)
        users = dict(self.users())
        if name in users:
            raise UsersError(f"user {name!r} already exists; change the password with "
                             f"`workbench users passwd {name}` or remove it first")
        user = User(name=name, role=role, townships=_check_role(role, townships),
                    password_hash=_new_hash(password), generation=1,
                    created=dt.datetime.now().isoformat(timespec="seconds"))
        users[name] = user
        self._write(users)
        return user

    def remove(self, name: str) -> None:
        users = dict(self.users())
        if name not in users:
            raise UsersError(f"no user {name!r} in {self.path}; `workbench users list` shows who there is")
        del users[name]
        self._write(users)

    def set_password(self, name: str, password: str | None) -> User:
        """A new password (None: single sign-on only); older logins of the user stop working."""
        user = self.get(name)
        if user is None:
            raise UsersError(f"no user {name!r} in {self.path}; add it with `workbench users add {name} --role ...`")
        return self._replace(user, password_hash=_new_hash(password))

    def set_role(self, name: str, *, role: str, townships=()) -> User:
        user = self.get(name)
        if user is None:
            raise UsersError(f"no user {name!r} in {self.path}")
        return self._replace(user, role=role, townships=_check_role(role, townships))

    def _replace(self, user: User, **changes) -> User:
        users = dict(self.users())
        new = User(**{**user.__dict__, **changes, "generation": user.generation + 1})
        users[user.name] = new
        self._write(users)
        return new

    def _write(self, users: dict[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():  # created private, so that the swap below keeps it private
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        body = {"about": "workbench users: edit with `workbench users add|remove|passwd|list`; "
                         "passwords are stored as scrypt hashes",
                "users": {name: users[name].to_json() for name in sorted(users)}}
        os.chmod(self.path, 0o600)
        with atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        self._cache = None


def check_new_user(users: UsersFile, name: str, *, role: str, townships=()) -> None:
    """Refuse (raise :class:`UsersError`) what :meth:`UsersFile.add` would refuse, before asking for a password."""
    _check_name(name)
    _check_role(role, townships)
    if users.get(name) is not None:
        raise UsersError(f"user {name!r} already exists; change the password with `workbench users passwd {name}`")


_DUMMY_HASH = hash_password("not a password of anyone", salt=b"\0" * 16)


def _new_hash(password: str | None) -> str:
    if password is None:
        return ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsersError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters; "
                         f"got {len(password)} (a few words make a good one)")
    return hash_password(password)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise UsersError(f"a user name is 1 to 64 letters or digits, with . _ - inside (no spaces, no @); "
                         f"got {name!r}")


def _check_role(role: str, townships) -> tuple[str, ...]:
    if role not in ROLES:
        raise UsersError(f"--role must be one of {', '.join(ROLES)}; got {role!r}")
    townships = tuple(dict.fromkeys(str(t).strip() for t in townships if str(t).strip()))
    if role == "township" and not townships:
        raise UsersError("a township user needs their township: --township NAME (repeat it for several)")
    if role != "township" and townships:
        raise UsersError(f"--township is only for township users; a {role} user sees every township")
    return townships


def _user(name: str, entry: dict) -> User:
    _check_name(name)
    role = entry["role"]
    townships = _check_role(role, entry.get("townships", ()))
    password = entry.get("password", "") or ""
    if password and not password.startswith("scrypt$"):
        raise ValueError(f"user {name!r}: the password is not a scrypt hash (plain passwords are never accepted)")
    return User(name=name, role=role, townships=townships, password_hash=password,
                generation=int(entry.get("generation", 0)), created=str(entry.get("created", "")))
