"""The benchmark suite: every path users wait for, timed with pytest-benchmark, one result file per run.

Run it with ``benchmarks/run.py`` (see benchmarks/README.md): results are saved under
``benchmarks/results/`` named by commit, and each run is compared with the previous one, failing
when a path got slower by more than the threshold. Sizes: ``CAMPAIGN_ME_BENCH_ROWS`` (default
1,000,000 rows). Each path runs ``ROUNDS`` times after one warm-up; pytest-benchmark reports the
min (the number to compare on a shared machine), median and max. Correctness is the test suite's
job (against R); the paths here are only checked to return what they should.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from bench_estimators import FORMULA, floor_mean6
from bench_paths import OUTCOMES, make_data, margins

from campaign_me import SurveyDesign, rake
from campaign_me.regression import regress

ROWS = int(os.environ.get("CAMPAIGN_ME_BENCH_ROWS", "1000000"))
ROUNDS = int(os.environ.get("CAMPAIGN_ME_BENCH_ROUNDS", "5"))


@pytest.fixture(scope="session")
def data():
    return make_data(ROWS)


@pytest.fixture(scope="session")
def design(data):
    return SurveyDesign(data, strata="stratum_s", psu="psu_s", weights="weight", nest=True)


@pytest.fixture(scope="session")
def two_stage(data):
    return SurveyDesign(
        data, strata="stratum_s", psu=["psu_s", "ssu"], fpc=["fpc1", "fpc2"], nest=True, lonely_psu="adjust"
    )


@pytest.fixture(scope="session")
def raked(data, design):
    return rake(design, margins(data), tol=1e-10)


def run(benchmark, fn):
    benchmark.extra_info["rows"] = ROWS
    benchmark.extra_info["load_average"] = round(os.getloadavg()[0], 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # domain tables may warn about rows without an SE; not timed here
        return benchmark.pedantic(fn, rounds=ROUNDS, iterations=1, warmup_rounds=1)


# --- designs -----------------------------------------------------------------------------------
def test_design_nest_string_ids(benchmark, data):
    run(benchmark, lambda: SurveyDesign(data, strata="stratum_s", psu="psu_s", weights="weight", nest=True))


def test_design_two_stage(benchmark, data):
    run(benchmark, lambda: SurveyDesign(
        data, strata="stratum_s", psu=["psu_s", "ssu"], fpc=["fpc1", "fpc2"], nest=True, lonely_psu="adjust"
    ))


# --- simple estimators, and the numpy floor they are measured against -------------------------
def test_floor_mean6_numpy(benchmark, data, design):
    out = run(benchmark, floor_mean6(data, design))
    assert out.shape == (6, 2)


def test_mean6(benchmark, design):
    assert len(run(benchmark, lambda: design.mean(OUTCOMES))) == 6


def test_total6(benchmark, design):
    assert len(run(benchmark, lambda: design.total(OUTCOMES))) == 6


def test_ratio(benchmark, design):
    assert len(run(benchmark, lambda: design.ratio("y1", "y3"))) == 1


def test_proportion(benchmark, design):
    assert len(run(benchmark, lambda: design.proportion("y2"))) == 1


def test_mean6_by_region(benchmark, design):
    assert len(run(benchmark, lambda: design.mean(OUTCOMES, by="region"))) == 24


# --- wide tables --------------------------------------------------------------------------------
def test_mean6_by_region_age(benchmark, design):
    assert len(run(benchmark, lambda: design.mean(OUTCOMES, by=["region", "agegroup"]))) == 120


def test_mean_by_200_districts(benchmark, design):
    assert len(run(benchmark, lambda: design.mean("y1", by="district"))) == 200


def test_proportion_200_levels(benchmark, design):
    assert len(run(benchmark, lambda: design.proportion("answer"))) == 200


def test_two_stage_mean6(benchmark, two_stage):
    assert len(run(benchmark, lambda: two_stage.mean(OUTCOMES))) == 6


def test_rake(benchmark, data, design):
    run(benchmark, lambda: rake(design, margins(data), tol=1e-10))


def test_mean6_after_rake(benchmark, raked):
    assert len(run(benchmark, lambda: raked.mean(OUTCOMES))) == 6


# --- regression -------------------------------------------------------------------------------
def test_logistic_factor_and_covariate(benchmark, design):
    fit = run(benchmark, lambda: regress(design, FORMULA, family="logistic", df=np.inf))
    assert len(fit.terms) == 5


def test_linear_factor_and_covariate(benchmark, design):
    fit = run(benchmark, lambda: regress(design, "y1 ~ C(region) + y3"))
    assert len(fit.terms) == 5


# --- indicator tables -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def indicator_survey():
    from bench_indicators import SAMPLES, make_design

    import campaign_me as cm
    from campaign_me.indicators import load_catalogue

    cb = cm.Codebook.from_yaml(SAMPLES / "codebook.yaml")
    return make_design("baseline", ROWS, cb), load_catalogue(codebook=cb), cb


def test_indicators_by_district_sex(benchmark, indicator_survey):
    from campaign_me.indicators import compute_indicators

    d, cat, cb = indicator_survey
    out = run(benchmark, lambda: compute_indicators(d, cat, codebook=cb, by=["district", "sex"]))
    assert len(out) == len(cat) * 48
