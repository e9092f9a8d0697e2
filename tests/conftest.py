import warnings

import pytest

from campaign_me.datasets import load_api


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
