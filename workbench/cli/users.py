"""``workbench users``: who may sign in to the dashboards, with which role (用户与角色).

    workbench users add NAME --role county|township|presenter [--township T ...] [--sso]
    workbench users list
    workbench users passwd NAME
    workbench users remove NAME

The file is ``<state-dir>/users.json`` (``--state-dir`` as for ``workbench serve``)
or the one given with ``--users``. Passwords are asked twice on the terminal (or
read from standard input with ``--password-stdin``) and stored only as scrypt
hashes; ``--sso`` makes a user who signs in only through the county's single
sign-on proxy (no password).
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "users", help="who may sign in to the dashboards (用户与角色)",
        description="Manage the users file of `workbench serve`: names, roles and password hashes "
                    "(管理看板服务的用户、角色和密码).")
    p.add_argument("--state-dir", default=None, help="the server's state folder (default ~/.local/share/workbench)")
    p.add_argument("--users", default=None, metavar="FILE", help="users file (default <state-dir>/users.json)")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = sub.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("county", "township", "presenter"),
                     help="county: everything; township: only their township(s); presenter: read-only")
    add.add_argument("--township", action="append", default=[], help="the township of a township user "
                     "(as written in the data; repeat for several)")
    add.add_argument("--sso", action="store_true", help="no password: signs in only through the proxy's header")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=_add)

    passwd = sub.add_parser("passwd", help="set a new password (the user's current logins end)")
    passwd.add_argument("name")
    passwd.add_argument("--sso", action="store_true", help="remove the password: single sign-on only")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    passwd.set_defaults(func=_passwd)

    role = sub.add_parser("role", help="change a user's role or townships (their current logins end)")
    role.add_argument("name")
    role.add_argument("--role", required=True, choices=("county", "township", "presenter"))
    role.add_argument("--township", action="append", default=[])
    role.set_defaults(func=_role)

    remove = sub.add_parser("remove", help="remove a user (their pages close within seconds)")
    remove.add_argument("name")
    remove.set_defaults(func=_remove)

    listing = sub.add_parser("list", help="list the users and their roles")
    listing.set_defaults(func=_list)


def _file(args):
    from ..serve.users import USERS_FILE_NAME, UsersFile
    from ..views.environment import DEFAULT_STATE

    if args.users:
        return UsersFile(Path(args.users).expanduser())
    state = Path(args.state_dir).expanduser() if args.state_dir else DEFAULT_STATE
    return UsersFile(state / USERS_FILE_NAME)


def _password(args, name: str) -> str | None:
    if args.sso:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise ValueError("no terminal to ask for the password on: give it on standard input with "
                         "--password-stdin, or use --sso for a single-sign-on user")
    first = getpass.getpass(f"新密码 / new password for {name}: ")
    second = getpass.getpass("再输入一次 / again: ")
    if first != second:
        raise ValueError("the two passwords differ; nothing was changed")
    return first


def _add(args) -> int:
    from ..serve.users import check_new_user

    users = _file(args)
    check_new_user(users, args.name, role=args.role, townships=args.township)  # before asking for a password
    user = users.add(args.name, role=args.role, townships=args.township, password=_password(args, args.name))
    where = f" ({', '.join(user.townships)})" if user.townships else ""
    print(f"已添加 / added {user.name}: {user.role}{where}{'' if user.has_password else ', single sign-on only'} "
          f"-> {users.path}")
    return 0


def _passwd(args) -> int:
    users = _file(args)
    user = users.set_password(args.name, _password(args, args.name))
    print(f"已更新 / updated the password of {user.name} -> {users.path}")
    return 0


def _role(args) -> int:
    users = _file(args)
    user = users.set_role(args.name, role=args.role, townships=args.township)
    print(f"已更新 / {user.name} is now {user.role}" + (f" ({', '.join(user.townships)})" if user.townships else ""))
    return 0


def _remove(args) -> int:
    users = _file(args)
    users.remove(args.name)
    print(f"已删除 / removed {args.name} -> {users.path}")
    return 0


def _list(args) -> int:
    users = _file(args)
    entries = users.users()
    if not entries:
        print(f"没有用户 / no users in {users.path}; add one with `workbench users add NAME --role county`")
        return 0
    width = max(len(n) for n in entries)
    for name, user in sorted(entries.items()):
        login = "password" if user.has_password else "single sign-on"
        towns = ", ".join(user.townships)
        print(f"{name:<{width}}  {user.role:<9}  {login:<14}  {towns}".rstrip())
    return 0
