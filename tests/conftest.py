import warnings
from pathlib import Path

import pytest

from campaign_me.datasets import load_api

# Test modules that execute notebooks in kernels (papermill, nbval) or start report runs in other
# processes: most of the suite's time. `pytest -m "not slow"` leaves them out for the quick loop;
# CI and `pytest` run everything.
KERNEL_MODULES = {"test_notebooks.py", "test_report.py"}
SLOW_MODULES = {
    "test_notebooks.py": "executes notebooks in kernels",
    "test_report.py": "runs country reports in kernels",
    # integration-level: the report life cycle with faults injected (runs killed in subprocesses)
    "test_report_faults.py": "report runs with faults injected, some killed in other processes",
    # integration-level: one's own survey from the form to the report, through the command line
    "test_cli_own_survey.py": "one's own survey end to end through the command line",
}

# Single tests that are integration-level or Monte Carlo checks, each several seconds on a 2-core
# machine: the quick loop (under 2 minutes) leaves them out, CI runs them. A node id prefix covers
# every parametrisation of the test.
SLOW_TESTS = {
    # Monte Carlo: inclusion frequencies over thousands of repeated draws compared with the design's
    # inclusion probabilities
    "tests/test_sampling.py::test_srs_inclusion_frequencies": "Monte Carlo over repeated samples",
    "tests/test_sampling.py::test_systematic_inclusion_frequencies": "Monte Carlo over repeated samples",
    "tests/test_sampling.py::test_stratified_inclusion_frequencies": "Monte Carlo over repeated samples",
    "tests/test_sampling.py::test_pps_inclusion_frequencies": "Monte Carlo over repeated samples",
    "tests/test_sampling.py::test_pps_strata_inclusion_frequencies": "Monte Carlo over repeated samples",
    "tests/test_sampling.py::test_two_stage_inclusion_frequencies_and_unbiased_total": (
        "Monte Carlo over repeated samples"
    ),
    "tests/test_sampling.py::test_assign_frequencies_match_probabilities": (
        "Monte Carlo over repeated assignments"
    ),
    # the whole simulated world regenerated and compared byte for byte
    "tests/test_synth.py::test_same_seed_same_bytes": "regenerates the simulated world twice",
    "tests/test_synth.py::test_committed_samples_are_what_the_generator_writes": (
        "regenerates the simulated world"
    ),
    "tests/test_synth.py::test_kobo_export_is_byte_reproducible": "regenerates the Kobo export twice",
    # the command line end to end on the whole simulated world
    "tests/test_cli.py::test_demo_prints_real_estimates": "the demo end to end on all three countries",
    "tests/test_cli.py::test_synth_writes_reproducible_files": "regenerates the simulated world",
    "tests/test_cli.py::TestSynth::test_force_replaces_and_a_synth_folder_is_rewritten": (
        "regenerates the simulated world"
    ),
    "tests/test_cli.py::TestSynth::test_hand_written_files_survive_regeneration": (
        "regenerates the simulated world"
    ),
    # the ODK reference converter (pyxform) on written forms, and answers round-tripped through them
    "tests/test_form.py::test_round_trip_answers_validate_and_load_with_the_written_codebook": (
        "forms written, converted and answered end to end"
    ),
    "tests/test_form.py::test_odk_validate_accepts_the_form": "the ODK reference converter",
    # large generated files read by every reader path
    "tests/test_intake_blocks.py::test_line_numbers_survive_block_boundaries": (
        "a large generated file read in blocks"
    ),
    "tests/test_intake_blocks.py::test_random_quoting_reads_alike": (
        "random files read by both readers, many seeds"
    ),
    "tests/test_intake_speed_paths.py::test_corpus_read_in_parts": "the test corpus read in parts on threads",
    "tests/test_intake_speed_paths.py::test_planted_problems_read_in_parts": (
        "a generated file read in parts on threads"
    ),
}


# Random property checks swept over many seeds: the quick loop runs the first few seeds.
SEED_SWEEPS = {"tests/test_intake_speed_paths.py::test_select_multiple_matches_the_per_row_reference": 3}

# A check repeated on each sample country runs on Aroland in the quick loop; the same check on the
# other two countries (a test parametrised by country) runs in CI.
OTHER_COUNTRIES = {"belmora", "corvia"}


def _slow_reason(item: pytest.Item, path: Path) -> str | None:
    if path.name in SLOW_MODULES:
        return SLOW_MODULES[path.name]
    if path.suffix == ".ipynb":
        return "executes the notebook in a kernel"
    if item.get_closest_marker("kernel"):
        return "starts a Jupyter kernel or another process"
    nodeid = item.nodeid.replace("\\", "/")
    params = nodeid.rsplit("[", 1)[1].rstrip("]").split("-") if nodeid.endswith("]") else []
    if path.parent.name == "tests" and OTHER_COUNTRIES.intersection(params):
        return "the same check on another sample country (Aroland's runs in the quick loop)"
    seeds = SEED_SWEEPS.get(nodeid.split("[", 1)[0])
    callspec = getattr(item, "callspec", None)
    if seeds is not None and callspec is not None and callspec.params.get("seed", 0) >= seeds:
        return f"another seed of the same random check (seeds 0-{seeds - 1} run in the quick loop)"
    for prefix, reason in SLOW_TESTS.items():
        if nodeid == prefix or nodeid.startswith((prefix + "[", prefix + "::")):
            return reason
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        reason = _slow_reason(item, path)
        if reason is not None:
            item.add_marker(pytest.mark.slow(reason=reason))
        # `-m "not kernel"` leaves out only what starts kernels (notebooks, reports): a CI leg that
        # must not start them still runs the other slow tests
        if path.name in KERNEL_MODULES or path.suffix == ".ipynb":
            item.add_marker(pytest.mark.kernel)


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
