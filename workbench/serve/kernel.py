"""The dashboards' kernel: ipykernel with the server's rules, run as ``python -m workbench.serve.kernel``.

Every kernel of ``workbench serve`` is this one (:class:`KernelSpecs` gives it
for any Python notebook). On top of ipykernel it:

- waits for its user: a kernel learns whose page it serves from the file the
  server writes for it (see :mod:`workbench.views.environment`); until then it
  refuses every widget message (:meth:`WorkbenchKernel.should_handle`), and
  before it handles the first message of its page it reads that file, so a
  dashboard run ahead of time (pre-run kernel) is made the user's before the
  page sees any of it;
- never trusts the page: a widget message for a disabled control, with text
  longer than :data:`MAX_TEXT` characters, or one the widget refuses, is
  dropped, logged and answered with the widget's current state (the control
  snaps back) (:func:`guard_widget_messages`);
- never sends a traceback to a page: an exception in a widget callback is
  logged in the server's log under a short reference, and the page gets only a
  generic message with that reference; warnings and other writes to standard
  error go to the server's log, not to the page (unless the server runs with
  ``--show-tracebacks``);
- keeps the state folder to its user: a presenter's kernel cannot write there
  (but for exports), and work saved by others is written in the audit log
  (:func:`workbench.views.audit.state_writes` applied through a Python audit
  hook).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import threading
from pathlib import Path

from ipykernel.ipkernel import IPythonKernel
from ipykernel.kernelapp import IPKernelApp
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel

from ..i18n import tr

__all__ = ["WorkbenchKernel", "WorkbenchKernelApp", "KernelSpecs", "guard_widget_messages", "refusal_reason",
           "MAX_TEXT", "ENV_SHOW_TRACEBACKS", "main"]

log = logging.getLogger("workbench.kernel")

#: Longest text a page may send in one widget value (a name, a note, a search).
MAX_TEXT = 20_000
ENV_SHOW_TRACEBACKS = "WORKBENCH_SHOW_TRACEBACKS"
KERNEL_NAME = "python3"
ENV_KERNEL_ID = "WORKBENCH_KERNEL_ID"  # as workbench.views.environment.ENV_KERNEL_ID
_COMM_MESSAGES = frozenset({"comm_open", "comm_msg", "comm_close"})
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# ---------------------------------------------------------------------------
# Widget messages from the page


def _longest_text(value, depth: int = 0) -> int:
    if isinstance(value, str):
        return len(value)
    if depth > 8:
        return 0
    if isinstance(value, dict):
        return max((_longest_text(v, depth + 1) for v in value.values()), default=0)
    if isinstance(value, (list, tuple)):
        return max((_longest_text(v, depth + 1) for v in value), default=0)
    return 0


def refusal_reason(widget, data: dict) -> str | None:
    """Why a page's message to ``widget`` is refused, or None when it may be handled.

    >>> import ipywidgets as w
    >>> refusal_reason(w.Button(disabled=True), {"method": "custom", "content": {"event": "click"}})
    'the control is disabled'
    >>> refusal_reason(w.Text(), {"method": "update", "state": {"value": "x" * 30_000}})
    'text of 30000 characters (at most 20000)'
    >>> refusal_reason(w.Text(), {"method": "update", "state": {"value": "ok"}}) is None
    True
    """
    method = data.get("method")
    if method not in ("update", "custom"):
        return None
    if getattr(widget, "disabled", False):
        return "the control is disabled"
    longest = _longest_text(data.get("state" if method == "update" else "content", {}))
    if longest > MAX_TEXT:
        return f"text of {longest} characters (at most {MAX_TEXT})"
    return None


def guard_widget_messages() -> None:
    """Check every message a page sends to a widget (see :func:`refusal_reason`); installed once per kernel.

    This wraps ipywidgets' one entry point for messages from the page
    (``Widget._handle_msg``): a refused message, or one whose handling raises
    (a value the widget's own validation refuses, a callback that fails), is
    logged, and the page is sent the widget's current state so that the control
    shows the value the kernel holds.
    """
    import ipywidgets
    from traitlets import TraitError

    widget_class = ipywidgets.Widget
    if getattr(widget_class._handle_msg, "_workbench_guard", False):
        return
    original = widget_class._handle_msg
    # ipywidgets wraps it in a decorator that shows any exception as a traceback: take the function inside,
    # so that a refused value is logged and snaps back instead (if the layout differs, keep the wrapper:
    # its tracebacks are shown as a generic message anyway, see hide_tracebacks)
    cells = [c.cell_contents for c in (getattr(original, "__closure__", None) or ())]
    inner = next((f for f in cells if callable(f) and getattr(f, "__name__", "") == "_handle_msg"), None)
    original = inner or original

    def _handle_msg(self, msg):
        data = (msg.get("content") or {}).get("data") or {}
        reason = refusal_reason(self, data)
        if reason is not None:
            log.warning("refused a page's %s for %s %s: %s", data.get("method"), type(self).__name__,
                        self.model_id, reason)
            _snap_back(self, data)
            return
        try:
            original(self, msg)
        except TraitError as exc:  # a value the widget's own validation refuses
            log.warning("refused a page's %s for %s %s: %s", data.get("method"), type(self).__name__,
                        self.model_id, exc)
            _snap_back(self, data)
        except Exception:
            ref = secrets.token_hex(3)
            log.exception("ref %s: a page's %s for %s %s failed", ref, data.get("method"), type(self).__name__,
                          self.model_id)
            _snap_back(self, data)

    _handle_msg._workbench_guard = True
    widget_class._handle_msg = _handle_msg


def _snap_back(widget, data: dict) -> None:
    if data.get("method") != "update":
        return
    keys = [k for k in (data.get("state") or {}) if k in widget.keys]
    try:
        widget.send_state(keys or None)
    except Exception:  # a closed widget: nothing to show
        log.debug("could not resend the state of %s", widget.model_id, exc_info=True)


# ---------------------------------------------------------------------------
# Tracebacks stay in the server's log


class ActionFailed(Exception):
    """What a page is told instead of a traceback."""


def hide_tracebacks(shell) -> None:
    """Publish a generic message with a log reference instead of a traceback (the traceback goes to the log)."""
    publish = shell._showtraceback

    def _showtraceback(etype, evalue, stb):
        ref = secrets.token_hex(3)
        text = _ANSI.sub("", "\n".join(stb or ()))
        log.error("ref %s: %s: %s\n%s", ref, getattr(etype, "__name__", etype), evalue, text)
        message = f"{tr('action_failed', 'zh', ref=ref)} / {tr('action_failed', 'en', ref=ref)}"
        publish(ActionFailed, message, [message])

    shell._showtraceback = _showtraceback


# ---------------------------------------------------------------------------
# The state folder


class StateGuard:
    """The audit hook of a kernel: a presenter writes nothing in the state folder but exports;
    others' saved work is written in the audit log."""

    def __init__(self, identity, state_dir: Path, kernel_id: str):
        from ..views.audit import AuditLog
        from ..views.state import user_folder

        self.identity = identity
        self.state_dir = Path(os.path.realpath(state_dir))
        self.user_folder = Path(os.path.realpath(user_folder(state_dir, identity.user)))
        self.allowed = (self.user_folder / "exports", self.state_dir / "audit",
                        self.state_dir / "run" / "kernels" / kernel_id)
        self.audit = AuditLog(state_dir)
        self._inside = threading.local()
        from ..views.audit import state_writes

        self._classify = state_writes

    def __call__(self, event: str, args: tuple) -> None:
        if getattr(self._inside, "busy", False):
            return
        self._inside.busy = True
        try:
            verdict = self._classify(event, args, state_dir=self.state_dir, user_folder=self.user_folder,
                                   read_only=self.identity.read_only, allowed=self.allowed)
            if verdict is None:
                return
            what, path = verdict
            if what == "refuse":
                self.audit.record("refused", user=self.identity.user, path=path, operation=event)
                raise PermissionError(13, tr("read_only_refused", "zh") + " / " + tr("read_only_refused", "en"), path)
            self.audit.record(what, user=self.identity.user, path=path)
        finally:
            self._inside.busy = False


# ---------------------------------------------------------------------------
# The kernel


class WorkbenchKernel(IPythonKernel):
    """ipykernel's Python kernel with the server's rules (see the module's description)."""

    implementation = "workbench"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._policies_applied = False
        imported = "ipywidgets" in sys.modules
        import ipywidgets

        if imported:
            # imported with the workbench package before IPython existed: its comm targets (how a page's
            # widget manager reaches the widgets) were not registered then
            ipywidgets.register_comm_target()
        # before any widget exists: each widget takes its message handler when it opens its comm
        guard_widget_messages()
        if os.environ.get(ENV_SHOW_TRACEBACKS) != "1":
            hide_tracebacks(self.shell)

    def should_handle(self, stream, msg, idents):
        msg_type = msg["header"]["msg_type"]
        if msg_type != "execute_request":  # the server runs the notebook; anything else comes from the page
            from ..views import environment

            identity = environment.kernel_identity()  # reads the server's file once it is there
            if identity is None:
                if msg_type in _COMM_MESSAGES:
                    log.warning("refused a %s: the server has not named this kernel's user", msg_type)
                    return False
            elif not self._policies_applied:
                self._apply_policies(identity)
        return super().should_handle(stream, msg, idents)

    def _apply_policies(self, identity) -> None:
        from ..views.environment import dashboard_settings

        self._policies_applied = True
        if os.environ.get("VOILA_PREHEAT") == "True":
            _restore_priority()
        settings = dashboard_settings()
        kernel_id = os.environ.get(ENV_KERNEL_ID, "")
        sys.addaudithook(StateGuard(identity, settings.state_dir, kernel_id))
        log.info("kernel %s serves %s (%s)", kernel_id, identity.user, identity.role)


class WorkbenchKernelApp(IPKernelApp):
    """ipykernel's application running :class:`WorkbenchKernel`; standard error stays in the server's log."""

    def init_io(self):
        super().init_io()
        if os.environ.get(ENV_SHOW_TRACEBACKS) != "1":
            # warnings and logged errors carry server paths and source lines: the log, not the page
            sys.stderr = sys.__stderr__


class KernelSpecs(KernelSpecManager):
    """The server's only kernel: this module, for every Python notebook."""

    def find_kernel_specs(self) -> dict[str, str]:
        return {KERNEL_NAME: str(Path(__file__).parent)}

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name.lower() != KERNEL_NAME:
            raise NoSuchKernel(kernel_name)
        return KernelSpec(
            argv=[sys.executable, "-m", "workbench.serve.kernel", "-f", "{connection_file}"],
            display_name="Python 3 (workbench)", language="python", resource_dir=str(Path(__file__).parent),
            metadata={"debugger": False},
        )


#: How much lower a pre-run kernel's priority is while it waits for a page: running the dashboards
#: ahead of time (and refilling the pool) must never slow down the pages being opened.
PRE_RUN_NICENESS = 10


def _restore_priority() -> None:
    """Back to normal priority once the kernel serves a page (where the system allows it)."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, 0)
    except (PermissionError, OSError):
        pass  # an unprivileged server keeps its pre-run kernels a little nicer: only slower under contention


def _kernel_id_from_argv(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "-f" and i + 1 < len(argv) else (arg[3:] if arg.startswith("-f=") else None)
        if value:
            match = re.match(r"kernel-(.+)\.json$", Path(value).name)
            if match:
                return match.group(1)
    return ""


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    os.environ[ENV_KERNEL_ID] = _kernel_id_from_argv(argv)
    os.umask(0o077)  # everything the kernel writes (exports, schemes, uploads) is the server user's alone
    if os.environ.get("VOILA_PREHEAT") == "True":
        os.nice(PRE_RUN_NICENESS)
    logging.basicConfig(level=logging.INFO, stream=sys.__stderr__,
                        format="[kernel %(asctime)s %(name)s] %(levelname)s %(message)s")
    WorkbenchKernelApp.launch_instance(argv=argv, kernel_class=WorkbenchKernel, capture_fd_output=False)


if __name__ == "__main__":
    main()
