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
    # docs/methodology.md §5.3: p=0.5, e=0.05, DEFF 1.7, 90% response -> 726 interviews
    assert main(["sample-size", "--p", "0.5", "--margin", "0.05", "--deff", "1.7", "--response-rate", "0.9"]) == 0
    assert capsys.readouterr().out.startswith("726 interviews")
    # docs/methodology.md §5.4: 30% vs 40%, power 0.8 -> 356 per group
    assert main(["sample-size", "--p", "0.3", "--p2", "0.4"]) == 0
    assert capsys.readouterr().out.startswith("356 per group")


def test_errors_are_reported_not_raised(capsys):
    assert main(["sample-size", "--p", "1.5"]) == 2
    assert "error" in capsys.readouterr().err


def test_unknown_subcommand():
    with pytest.raises(SystemExit):
        main(["nope"])


GOOD = ROOT / "tests" / "data" / "good"
BAD = ROOT / "tests" / "data" / "bad"
CB = str(GOOD / "codebook.yaml")


def _run(argv, capsys):
    """(exit status, stdout, stderr) of campaign-me ARGV; argparse's own exits included."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


class TestValidate:
    @pytest.mark.parametrize(
        "argv",
        [
            ["validate", "--codebook", CB, str(GOOD / "survey.csv")],
            ["validate", "-c", CB, str(GOOD / "survey.csv")],
            ["validate", str(GOOD / "survey.csv"), "-c", CB],
        ],
    )
    def test_options_in_any_order(self, argv, capsys):
        code, out, _ = _run(argv, capsys)
        assert code == 0 and out.startswith("survey.csv: OK (8 rows, 18 columns); 2 notes")

    def test_help(self, capsys):
        code, out, _ = _run(["validate", "--help"], capsys)
        assert code == 0 and "--codebook" in out and "--group-sep" in out

    def test_without_codebook_says_what_was_not_checked(self, capsys):
        code, out, _ = _run(["validate", str(ROOT / "data" / "samples" / "corvia" / "survey_endline.csv")], capsys)
        assert code == 0
        assert (
            "survey_endline.csv: OK (" in out
            and "no codebook: only the file's structure and personal data were checked, not types, codes, "
            "ranges, ids or weights (pass --codebook)" in out
        )

    def test_folder_fifo_gzip_utf16_sheet0(self, capsys, tmp_path):
        code, _, err = _run(["validate", str(tmp_path)], capsys)
        assert code == 2 and "is a folder, not a file" in err
        import gzip
        import os

        (tmp_path / "s.csv.gz").write_bytes(gzip.compress((GOOD / "survey.csv").read_bytes()))
        code, out, _ = _run(["validate", str(tmp_path / "s.csv.gz"), "-c", CB], capsys)
        assert code == 1 and "the file is gzip-compressed" in out
        (tmp_path / "u.csv").write_bytes((GOOD / "survey.csv").read_text().encode("utf-16-le"))
        code, out, _ = _run(["validate", str(tmp_path / "u.csv"), "-c", CB], capsys)
        assert code == 1 and "UTF-16 text without a byte-order mark" in out and "encoding='utf-16-le'" in out
        code, out, _ = _run(["validate", str(tmp_path / "u.csv"), "-c", CB, "--encoding", "utf-16-le"], capsys)
        assert code == 0
        code, out, _ = _run(["validate", str(GOOD / "survey.xlsx"), "-c", CB, "--sheet", "0"], capsys)
        assert code == 0 and "survey.xlsx: OK" in out
        if hasattr(os, "mkfifo"):
            os.mkfifo(tmp_path / "pipe.csv")
            code, _, err = _run(["validate", str(tmp_path / "pipe.csv")], capsys)
            assert code == 2 and "is not a regular file (a pipe or a device?)" in err

    def test_escape_codes_not_printed(self, capsys):
        code, out, _ = _run(["validate", str(BAD / "escape_codes.csv"), "-c", CB], capsys)
        assert code == 1 and "\x1b" not in out and "comments\\x1b]0;owned" in out


class TestSynth:
    def test_refuses_a_folder_of_other_files(self, capsys, tmp_path):
        (tmp_path / "codebook.yaml").write_text("dataset: mine\n")
        code, _, err = _run(["synth", "--out", str(tmp_path), "--country", "corvia"], capsys)
        assert code == 2
        assert "is not empty (codebook.yaml) and was not written by campaign-me synth" in err
        assert "pass --force" in err
        assert (tmp_path / "codebook.yaml").read_text() == "dataset: mine\n"  # untouched

    def test_force_replaces_and_a_synth_folder_is_rewritten(self, capsys, tmp_path):
        out = tmp_path / "world"
        out.mkdir()
        (out / "mine.txt").write_text("x")
        assert _run(["synth", "--seed", "3", "--out", str(out), "--country", "corvia", "--force"], capsys)[0] == 0
        first = (out / "corvia" / "survey_baseline.csv").read_bytes()
        assert (out / "mine.txt").exists()  # --country keeps what it does not regenerate
        code, stdout, _ = _run(["synth", "--seed", "4", "--out", str(out), "--country", "corvia"], capsys)
        assert code == 0 and "seed 4" in stdout  # its own earlier output: no --force needed
        assert (out / "corvia" / "survey_baseline.csv").read_bytes() != first
        leftovers = [p.name for p in tmp_path.iterdir() if p.name != "world"]
        assert leftovers == []  # temporary folders removed

    def test_hand_written_files_survive_regeneration(self, capsys, tmp_path):
        out = tmp_path / "world"
        assert _run(["synth", "--seed", "3", "--out", str(out), "--country", "corvia"], capsys)[0] == 0
        (out / "corvia" / "logframe.yaml").write_text("goal: mine\n")  # as data/samples/<country>/logframe.yaml
        assert _run(["synth", "--seed", "4", "--out", str(out)], capsys)[0] == 0
        assert (out / "corvia" / "logframe.yaml").read_text() == "goal: mine\n"
        assert (out / "aroland" / "survey_endline.csv").is_file()

    def test_out_is_a_file(self, capsys, tmp_path):
        (tmp_path / "f").write_text("x")
        code, _, err = _run(["synth", "--out", str(tmp_path / "f")], capsys)
        assert code == 2 and "is a file, not a folder" in err

    def test_interrupted_run_leaves_nothing(self, capsys, tmp_path, monkeypatch):
        import campaign_me.synth as synth

        def boom(out, **kwargs):
            (Path(out) / "codebook.yaml").write_text("half")
            raise KeyboardInterrupt

        monkeypatch.setattr(synth, "generate", boom)
        with pytest.raises(KeyboardInterrupt):
            main(["synth", "--out", str(tmp_path / "w")])
        assert list(tmp_path.iterdir()) == []


class TestSampleSize:
    def test_restates_what_it_used(self, capsys):
        # power.sample_size_proportion: 1.96^2 * 0.25 / 0.05^2 = 384.1 -> 385; x 1.7 / 0.9 -> 726 (test above)
        code, out, _ = _run(["sample-size", "--deff", "1.7", "--response-rate", "0.9"], capsys)
        assert out.strip() == (
            "726 interviews to estimate p=0.5 within +/-0.05 at 95% confidence (design effect 1.7, response rate 90%)"
        )

    def test_two_groups_apply_response_rate(self, capsys):
        # 356 per group at 30% vs 40% (power.prop.test in R: 355.4 -> 356), divided by a 50% response rate
        code, out, _ = _run(["sample-size", "--p", "0.3", "--p2", "0.4", "--response-rate", "0.5"], capsys)
        assert code == 0 and out.startswith("712 per group to detect 0.3 vs 0.4 with power 0.8 at 5% significance")
        assert "response rate 50%" in out

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--p", "0.5", "--p2", "0.6", "--population", "100"], "--population applies to estimating one proportion"),
            (["--p2", "0.6", "--margin", "0.03"], "--margin applies to estimating one proportion"),
            (["--power", "0.9"], "--power applies to comparing two groups"),
            (["--margin", "1e-8"], "--margin 1e-08 would need more than 10^15 interviews"),
        ],
    )
    def test_options_that_cannot_apply_are_refused(self, argv, message, capsys):
        code, out, err = _run(["sample-size", *argv], capsys)
        assert code == 2 and message in err and out == ""


class TestCodebookCommand:
    def test_draft_from_form(self, capsys, tmp_path):
        from campaign_me.codebook import Codebook
        from campaign_me.xlsform import draft

        code, out, _ = _run(["codebook", "--form", str(GOOD / "kobo_form.xlsx")], capsys)
        assert code == 0 and out.startswith("# Codebook drafted from the form kobo_form.xlsx by campaign-me codebook")
        (tmp_path / "codebook.yaml").write_text(out)
        drafted = Codebook.from_yaml(tmp_path / "codebook.yaml")
        # the CLI's draft moves "Don't know"/"Refused" choices into a missing block (xlsform.draft);
        # Codebook.from_xlsform keeps them as codes
        assert drafted.variables == draft(GOOD / "kobo_form.xlsx").codebook.variables
        assert _run(["codebook", "--form", str(GOOD / "kobo_form.xlsx"), "--out", str(tmp_path / "codebook.yaml")], capsys)[0] == 2
        code, _, err = _run(
            ["codebook", "--form", str(GOOD / "kobo_form.xlsx"), "--out", str(tmp_path / "codebook.yaml"), "--force"],
            capsys,
        )
        assert code == 0 and "variables)" in err

    def test_not_a_form(self, capsys):
        code, _, err = _run(["codebook", "--form", str(GOOD / "survey.csv")], capsys)
        assert code == 2 and "is not an .xlsx workbook" in err
