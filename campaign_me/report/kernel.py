"""Warm kernels: a fresh kernel started, and the notebook's modules imported, while the runner works.

Each notebook still gets its own new kernel (never shared, never reused); only the waiting is moved:
the kernel starts and imports pandas, matplotlib and campaign_me in a background thread while the
runner validates the inputs, instead of after.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import functools
import importlib
import json
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from ..deferred import Deferred

# deferred: jupyter_client (0.3 s) is needed only in the thread that starts a warm kernel, which imports it
jupyter_manager = Deferred("jupyter_client.manager")
# deferred: papermill takes 1 to 4 s to import (nbclient, nbformat, jsonschema); its engine is needed only
# when a notebook runs, after the kernel has started
pm_engines = Deferred("papermill.engines")
pm_clientwrap = Deferred("papermill.clientwrap")  # deferred: part of papermill (above)
pm_log = Deferred("papermill.log")  # deferred: part of papermill (above)
pm_utils = Deferred("papermill.utils")  # deferred: part of papermill (above)

__all__ = ["IMPORT_LOCK", "WarmKernel", "import_once", "notebook_imports"]

#: Held while a thread of a report run imports one of Jupyter's packages for the first time (papermill,
#: jupyter_client, nbconvert). These import each other in cycles, and two threads that enter such a
#: cycle at different modules get "cannot import name ... from partially initialized module".
IMPORT_LOCK = threading.Lock()


def import_once(name: str) -> ModuleType:
    """Import module ``name`` under :data:`IMPORT_LOCK` the first time (no waiting once it is imported)."""
    if name in sys.modules:
        return importlib.import_module(name)
    with IMPORT_LOCK:
        return importlib.import_module(name)


def notebook_imports(path: str | Path) -> list[str]:
    """Top-level modules a notebook imports (``import x``, ``from x import y``), in order of appearance.

    The notebook is read as plain JSON (not with nbformat, whose import takes seconds): this runs
    before the kernel starts, on the way to a report.

    Examples
    --------
    >>> from campaign_me.report import find_notebook
    >>> "campaign_me.indicators" in notebook_imports(find_notebook("07_country_report"))
    True
    """
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    mods: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        source = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
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
        self._state = threading.Lock()
        self._cancelled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        # jupyter_client here, before the thread: the caller's next import (papermill's, which takes seconds)
        # would otherwise hold IMPORT_LOCK while the kernel waits to be started
        import_once("jupyter_client")
        self._thread = threading.Thread(target=self._run, name="campaign-me-warm-kernel", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # an empty context and a loop of its own, closed at the end: nothing leaks into other threads
        contextvars.Context().run(asyncio.run, self._main())

    async def _main(self) -> None:
        with self._state:
            if self._cancelled:
                return
            self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        try:
            await self._start()
        finally:
            with self._state:
                self._loop = self._task = None

    async def _start(self) -> None:
        try:
            km = jupyter_manager.AsyncKernelManager(kernel_name=self.kernel_name)
            self.km = km  # before it starts: a warm-up cancelled while starting still stops its kernel
            await km.start_kernel(extra_arguments=self.extra_arguments)
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

    def cancel(self) -> None:
        """Stop a warm-up still in progress (a run that ends before it needs this kernel); no-op after it.

        :meth:`shutdown` then stops the kernel at once, without waiting for it to be ready.
        """
        with self._state:
            self._cancelled = True
            if self._loop is not None and self._task is not None:
                try:
                    self._loop.call_soon_threadsafe(self._task.cancel)
                except RuntimeError:  # the loop just closed: the warm-up is over
                    pass

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
            # the class is made here, on first use: its base is papermill's, which is deferred
            engine = type("WarmEngine", (pm_engines.NBClientEngine,),
                          {"execute_managed_notebook": classmethod(_execute_managed_notebook)})
            pm_engines.papermill_engines.register(_ENGINE, engine)
            _registered = True
    return _ENGINE


def _execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                              start_timeout=60, execution_timeout=None, km=None, **kwargs):
    """papermill's ``NBClientEngine.execute_managed_notebook`` on a started kernel (``km``), which it shuts down."""
    kwargs = pm_utils.remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
    client = pm_clientwrap.PapermillNotebookClient(
        nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
        log=pm_log.logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
    client.owns_km = True  # one notebook per kernel: shut it down afterwards
    return client.execute()


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
