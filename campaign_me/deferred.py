"""Heavy dependencies imported on first use, so ``import campaign_me`` stays fast.

``import campaign_me`` is what every notebook, lesson and command pays first. scipy.stats
(about 0.7 s), statsmodels (about 2 s), matplotlib and dask are needed by some functions only, so
the modules that use them bind a :class:`Deferred` at the top of the file instead of importing
them::

    from campaign_me.deferred import Deferred

    stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only intervals and tests need it

The name is then used as the module itself (``stats.t.ppf(0.975, 10)``); the import runs on the
first attribute access and is cached by Python as usual. This keeps every import visible at the
top of its module (the import-graph test in ``tests/test_architecture.py`` reads them there).

>>> stats = Deferred("scipy.stats")
>>> stats
<deferred module 'scipy.stats'>
>>> round(float(stats.norm.ppf(0.975)), 4)
1.96

Probing a deferred module (doctest, ``copy``, ``pickle``, tab completion) never imports it:

>>> import copy
>>> missing = Deferred("a_module_that_is_not_installed")
>>> copy.copy(missing)
<deferred module 'a_module_that_is_not_installed'>
>>> hasattr(missing, "__wrapped__")
False
>>> Deferred("numpy").__version__ == __import__("numpy").__version__
True
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["Deferred"]

_PROBES = frozenset({
    "__wrapped__", "__signature__", "__test__", "__func__", "__self__", "__objclass__",
    "__isabstractmethod__", "__mro_entries__", "__origin__", "__fspath__", "__length_hint__",
    "__copy__", "__deepcopy__", "__getstate__", "__setstate__", "__getnewargs__", "__getnewargs_ex__",
    "__reduce_ex__",
})


class Deferred:
    """A module imported on the first attribute access (see the module docstring)."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def load(self) -> ModuleType:
        """The module itself, importing it if that has not happened yet."""
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return self._module

    def __getattr__(self, attr: str) -> Any:
        # What doctest, inspect, copy, pickle and IPython probe on any object must not import the
        # module (an optional dependency may be absent): those names are simply not there. Module
        # attributes such as ``__version__`` or ``__file__`` are the module's.
        if attr in _PROBES or attr.startswith(("_ipython_", "_repr_")):
            raise AttributeError(attr)
        return getattr(self.load(), attr)

    def __reduce__(self):
        return (Deferred, (self._name,))

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"
