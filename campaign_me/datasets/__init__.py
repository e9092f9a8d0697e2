"""Small example data sets shipped with campaign_me (no network needed).

``load_api(name)`` returns the California Academic Performance Index samples that ship
with R's ``survey`` package (Lumley; GPL): ``"apistrat"`` (stratified by school type,
weights ``pw``, population counts ``fpc``), ``"apiclus1"`` (one-stage cluster sample of
15 districts, PSU ``dnum``) and ``"apiclus2"`` (two-stage: districts ``dnum``, schools
``snum``, ``fpc1``, ``fpc2``). They are the standard worked examples of design-based
estimation, used here for documentation and for the reference tests against R.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from ..errors import DataError

__all__ = ["load_api", "API_DATASETS"]

API_DATASETS = ("apistrat", "apiclus1", "apiclus2")


def load_api(name: str) -> pd.DataFrame:
    """Load one of R survey's ``api`` samples as a DataFrame (``cds`` kept as text).

    Examples
    --------
    >>> load_api("apistrat").shape
    (200, 39)
    """
    if name not in API_DATASETS:
        raise DataError(f"load_api: unknown data set {name!r}; choose one of {', '.join(API_DATASETS)}")
    path = resources.files(__name__).joinpath(f"{name}.csv")
    with path.open("rb") as fh:
        return pd.read_csv(fh, dtype={"cds": "string"})
