"""Domain tables on random designs against R's survey package.

Every estimator's speed shortcuts (the constant-domain screen, per-domain counts shared between
variables, presence tables of strata and PSUs) are checked on designs that mix ordinary domains
with the ones that break shortcuts: a domain whose values are constant (``K``), a domain lying in a
single PSU (``S``), a domain whose values are all missing (``M``), scattered missing values, a
lonely PSU under every ``lonely_psu`` option, two stages with fpc, element sampling and
post-stratification.

Data: tests/data/random_domains/*.csv (tests/reference/random_domains_data.py). Reference numbers:
tests/reference/random_domains_reference.py, written by tests/reference/random_domains.R with R
survey 4.1-1 (each domain as ``subset(design, dom == d & !is.na(y))``, the R call commented above
each value). Tolerance 1e-6 relative (1e-9 absolute, for standard errors R computes as ~1e-17).
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me import EstimationWarning, SurveyDesign
from campaign_me import design as design_module
from campaign_me.errors import LonelyPSUError
from campaign_me.weighting import poststratify

from .reference.random_domains_reference import R_RANDOM_DOMAINS as R

DATA = Path(__file__).parent / "data" / "random_domains"
RTOL, ATOL = 1e-6, 1e-9

DESIGNS = {
    # svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = df)
    "strat_clus": ("strat_clus", dict(psu="psu", strata="stratum", weights="w"), "fail"),
    # svydesign(id = ~psu, weights = ~w, fpc = ~fpc1, data = df)
    "clus_fpc": ("clus_fpc", dict(psu="psu", weights="w", fpc="fpc1"), "fail"),
    # options(survey.lonely.psu = opt); svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = df)
    **{
        f"lonely:{opt}": ("lonely", dict(psu="psu", strata="stratum", weights="w"), opt)
        for opt in ("adjust", "certainty", "remove", "average")
    },
    # svydesign(id = ~psu + ssu, strata = ~stratum, weights = ~w, fpc = ~fpc1 + fpc2, data = df)
    "two_stage": ("two_stage", dict(psu=["psu", "ssu"], strata="stratum", weights="w", fpc=["fpc1", "fpc2"]), "fail"),
    # svydesign(id = ~1, strata = ~stratum, weights = ~w, data = df)
    "element": ("element", dict(strata="stratum", weights="w"), "fail"),
}


def load(name: str) -> pd.DataFrame:
    df = pd.read_csv(DATA / f"{name}.csv", keep_default_na=False, na_values=[""])
    df["ssu"] = df["ssu"].astype(str)
    return df


def make_design(key: str) -> SurveyDesign:
    if key == "strat_clus:poststratified":
        # postStratify(des, ~sex, data.frame(sex = c("f", "m"), Freq = c(3000, 2800)))
        return poststratify(make_design("strat_clus"), "sex", {"f": 3000, "m": 2800})
    name, kw, lonely = DESIGNS[key]
    return SurveyDesign(load(name), lonely_psu=lonely, **kw)


def tables(d: SurveyDesign, by="dom"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return {
            # three variables in one call: y and y2 share their rows (and cached per-domain sums),
            # x has no missing values (the domain codes themselves)
            "mean": d.with_columns(y2=d.data["y"] * 2 + 1).mean(["y", "x", "y2"], by=by, na_rm=True),
            "total": d.total("y", by=by, na_rm=True),
            "ratio": d.ratio("y", "x", by=by, na_rm=True),
            "proportion": d.proportion("b", by=by, na_rm=True),
        }


def single_psu(d: SurveyDesign, dom: str) -> bool:
    """True when the domain's rows lie in one PSU (and, two stages with fpc, one SSU)."""
    rows = d.data["dom"] == dom
    st = d.structure()[rows.to_numpy()]
    one = st["psu"].nunique() == 1
    if "ssu" in st.columns and d.fpc is not None and not isinstance(d.fpc, str):
        one &= st["ssu"].nunique() == 1
    return bool(one)


def compare(d: SurveyDesign, key: str, by="dom", suffix=lambda row: row["dom"]):
    t = tables(d, by=by)
    checked = 0
    for stat, table in t.items():
        for _, row in table.iterrows():
            var = row["variable"]
            if stat == "mean" and var == "y2":
                continue  # checked through y: same rows, linear transform
            name = f"b={int(row['category'])}" if stat == "proportion" else var
            ref = R.get(f"{key}:{stat}:{name}:{suffix(row)}")
            if ref is None:  # R cannot estimate it: every value missing in the domain
                assert row["dom"] == "M", (key, stat, name, row["dom"])
                assert row["note"], "a domain with no values must say why it has no standard error"
                assert np.isnan(row["se"])
                continue
            np.testing.assert_allclose(row["estimate"], ref[0], rtol=RTOL, atol=ATOL, err_msg=f"{key} {stat} {name}")
            centred = stat in ("mean", "ratio", "proportion")
            if centred and single_psu(d, row["dom"]) and not d.calibrated:
                # no between-PSU variation: campaign_me gives no SE and says why (R prints 0)
                assert np.isnan(row["se"]) and "single PSU" in row["note"], (key, stat, row.to_dict())
            else:
                np.testing.assert_allclose(row["se"], ref[1], rtol=RTOL, atol=ATOL, err_msg=f"{key} {stat} {name} {suffix(row)}")
            checked += 1
    return t, checked


@pytest.mark.parametrize("key", [*DESIGNS, "strat_clus:poststratified"])
def test_domain_tables_against_r(key):
    d = make_design(key)
    t, checked = compare(d, key)
    assert checked >= 30
    # the constant domain K: zero variance for y, and only for K (issue 16: one constant domain
    # set se = 0 for every domain of the variable)
    m = t["mean"].set_index(["variable", "dom"])
    assert m.loc[("y", "K"), "se"] == 0 or m.loc[("y", "K"), "se"] < 1e-12
    for dom in ("A", "B", "C"):
        assert m.loc[("y", dom), "se"] > 0.01, (key, dom)


def test_by_two_columns_against_r():
    key = "strat_clus:by_sex"
    d = make_design("strat_clus")
    _, checked = compare(d, key, by=["dom", "sex"], suffix=lambda row: f"{row['dom']}:{row['sex']}")
    assert checked >= 60


def test_one_constant_domain_leaves_the_others_their_se():
    # issue 16's example: four domains, one all zeros; R svyby(~y, ~dom, des, svymean) gives every
    # other domain its own positive SE. Closed form here (element sampling, equal weights, no
    # strata; each row its own PSU): Var = n/(n-1) * sum_i (z_i - zbar)^2, with the linearised
    # score z_i = (y_i - ybar_d)/n_d inside domain d and 0 outside (Lumley 2010, section 2.3).
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"dom": np.repeat(list("abcd"), 25), "y": rng.integers(0, 2, 100).astype(float)})
    df.loc[df["dom"] == "d", "y"] = 0.0
    d = SurveyDesign(df.assign(w=1.0), weights="w")
    t = d.mean("y", by="dom").set_index("dom")
    n = len(df)
    for dom in "abc":
        y = df["y"].where(df["dom"] == dom)
        nd = int((df["dom"] == dom).sum())
        z = ((y - y.mean()) / nd).fillna(0.0).to_numpy()
        expected = np.sqrt(n / (n - 1) * ((z - z.mean()) ** 2).sum())
        assert t.loc[dom, "se"] == pytest.approx(expected, rel=1e-12)
        assert t.loc[dom, "se"] > 0.05
    assert t.loc["d", "se"] == 0.0


# ------------------------------------------------------------------------------------------------
# the sparse variance engine ((PSU, column) pairs) gives the dense engine's numbers
# ------------------------------------------------------------------------------------------------
def _both_engines(monkeypatch, make, calls):
    """Each call's table from the sparse engine and from the dense one (design._SPARSE False)."""
    out = []
    monkeypatch.setattr(design_module, "_DENSE_CELLS", 0)  # small tables too: the sparse engine itself
    for sparse in (True, False):
        monkeypatch.setattr(design_module, "_SPARSE", sparse)
        d = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EstimationWarning)
            out.append([call(d) for call in calls])
    return out


def _same_tables(sparse, dense):
    for a, b in zip(sparse, dense):
        assert list(a.columns) == list(b.columns)
        for col in ("estimate", "se", "ci_low", "ci_high", "deff", "df"):
            np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float), rtol=1e-10, atol=1e-13,
                                       err_msg=col)
        assert a["note"].tolist() == b["note"].tolist()
        assert a["n"].tolist() == b["n"].tolist()


ENGINE_CALLS = [
    lambda d: d.mean(["y", "x"], by="dom", na_rm=True),
    lambda d: d.mean(["y", "x"], na_rm=True),
    lambda d: d.total(["y", "x"], by=["dom", "sex"], na_rm=True),
    lambda d: d.ratio("y", "x", by="dom", na_rm=True),
    lambda d: d.proportion(["b", "sex"], by="dom", na_rm=True),
    lambda d: d.proportion("b", na_rm=True, method="korn-graubard"),
    lambda d: d.subset(d.data["sex"] == "f").mean(["y", "x"], by="dom", na_rm=True),
    lambda d: d.subset(d.data["dom"] != "A").proportion("b", by="sex", na_rm=True),
]


@pytest.mark.parametrize("key", [*DESIGNS, "strat_clus:poststratified", "lonely:fpc"])
def test_sparse_engine_equals_dense_engine(monkeypatch, key):
    def make():
        if key == "lonely:fpc":  # a lonely stratum that an fpc makes a certainty stratum
            df = load("lonely").assign(fpc1=lambda t: t.groupby("stratum")["psu"].transform("nunique") + 3)
            df.loc[df["stratum"] == df["stratum"].iloc[0], "fpc1"] = 1.0
            return SurveyDesign(df, psu="psu", strata="stratum", weights="w", fpc="fpc1", lonely_psu="adjust")
        return make_design(key)

    sparse, dense = _both_engines(monkeypatch, make, ENGINE_CALLS)
    _same_tables(sparse, dense)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sparse_engine_equals_dense_engine_on_nested_domains(monkeypatch, seed):
    # districts holding a few PSUs each (most of the PSU x domain table is empty), string ids,
    # two stages with fpc at both, single-SSU PSUs and a lonely stratum (lonely_psu="adjust")
    rng = np.random.default_rng(seed)
    npsu = 60
    psu = rng.integers(0, npsu, size=3000)
    stratum = psu // 7  # the last stratum holds 4 PSUs
    data = pd.DataFrame({
        "stratum": [f"s{h}" for h in stratum],
        "psu": [f"p{j}" for j in psu],
        "ssu": rng.integers(0, 4, size=len(psu)),
        "district": [f"d{j // 3}" for j in psu],
        "sex": rng.choice(["f", "m"], size=len(psu)),
        "w": rng.uniform(1, 5, size=len(psu)),
        "y": rng.normal(10, 3, size=len(psu)) + psu % 5,
        "x": rng.uniform(1, 3, size=len(psu)),
        "b": rng.choice(["no", "yes", "dk"], size=len(psu)),
    })
    data.loc[data["psu"] == "p59", "ssu"] = 0  # a PSU with a single SSU
    data.loc[rng.random(len(data)) < 0.05, "y"] = np.nan
    data["fpc1"] = data.groupby("stratum")["psu"].transform("nunique") * 2
    data["fpc2"] = 10
    calls = [
        lambda d: d.mean(["y", "x"], by=["district", "sex"], na_rm=True),
        lambda d: d.proportion("b", by="district"),
        lambda d: d.ratio("y", "x", by="district", na_rm=True),
        lambda d: d.subset(d.data["sex"] == "m").total("x", by="district"),
    ]
    for kw in (
        dict(psu="psu", strata="stratum", weights="w"),
        dict(psu="psu", strata="stratum", weights="w", fpc="fpc1"),
        dict(psu=["psu", "ssu"], strata="stratum", fpc=["fpc1", "fpc2"], lonely_psu="adjust"),
        dict(psu=["psu", "ssu"], strata="stratum", fpc=["fpc1", "fpc2"], lonely_psu="average"),
    ):
        sparse, dense = _both_engines(monkeypatch, lambda kw=kw: SurveyDesign(data, **kw), calls)
        _same_tables(sparse, dense)


def test_sparse_engine_names_the_same_lonely_strata(monkeypatch):
    messages = []
    for sparse in (True, False):
        monkeypatch.setattr(design_module, "_SPARSE", sparse)
        d = SurveyDesign(load("lonely"), psu="psu", strata="stratum", weights="w")
        with pytest.raises(LonelyPSUError) as err:
            d.mean(["y", "x"], by="dom", na_rm=True)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
