"""``workbench serve`` and ``workbench lab``: the dashboards and the notebooks."""

from __future__ import annotations

from ..serve.server import (
    DEFAULT_LAB_PORT,
    DEFAULT_PORT,
    LANGS,
    LOOPBACK,
    THEMES,
    ServeOptions,
    serve_options,
)
from ..serve.run import lab, serve

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the dashboards offline through Voilà (看板服务)",
        description="Serve every notebook of the notebooks folder as a dashboard, offline, "
        "on 127.0.0.1 unless --host is given (以看板形式提供笔记本，离线，默认仅本机可访问).",
    )
    _common_arguments(p, port=DEFAULT_PORT)
    p.add_argument("--preheat", type=int, default=0, metavar="N",
                   help="keep N pre-run kernels ready for every dashboard (a page opens at once; "
                        "about 300 MB each; default 0)")
    p.add_argument("--pool", action="append", default=[], metavar="NOTEBOOK=N",
                   help="pre-run kernels for one dashboard, e.g. --pool 02_weights.ipynb=20 for a meeting "
                        "where 20 people open the weight explorer (repeat for several dashboards)")
    p.add_argument("--show-tracebacks", action="store_true",
                   help="show Python tracebacks in the page when a cell fails (for developers)")
    access = p.add_argument_group("who may open the dashboards (登录与角色)")
    access.add_argument("--users", default=None, metavar="FILE",
                        help="users file (default <state-dir>/users.json; manage it with `workbench users`). "
                             "With users, every page needs a login; beyond 127.0.0.1 users are required")
    access.add_argument("--name", action="append", default=[], metavar="HOST",
                        help="a name this server is reached by (Host header), e.g. the intranet name or the "
                             "proxy's public name; repeat for several (loopback and this machine's names count)")
    access.add_argument("--proxy-header", default="", metavar="HEADER",
                        help="single sign-on: the header in which the county's reverse proxy names the signed-in "
                             "user (e.g. X-Remote-User); trusted only from --proxy-address")
    access.add_argument("--proxy-address", action="append", default=[], metavar="IP",
                        help="address (or network) of the reverse proxy whose header is trusted")
    access.add_argument("--login-hours", type=float, default=12.0, metavar="H",
                        help="a login lasts H hours (default 12)")
    limits = p.add_argument_group("kernels (每个看板页面一个内核)")
    limits.add_argument("--max-kernels", type=int, default=40, metavar="N",
                        help="dashboard pages open at once, all users together (default 40; the pre-run "
                             "kernels come on top)")
    limits.add_argument("--max-kernels-per-user", type=int, default=8, metavar="N",
                        help="dashboard pages one user may have open (default 8; 0: no limit)")
    limits.add_argument("--connect-timeout", type=float, default=60.0, metavar="S",
                        help="a page that does not connect to its kernel within S seconds of being sent loses "
                             "it (default 60)")
    p.set_defaults(func=_cmd_serve)

    p = subparsers.add_parser(
        "lab",
        help="open the notebooks in JupyterLab (研究用)",
        description="Start JupyterLab on the notebooks folder, with the same data, language and theme "
        "as the dashboards (在 JupyterLab 中打开同样的笔记本).",
    )
    _common_arguments(p, port=DEFAULT_LAB_PORT)
    p.set_defaults(func=_cmd_lab)


def _common_arguments(p, *, port: int) -> None:
    p.add_argument("--data", default=None,
                   help="data folder or workbook the dashboards load (default: sample_data)")
    p.add_argument("--port", type=int, default=port, help=f"port (default {port})")
    p.add_argument("--host", default=LOOPBACK,
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--lang", choices=LANGS, default="zh", help="dashboard language (default zh)")
    p.add_argument("--theme", choices=THEMES, default="light", help="light or dark (default light)")
    p.add_argument("--notebooks", default=None,
                   help="folder of dashboard notebooks (default: notebooks/ of the repository)")
    p.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    p.add_argument("--state-dir", default=None,
                   help="folder for what users load and save: uploaded data, schemes, scenarios, exports "
                        "(default ~/.local/share/workbench)")


def _options_from_args(args, **extra) -> ServeOptions:
    return serve_options(
        data=args.data, notebooks=args.notebooks, port=args.port, host=args.host,
        lang=args.lang, theme=args.theme, open_browser=not args.no_browser, state_dir=args.state_dir, **extra,
    )


def _check_data(opts: ServeOptions) -> None:
    """Refuse to serve data that does not load: every dashboard would show only its problems."""
    from ..data import load

    print(f"检查数据 / checking the data: {opts.data} ...", flush=True)
    load(opts.data)  # a DataError lists every problem; the command prints it and exits 1


def _pools(values: list[str]) -> dict[str, int]:
    pools = {}
    for value in values:
        name, sep, size = value.rpartition("=")
        if not sep or not name or not size.strip().isdigit():
            raise ValueError(f"--pool takes NOTEBOOK=N, e.g. --pool 02_weights.ipynb=20; got {value!r}")
        pools[name.strip()] = int(size)
    return pools


def _cmd_serve(args) -> int:
    opts = _options_from_args(
        args, preheat=args.preheat, show_tracebacks=args.show_tracebacks, pools=_pools(args.pool),
        users_file=args.users, names=args.name, proxy_header=args.proxy_header,
        proxy_addresses=args.proxy_address, login_hours=args.login_hours, max_kernels=args.max_kernels,
        max_kernels_per_user=args.max_kernels_per_user, connect_timeout=args.connect_timeout,
    )
    _check_data(opts)
    return serve(opts)


def _cmd_lab(args) -> int:
    return lab(_options_from_args(args))
