"""What the documentation says a source or a convention gives, the code gives too.

- The planning ICC of docs/methodology.md §5.3 (0.05) is the default of every function that takes an
  ICC, and ``design_effect`` with it is Kish's closed form 1 + (m - 1) * ICC.
- ANCOVA against DiD and against the endline comparison, as McKenzie (2012) gives them for one
  baseline and one follow-up: variance ratios (1 + rho) / 2 and 1 - rho^2.
- Wordings a source review removed (a claim that went further than its source) do not come back.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from pytest import approx

from campaign_me.diagnose import CampaignDesign
from campaign_me.errors import PowerError
from campaign_me.power import (
    clusters_per_arm,
    design_effect,
    sample_size_did,
    sample_size_two_proportions,
)

ROOT = Path(__file__).resolve().parents[1]
METHODOLOGY = ROOT / "docs" / "methodology.md"

PLANNING_ICC = 0.05


# ---------------------------------------------------------------------------- the planning ICC
def test_methodology_states_the_planning_icc_the_code_uses():
    text = " ".join(METHODOLOGY.read_text(encoding="utf-8").split())
    m = re.search(r"planning default is \*\*([0-9.]+)\*\* for individual knowledge and attitude items", text)
    assert m, "docs/methodology.md §5.3 no longer states the planning ICC"
    assert float(m.group(1)) == PLANNING_ICC


def test_every_icc_default_is_the_planning_convention():
    assert inspect.signature(design_effect).parameters["icc"].default == PLANNING_ICC
    assert inspect.signature(clusters_per_arm).parameters["icc"].default == PLANNING_ICC
    assert CampaignDesign().icc == PLANNING_ICC


@pytest.mark.parametrize("m", [1, 2, 15, 20, 37.5])
def test_design_effect_default_is_kish_closed_form(m):
    # 1 + (m - 1) * 0.05: m = 15 gives 1.70, m = 20 gives 1.95 (docs/methodology.md §5.3, §5.6)
    expected = 1 + (m - 1) * 0.05
    assert design_effect(cluster_size=m) == approx(expected)
    assert design_effect(cluster_size=m) == design_effect(0.05, m)


def test_design_effect_default_with_unequal_clusters():
    # Eldridge, Ashby & Kerry (2006): 1 + ((cv^2 + 1) m - 1) * icc = 1 + (1.25 * 20 - 1) * 0.05 = 2.2
    assert design_effect(cluster_size=20, cv=0.5) == approx(2.2)


def test_design_effect_still_needs_the_cluster_size():
    with pytest.raises(PowerError, match="design_effect needs cluster_size"):
        design_effect()
    with pytest.raises(PowerError, match="design_effect needs cluster_size"):
        design_effect(0.05)


def test_clusters_per_arm_default_icc_is_the_closed_form():
    # n_ind * (1 + (m - 1) * 0.05) / m with n_ind the unrounded two-proportion size (355.94...):
    # 34.70 -> 35 clusters per arm (docs/methodology.md §5.6)
    n_ind = sample_size_two_proportions(0.3, 0.4, exact=True)
    for m in (10, 20, 40):
        got = clusters_per_arm(0.3, 0.4, m, exact=True)
        assert got == approx(n_ind * (1 + (m - 1) * 0.05) / m)
        assert got == clusters_per_arm(0.3, 0.4, m, icc=0.05, exact=True)
    assert clusters_per_arm(0.3, 0.4, 20) == 35


def test_hayes_bennett_leaves_the_default_icc_alone():
    # k replaces the ICC; leaving icc at its default is not a conflict, another value is
    assert clusters_per_arm(0.3, 0.4, 20, k=0.25, method="hayes-bennett") == 31
    with pytest.raises(PowerError, match=r"icc=0\.2 is used by method='deff' only"):
        clusters_per_arm(0.3, 0.4, 20, icc=0.2, k=0.25, method="hayes-bennett")


# ---------------------------------------------------------------------------- ANCOVA (McKenzie 2012)
@pytest.mark.parametrize("rho", [-0.5, 0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
def test_ancova_against_did_and_endline(rho):
    n_post = sample_size_two_proportions(0.3, 0.4, exact=True)
    ancova = sample_size_did(n_post=n_post, design="ancova", rho=rho, exact=True)
    did = sample_size_did(n_post=n_post, design="panel", rho=rho, exact=True)
    # variance ratios with one baseline and one follow-up (equal variances in both rounds)
    assert ancova / did == approx((1 + rho) / 2)
    assert ancova / n_post == approx(1 - rho**2)
    # never worse than either, strictly better than DiD for any rho < 1
    assert ancova < did
    assert ancova <= n_post * (1 + 1e-12)


def test_ancova_gains_most_over_did_at_low_rho_and_over_endline_at_high_rho():
    n_post = 100.0
    rhos = [0.1, 0.5, 0.9]
    over_did = [
        sample_size_did(n_post=n_post, design="panel", rho=r, exact=True)
        - sample_size_did(n_post=n_post, design="ancova", rho=r, exact=True)
        for r in rhos
    ]
    over_endline = [n_post - sample_size_did(n_post=n_post, design="ancova", rho=r, exact=True) for r in rhos]
    assert over_did == sorted(over_did, reverse=True)
    assert over_endline == sorted(over_endline)
    # at rho = 0 ANCOVA needs half DiD's sample (docs/methodology.md §4)
    assert sample_size_did(n_post=n_post, design="ancova", rho=0.0, exact=True) == approx(
        0.5 * sample_size_did(n_post=n_post, design="panel", rho=0.0, exact=True)
    )


# ---------------------------------------------------------------------------- wordings removed
def _files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for folder in ("campaign_me", "notebooks"):
        files += [
            p
            for p in sorted((ROOT / folder).rglob("*"))
            if p.is_file() and p.suffix in {".py", ".md", ".yaml", ".ipynb"} and "__pycache__" not in p.parts
        ]
    return files


REMOVED = [
    # Janjua et al. measured one survey of injection use in Pakistan, not "developing-country surveys"
    "developing-country household surveys",
    # not in the UN-REDD sources we could read; the survey was run in 2022
    "7 to 73",
    "UN-REDD 2023",
    "UN-REDD (2023)",
    # Salazar's elements are cited through their published tabulation
    "Salazar's pretest criteria",
    # McKenzie (2012): equal to the endline comparison at rho = 0; better than DiD for rho < 1
    "whenever the outcome's autocorrelation is below one",
    "autocorrelation is below one",
]


@pytest.mark.parametrize("phrase", REMOVED)
def test_overreaching_wordings_do_not_come_back(phrase):
    hits = []
    for path in _files():
        text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())
        if phrase.lower() in text.lower():
            hits.append(path.relative_to(ROOT).as_posix())
    assert not hits, f"{phrase!r} is back in {hits}"


def test_janjua_is_cited_for_what_it_measured():
    # wherever Janjua, Khan & Clemens (2006) is cited, the text says it was a survey of injection use
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for para in re.split(r"\n\s*\n", text):
            if "Janjua" in para and "Estimates of intraclass correlation" not in para:
                flat = " ".join(para.split())
                assert "injection" in flat, f"{path.relative_to(ROOT)} cites Janjua et al. without saying what it measured"
