"""The campaign-me command line, run in-process."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_demo_prints_real_estimates(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    # independent check of one line: weighted means of the committed sample files (numpy, not the library)
    cells = {}
    for round_ in ("baseline", "endline"):
        df = pd.read_csv(ROOT / "data" / "samples" / "aroland" / f"survey_{round_}.csv")
        for area in (0, 1):
            m = df[df["campaign"] == area]
            cells[round_, area] = 100 * np.average(m["risk_aware"], weights=m["weight"])
    did = (cells["endline", 1] - cells["baseline", 1]) - (cells["endline", 0] - cells["baseline", 0])
    line = next(x for x in out.splitlines() if "high-risk" in x)  # Aroland comes first
    assert f"{cells['baseline', 0]:.1f}" in line and f"{cells['endline', 1]:.1f}" in line
    assert f"{did:+6.1f} [" in line
    assert line.rstrip().endswith("+8.0")  # planted ITT for Aroland (truth.json)


def test_validate_exit_codes(capsys):
    bad = ROOT / "tests" / "data" / "bad" / "duplicate_ids.csv"
    assert main(["validate", str(bad), "--codebook", str(ROOT / "tests" / "data" / "good" / "codebook.yaml")]) == 1
    out = capsys.readouterr().out
    assert "duplicate_id" in out and "4, 6" in out
    good = ROOT / "data" / "samples" / "corvia" / "survey_endline.csv"
    assert main(["validate", str(good), "--codebook", str(ROOT / "data" / "samples" / "codebook.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


def test_synth_writes_reproducible_files(tmp_path, capsys):
    assert main(["synth", "--seed", "5", "--out", str(tmp_path / "a"), "--country", "corvia"]) == 0
    assert main(["synth", "--seed", "5", "--out", str(tmp_path / "b"), "--country", "corvia"]) == 0
    assert "seed 5" in capsys.readouterr().out
    a = (tmp_path / "a" / "corvia" / "survey_baseline.csv").read_bytes()
    assert a == (tmp_path / "b" / "corvia" / "survey_baseline.csv").read_bytes()


def test_sample_size(capsys):
    # METHODOLOGY §5.3: p=0.5, e=0.05, DEFF 1.7, 90% response -> 726 interviews
    assert main(["sample-size", "--p", "0.5", "--margin", "0.05", "--deff", "1.7", "--response-rate", "0.9"]) == 0
    assert capsys.readouterr().out.startswith("726 interviews")
    # METHODOLOGY §5.4: 30% vs 40%, power 0.8 -> 356 per group
    assert main(["sample-size", "--p", "0.3", "--p2", "0.4"]) == 0
    assert capsys.readouterr().out.startswith("356 per group")


def test_errors_are_reported_not_raised(capsys):
    assert main(["sample-size", "--p", "1.5"]) == 2
    assert "error" in capsys.readouterr().err


def test_unknown_subcommand():
    with pytest.raises(SystemExit):
        main(["nope"])
