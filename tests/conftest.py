import warnings
from pathlib import Path

import pytest

from campaign_me.datasets import load_api

# Test modules that execute notebooks in kernels (papermill, nbval) or start report runs in other
# processes: most of the suite's time. `pytest -m "not slow"` leaves them out for the quick loop;
# CI and `pytest` run everything.
SLOW_MODULES = {"test_notebooks.py", "test_report.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        if path.name in SLOW_MODULES or path.suffix == ".ipynb" or item.get_closest_marker("kernel"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def api():
    """The api samples of R's survey package (copies ship in campaign_me/datasets)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = {name: load_api(name) for name in ("apistrat", "apiclus1", "apiclus2")}
    strat = data["apistrat"]
    # sampling fraction n_h/N_h as an fpc column (R: ave(...)/fpc in tests/reference/survey.R)
    strat["frac"] = strat.groupby("stype")["stype"].transform("size") / strat["fpc"]
    clus1 = data["apiclus1"]
    # strata with a single PSU (district 637 alone), as lstr in tests/reference/survey.R
    clus1["lstr"] = ["A" if d == 637 else ("B" if d < 400 else "C") for d in clus1["dnum"]]
    return data
