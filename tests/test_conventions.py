"""The shared conventions are defined once (campaign_me.conventions) and every module agrees.

The defaults are the ones documented in campaign_me/conventions.py (DHS-style reporting: 95%
intervals, suppression below 25 unweighted respondents, a caution flag below 50).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import campaign_me
from campaign_me import conventions
from campaign_me.conventions import Reporting, check_level, check_whole, reporting
from campaign_me.errors import CampaignMeError

DEFAULTS = {"level": conventions.LEVEL, "min_n": conventions.MIN_N, "flag_n": conventions.FLAG_N}


def _modules():
    for info in pkgutil.walk_packages(campaign_me.__path__, "campaign_me."):
        yield importlib.import_module(info.name)


def _callables(module):
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isclass(obj):
            for meth_name, meth in vars(obj).items():
                if callable(meth) and (not meth_name.startswith("_") or meth_name == "__init__"):
                    yield f"{module.__name__}.{name}.{meth_name}", meth
        elif callable(obj):
            yield f"{module.__name__}.{name}", obj


def test_every_reporting_default_agrees_with_conventions():
    disagree = []
    for module in _modules():
        for qualname, fn in _callables(module):
            try:
                params = inspect.signature(fn).parameters
            except (TypeError, ValueError):
                continue
            for p, want in DEFAULTS.items():
                if p in params and params[p].default is not inspect.Parameter.empty:
                    got = params[p].default
                    if got is not None and got != want:
                        disagree.append(f"{qualname}({p}={got!r})")
    assert not disagree, "defaults that differ from campaign_me.conventions: " + ", ".join(disagree)


@pytest.mark.parametrize("value", [0.95, np.float32(0.95), np.float64(0.9), 0.5])
def test_check_level_accepts_python_and_numpy_numbers(value):
    assert check_level(value) == pytest.approx(float(value))


@pytest.mark.parametrize("value", [True, 0, 1, 95, -0.1, float("nan"), "0.95", None])
def test_check_level_refuses_everything_else(value):
    with pytest.raises(CampaignMeError, match="strictly between 0 and 1"):
        check_level(value)


def test_check_whole():
    assert check_whole(np.int32(4), argument="n") == 4
    assert check_whole(4.0, argument="n") == 4
    for bad in (True, 4.5, float("inf"), "4"):
        with pytest.raises(CampaignMeError, match="whole number"):
            check_whole(bad, argument="n")
    with pytest.raises(CampaignMeError, match="at least 1"):
        check_whole(0, argument="n", minimum=1)


def test_reporting_merges_overrides_and_checks_them():
    base = Reporting(level=0.9, min_n=30)
    assert reporting(base, min_n=None).min_n == 30
    assert reporting(base, min_n=40).as_kwargs() == {"level": 0.9, "min_n": 40, "flag_n": 50, "df": None}
    assert reporting(df="degf").df == "degf"
    with pytest.raises(CampaignMeError, match="did you mean 'min_n'"):
        reporting(min_m=3)
    with pytest.raises(CampaignMeError, match="df='satterthwaite'"):
        Reporting(df="satterthwaite")
