"""Warm kernels: a fresh kernel started, and the notebook's modules imported, while the runner works.

Each notebook still gets its own new kernel (never shared, never reused); only the waiting is moved:
the kernel starts and imports pandas, matplotlib and campaign_me in a background thread while the
runner validates the inputs, instead of after.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import threading
from pathlib import Path
from typing import Any

__all__ = ["WarmKernel", "notebook_imports"]


def notebook_imports(path: str | Path) -> list[str]:
    """Top-level modules a notebook imports (``import x``, ``from x import y``), in order of appearance.

    Examples
    --------
    >>> from campaign_me.report import find_notebook
    >>> "campaign_me.indicators" in notebook_imports(find_notebook("07_country_report"))
    True
    """
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    mods: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                mods += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods.append(node.module)
    return list(dict.fromkeys(mods))


class WarmKernel:
    """Start a kernel in the background and import ``modules`` in it; hand its manager to papermill once.

    The imports run silently (no output, no execution count, no names bound in the notebook's
    namespace: modules land in ``sys.modules`` only), so the notebook runs as in a fresh kernel
    except that its ``import`` statements return at once.
    """

    def __init__(self, kernel_name: str, modules: list[str], *, extra_arguments: list[str] | None = None,
                 timeout: float = 120):
        self.kernel_name = kernel_name
        self.modules = modules
        self.extra_arguments = list(extra_arguments or [])
        self.timeout = timeout
        self.km: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="campaign-me-warm-kernel", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # an empty context and a loop of its own, closed at the end: nothing leaks into other threads
        contextvars.Context().run(asyncio.run, self._start())

    async def _start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager

        try:
            km = AsyncKernelManager(kernel_name=self.kernel_name)
            await km.start_kernel(extra_arguments=self.extra_arguments)
            self.km = km
            kc = km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=self.timeout)
                code = "\n".join(f"__import__('importlib').import_module({m!r})" for m in self.modules)
                msg_id = kc.execute(code, silent=True, store_history=False)
                while True:  # the reply to our request (other replies cannot exist yet)
                    reply = await kc.get_shell_msg(timeout=self.timeout)
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
                # a module that fails to import is not our business: the notebook will say so itself
            finally:
                kc.stop_channels()
        except BaseException as exc:  # reported to the caller, which falls back to a cold start
            self.error = exc

    def manager(self):
        """The started kernel's manager (waits for the warm-up); None if the warm-up failed."""
        self._thread.join(self.timeout)
        if self._thread.is_alive() or self.error is not None:
            self.shutdown()
            return None
        return self.km

    def shutdown(self) -> None:
        """Stop the kernel if it is still running (papermill normally did already).

        Waits for a warm-up still in progress first, so that a kernel never starts after it was
        meant to stop.
        """
        self._thread.join(self.timeout)
        km = self.km
        self.km = None
        if km is None:
            return

        async def stop() -> None:
            if km.has_kernel:
                await km.shutdown_kernel(now=True)
            await km.cleanup_resources()

        def run() -> None:
            try:
                contextvars.Context().run(asyncio.run, stop())
            except Exception:  # already gone
                pass

        t = threading.Thread(target=run, name="campaign-me-kernel-stop", daemon=True)
        t.start()
        t.join(self.timeout)


_ENGINE = "campaign_me_warm"
_registered = False
_lock = threading.Lock()


def engine_name() -> str:
    """Register (once) and name papermill's engine that runs a notebook on a :class:`WarmKernel`.

    It is papermill's nbclient engine, handed a started kernel manager (``km=``); the kernel is
    shut down when the notebook ends, as with a kernel papermill started itself.
    """
    global _registered
    with _lock:
        if not _registered:
            from papermill.clientwrap import PapermillNotebookClient
            from papermill.engines import NBClientEngine, papermill_engines
            from papermill.log import logger
            from papermill.utils import remove_args

            class WarmEngine(NBClientEngine):
                @classmethod
                def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                             stderr_file=None, start_timeout=60, execution_timeout=None,
                                             km=None, **kwargs):
                    kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
                    client = PapermillNotebookClient(
                        nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                        kernel_name=kernel_name, log=logger, log_output=log_output, stdout_file=stdout_file,
                        stderr_file=stderr_file, **kwargs)
                    client.owns_km = True  # one notebook per kernel: shut it down afterwards
                    return client.execute()

            papermill_engines.register(_ENGINE, WarmEngine)
            _registered = True
    return _ENGINE


def _thread_loop():
    """The event loop set on this thread, without creating one (None if none or unknowable)."""
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    return getattr(local, "_loop", None)


def isolated(fn):
    """Run ``fn`` in an empty ``contextvars`` context and close the event loop it leaves on the thread.

    jupyter's kernel clients keep their event loop in a context variable and set it on the thread;
    callers that copy contexts (pytest, Dask) would otherwise share one loop between concurrent runs
    or drop loops unclosed. With this, each report run has a loop of its own, closed at its end.
    """
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        before = _thread_loop()
        ctx = contextvars.Context()
        try:
            return ctx.run(fn, *args, **kwargs)
        finally:
            loops = [v for v in ctx.values() if isinstance(v, asyncio.AbstractEventLoop)]
            after = _thread_loop()
            if after is not None and after is not before:
                loops.append(after)
            for loop in loops:
                if not loop.is_running() and not loop.is_closed():
                    loop.close()
            if _thread_loop() is not before:
                asyncio.set_event_loop(before)

    return wrapper
