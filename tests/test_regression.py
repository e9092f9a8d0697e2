"""Design-based regression against R survey's svyglm (tests/reference/regression.R)."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me import SurveyDesign, load_survey
from campaign_me.datasets import load_api
from campaign_me.errors import DataError, DesignError
from campaign_me.evaluation import combine_rounds
from campaign_me.regression import REGRESSION_COLUMNS, regress
from tests.reference.regression_reference import R_SVYGLM

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
TOL = 1e-6


def _norm(term: str) -> str:
    """R and patsy spell terms differently: '(Intercept)'/'Intercept', 'stypeH'/'stype[T.H]'."""
    term = term.replace("(Intercept)", "Intercept")
    term = re.sub(r"Q\('([^']*)'\)", r"\1", term)
    term = re.sub(r"C\(([^)]*)\)", r"\1", term)
    return term.replace("[T.", "").replace("]", "")


def _check(fit, key):
    ref = R_SVYGLM[key]
    frame = fit.to_frame().assign(term=lambda f: f["term"].map(_norm)).set_index("term")
    terms = [_norm(t) for t in ref["terms"]]
    assert sorted(frame.index) == sorted(terms)
    frame = frame.loc[terms]
    np.testing.assert_allclose(frame["estimate"], ref["estimate"], rtol=TOL, atol=TOL)
    np.testing.assert_allclose(frame["se"], ref["se"], rtol=TOL, atol=TOL)
    # p-values of large t statistics magnify the last digits of R's IRLS convergence (epsilon 1e-8)
    np.testing.assert_allclose(frame["p_value"], ref["p_value"], rtol=1e-4, atol=1e-12)
    assert fit.df == ref["df"]


@pytest.fixture(scope="module")
def api():
    clus1 = load_api("apiclus1")
    clus1["schwide"] = (clus1["sch.wide"] == "Yes").astype(int)
    strat = load_api("apistrat")
    strat["awards_yes"] = (strat["awards"] == "Yes").astype(int)
    return {
        "clus1": SurveyDesign(clus1, psu="dnum", weights="pw", fpc="fpc"),
        "strat": SurveyDesign(strat, strata="stype", weights="pw", fpc="fpc"),
        "clus2": SurveyDesign(load_api("apiclus2"), psu=["dnum", "snum"], fpc=["fpc1", "fpc2"]),
    }


@pytest.mark.parametrize(
    ("design", "formula", "family", "key"),
    [
        ("clus1", "api00 ~ ell + meals + mobility", "linear", "clus1:api00~ell+meals+mobility"),
        ("strat", "api00 ~ ell + meals + stype", "linear", "strat:api00~ell+meals+stype"),
        ("clus2", "api00 ~ ell + meals", "linear", "clus2:api00~ell+meals"),
        ("clus1", "api00 ~ ell + Q('avg.ed')", "linear", "clus1:api00~ell+avg.ed"),
        ("clus1", "schwide ~ ell + meals", "logistic", "clus1:logit:schwide~ell+meals"),
        ("strat", "awards_yes ~ ell + stype", "logistic", "strat:logit:awards~ell+stype"),
    ],
)
def test_equals_svyglm_on_api(api, design, formula, family, key):
    # R: see the call commented above each value in tests/reference/regression_reference.py
    _check(regress(api[design], formula, family=family), key)


def test_domain_fit_keeps_full_design(api):
    d = api["clus1"]
    fit = regress(d.subset(d.data["stype"] == "E"), "api00 ~ ell + meals")
    _check(fit, "clus1:subset_E:api00~ell+meals")  # svyglm(..., subset(dclus1, stype == 'E'))
    # where the domain misses whole PSUs, a pre-filtered data frame gives other (wrong) standard errors
    m = d.data["stype"] == "M"
    kept = regress(d.subset(m), "api00 ~ ell")
    naive = regress(SurveyDesign(d.data[m], psu="dnum", weights="pw", fpc="fpc"), "api00 ~ ell")
    np.testing.assert_allclose(naive.params, kept.params)
    assert not np.allclose(naive.se, kept.se, rtol=1e-3)


def test_calibrated_designs_equal_svyglm(api):
    from campaign_me.weighting import poststratify, rake

    d = api["clus1"]
    raked = rake(d, {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}})
    _check(regress(raked, "api00 ~ ell + meals"), "clus1:raked:api00~ell+meals")
    ps = poststratify(d, "stype", {"E": 4421, "H": 755, "M": 1018})
    _check(regress(ps, "schwide ~ ell", family="logistic"), "clus1:poststrat:logit:schwide~ell")


def test_column_interface_equals_formula(api):
    a = regress(api["strat"], outcome="api00", covariates=["ell", "meals", "stype"]).to_frame()
    b = regress(api["strat"], "api00 ~ ell + meals + C(stype)").to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert tuple(a.columns) == REGRESSION_COLUMNS


def test_logistic_has_odds_ratios(api):
    f = regress(api["clus1"], "schwide ~ ell + meals", family="logistic").to_frame()
    np.testing.assert_allclose(f["odds_ratio"], np.exp(f["estimate"]))
    assert (f["or_ci_low"] < f["odds_ratio"]).all() and (f["odds_ratio"] < f["or_ci_high"]).all()


@pytest.fixture(scope="module")
def stacked():
    out = {}
    for country in ("aroland", "belmora", "corvia"):
        rounds = [
            load_survey(SAMPLES / country / f"survey_{r}.csv", SAMPLES / "codebook.yaml").assign(
                treated=lambda f: f["campaign"].astype(int)
            )
            for r in ("baseline", "endline")
        ]
        out[country] = combine_rounds(*rounds, weights="weight", strata="stratum", psu="psu")
    return out


@pytest.mark.parametrize("country", ["aroland", "belmora", "corvia"])
def test_equals_svyglm_on_sample_surveys(stacked, country):
    d = stacked[country]
    for y in ("risk_aware", "intend_irregular", "risk_perception"):
        _check(regress(d, f"{y} ~ treated * post"), f"{country}:did:{y}")
    _check(regress(d, "risk_aware ~ treated * post + urban + sex + age_group"), f"{country}:did_cov:risk_aware")
    _check(regress(d, "risk_aware ~ treated * post", family="logistic"), f"{country}:logit:risk_aware")


def test_contrast_and_summary(api):
    fit = regress(api["clus1"], "api00 ~ ell + meals")
    est, se = fit.contrast({"ell": 1, "meals": -1})
    assert est == pytest.approx(fit.params[1] - fit.params[2])
    c = np.array([0, 1, -1])
    assert se == pytest.approx(np.sqrt(c @ fit.cov @ c))
    assert "design-based" in fit.summary() and "meals" in fit.summary()


def test_errors_name_the_problem(api):
    d = api["clus1"]
    data = d.data.assign(const=1.0, ell2=2 * d.data["ell"])
    dd = SurveyDesign(data, psu="dnum", weights="pw", fpc="fpc")
    with pytest.raises(DataError, match="'const' is constant"):
        regress(dd, "api00 ~ ell + const")
    with pytest.raises(DataError, match="collinear"):
        regress(dd, "api00 ~ ell + ell2")
    with pytest.raises(DataError, match="must be 0/1"):
        regress(dd, "api00 ~ ell", family="logistic")
    with pytest.raises(DataError, match="could not be evaluated"):
        regress(dd, "api00 ~ nosuchcolumn")
    with pytest.raises(DataError, match="family"):
        regress(dd, "api00 ~ ell", family="poisson")
    with pytest.raises(DataError, match="formula or outcome"):
        regress(dd, "api00 ~ ell", outcome="api00")
    with pytest.raises(DataError, match="separation"):
        regress(dd, "schwide ~ Q('sch.wide')", family="logistic")
    # 15 PSUs, 14 df: 15 coefficients leave no residual degrees of freedom
    many = " + ".join(["ell", "meals", "mobility", "api99", "growth", "emer", "full", "pcttest", "not.hsg",
                       "hsg", "some.col", "col.grad", "grad.sch", "enroll"])
    many = " + ".join(f"Q('{t}')" for t in many.split(" + "))
    with pytest.raises(DesignError, match="degrees of freedom"):
        regress(dd, f"api00 ~ {many}")


# ------------------------------------------------------------------------------------------------
# the coefficient covariance from one cross-product equals the polarisation of SurveyDesign.total
# ------------------------------------------------------------------------------------------------
def _polarised(design, x, rows):
    """Covariance of the score totals from total() variances of each column and each pairwise sum."""
    n, k = len(design.data), x.shape[1]
    cols = {}
    for i in range(k):
        full = np.zeros(n)
        full[rows] = x[:, i] / design.weights.to_numpy()[rows]
        cols[f"s{i}"] = full
    for i in range(k):
        for j in range(i + 1, k):
            cols[f"s{i}_{j}"] = cols[f"s{i}"] + cols[f"s{j}"]
    used = np.zeros(n, dtype=bool)
    used[rows] = True
    sub = design.subset(pd.Series(used, index=design.data.index)).with_columns(**cols)
    v = dict(zip(cols, sub.total(list(cols), df=np.inf)["se"].to_numpy() ** 2))
    cov = np.diag([v[f"s{i}"] for i in range(k)])
    for i in range(k):
        for j in range(i + 1, k):
            cov[i, j] = cov[j, i] = (v[f"s{i}_{j}"] - v[f"s{i}"] - v[f"s{j}"]) / 2
    return cov


@pytest.mark.parametrize(
    "key", ["strat_clus", "clus_fpc", "lonely:adjust", "lonely:average", "lonely:remove", "two_stage",
            "element", "strat_clus:poststratified"]
)
def test_total_covariance_equals_polarised_totals(key):
    from campaign_me.regression import total_covariance

    from .test_design_domains import make_design

    d = make_design(key)
    rng = np.random.default_rng(7)
    rows = np.flatnonzero((d.data["dom"] != "C").to_numpy() & d.data["y"].notna().to_numpy())
    x = rng.normal(size=(len(rows), 3)) * d.weights.to_numpy()[rows, None]
    got = total_covariance(d, x, rows)
    np.testing.assert_allclose(got, _polarised(d, x, rows), rtol=1e-9, atol=1e-12 * np.abs(got).max())


def test_model_matrix_from_codes_equals_patsy():
    import patsy

    from campaign_me.regression import _formula_frame, _model_matrices

    rng = np.random.default_rng(3)
    n = 500
    data = pd.DataFrame({
        "y": rng.integers(0, 2, size=n).astype(float),
        "x": rng.normal(size=n),
        "region": pd.array(rng.choice(["north", "south", "east", None], size=n), dtype="str"),
        "flag": rng.random(n) < 0.4,
        "k": rng.integers(1, 4, size=n),
        "cat": pd.Categorical(rng.choice(["b", "a", "c"], size=n), categories=["c", "b", "a"]),
    })
    data.loc[rng.random(n) < 0.05, "x"] = np.nan
    for formula in (
        "y ~ C(region) + x",
        "y ~ C(region) * x + flag",
        "y ~ C(region, Treatment('south')) + C(k) + np.log(x ** 2 + 1)",
        "y ~ cat + C(region):flag + I(x * 2)",
        "y ~ center(x) + C(region)",  # stateful: patsy itself
        "y ~ 1",
    ):
        frame = _formula_frame(data, formula)
        env = patsy.EvalEnvironment.capture(0)
        y_df, x_df = patsy.dmatrices(formula, frame, return_type="dataframe", NA_action="drop", eval_env=env)
        # from the text-as-objects frame, and from the data itself (text as sorted categoricals)
        for given in (frame, data):
            y, x, kept, terms = _model_matrices(given, formula, env)
            assert terms == tuple(x_df.columns), formula
            np.testing.assert_array_equal(kept, y_df.index.to_numpy())
            np.testing.assert_allclose(x, x_df.to_numpy(), err_msg=formula)
            np.testing.assert_allclose(y, y_df.to_numpy(), err_msg=formula)


def test_blocked_and_warm_started_fits_equal_svyglm(api, monkeypatch):
    # the million-row path on the API samples: products over the rows in blocks of 7 rows (a
    # ragged last block), and a logistic fit started from a fit on every 4th row; R references as
    # in test_equals_svyglm_on_api
    from campaign_me import regression

    starts = []
    irls = regression._irls

    def spy(y, xt, w, name, start):
        starts.append(start is not None)
        return irls(y, xt, w, name, start)

    monkeypatch.setattr(regression, "_BLOCK", 7)
    monkeypatch.setattr(regression, "_WARM_FROM", 100)
    monkeypatch.setattr(regression, "_WARM_ROWS", 40)
    monkeypatch.setattr(regression, "_irls", spy)
    _check(regress(api["clus1"], "schwide ~ ell + meals", family="logistic"), "clus1:logit:schwide~ell+meals")
    _check(regress(api["strat"], "awards_yes ~ ell + stype", family="logistic"), "strat:logit:awards~ell+stype")
    _check(regress(api["clus1"], "api00 ~ ell + meals + mobility"), "clus1:api00~ell+meals+mobility")
    assert starts.count(True) == 2  # both logistic fits on every row began at the subsample's estimate


def test_large_logistic_recovers_planted_effects(monkeypatch):
    # 250,000 rows (the warm-started path): planted log-odds -1 + 0.5 x + (0, 0.3, -0.4) by region;
    # the estimate is within 4 design SEs of each planted value, and equals the fit from
    # statsmodels' start (no subsample) to 1e-9
    from campaign_me import regression

    rng = np.random.default_rng(20)
    n = 250_000
    psu = rng.integers(0, 400, size=n)
    region = rng.choice(np.array(["a", "b", "c"]), size=n)
    x = rng.normal(size=n)
    eta = -1 + 0.5 * x + np.select([region == "b", region == "c"], [0.3, -0.4], 0.0)
    data = pd.DataFrame({
        "y": (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int),
        "x": x,
        "region": pd.array(region, dtype="str"),
        "psu": psu,
        "stratum": psu // 20,
        "w": rng.uniform(0.5, 2, size=400)[psu],
    })
    d = SurveyDesign(data, strata="stratum", psu="psu", weights="w")
    fit = regress(d, "y ~ C(region) + x", family="logistic")
    assert fit.terms == ("Intercept", "C(region)[T.b]", "C(region)[T.c]", "x")
    assert np.all(np.abs(fit.params - [-1, 0.3, -0.4, 0.5]) < 4 * fit.se)
    monkeypatch.setattr(regression, "_WARM_FROM", 10**12)
    again = regress(d, "y ~ C(region) + x", family="logistic")
    np.testing.assert_allclose(fit.params, again.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.se, again.se, rtol=1e-9)


def test_subsample_start_with_a_separated_category_still_finds_the_estimate(monkeypatch):
    # a rare category has only 1s in the every-5th-row subsample (so its subsample estimate runs
    # off to infinity) but 0s elsewhere: the full fit equals the one from statsmodels' start
    from campaign_me import regression

    rng = np.random.default_rng(5)
    n = 250_000
    group = np.where(np.arange(n) < 60, "rare", rng.choice(np.array(["a", "b"]), size=n))
    y = (rng.random(n) < 0.4).astype(int)
    y[:60] = np.where(np.arange(60) % 5 == 0, 1, np.arange(60) % 2)
    data = pd.DataFrame({"y": y, "g": group, "psu": np.arange(n) % 300, "w": 1.0})
    d = SurveyDesign(data, psu="psu", weights="w")
    warm = regress(d, "y ~ C(g)", family="logistic")
    # and a subsample "estimate" far off (log-odds 40): the fit from it fails, then starts afresh
    irls = regression._irls
    failed = []

    def far(y, xt, w, name, start):
        if len(y) < n:
            return np.full(xt.shape[0], 40.0)
        try:
            return irls(y, xt, w, name, start)
        except DataError:
            failed.append(start is not None)
            raise

    monkeypatch.setattr(regression, "_irls", far)
    far_start = regress(d, "y ~ C(g)", family="logistic")
    assert failed == [True]
    monkeypatch.setattr(regression, "_irls", irls)
    monkeypatch.setattr(regression, "_WARM_FROM", 10**12)
    cold = regress(d, "y ~ C(g)", family="logistic")
    for fit in (warm, far_start):
        np.testing.assert_allclose(fit.params, cold.params, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(fit.se, cold.se, rtol=1e-9)


def test_settings_and_level(api):
    from campaign_me.conventions import Reporting
    from campaign_me.errors import CampaignMeError

    d = api["clus1"]
    base = regress(d, "api00 ~ ell", level=0.9)
    same = regress(d, "api00 ~ ell", settings=Reporting(level=0.9))
    pd.testing.assert_frame_equal(base.to_frame(), same.to_frame())
    assert regress(d, "api00 ~ ell", level=0.8, settings=Reporting(level=0.9)).level == 0.8  # the keyword wins
    assert regress(d, "api00 ~ ell", settings=Reporting(df=np.inf)).df == np.inf
    assert regress(d, "api00 ~ ell", settings=Reporting(df="degf")).df == base.df == 13  # degf 14 + 1 - 2 terms
    assert regress(d, "api00 ~ ell", settings=Reporting(df="design")).df == 14
    assert regress(d, "api00 ~ ell", df=5, settings=Reporting(df=np.inf)).df == 5
    with pytest.raises(DataError, match=r"level=95 .*did you mean 0.95"):
        regress(d, "api00 ~ ell", level=95)
    with pytest.raises(CampaignMeError, match="settings="):
        regress(d, "api00 ~ ell", settings={"level": 0.9})
    with pytest.raises(DataError, match=r"family='logit' is not one of 'linear', 'logistic'"):
        regress(d, "api00 ~ ell", family="logit")
