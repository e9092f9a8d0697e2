"""Country reports: runner, batch (threads and Dask), results store, synthesis, safety and privacy.

The expensive part (executing the real report notebook for the three sample countries) runs once per
module; the failure, Dask and CLI tests use tiny notebooks written here so they stay fast.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from campaign_me import SurveyDesign, load_survey
from campaign_me.cli import main
from campaign_me.privacy import scan_text
from campaign_me.report import (
    ReportError,
    ReportExecutionError,
    ResultsStore,
    check_country,
    check_output_dir,
    list_notebooks,
    notebook_dir,
    notebook_parameters,
    run_batch,
    run_report,
    run_synthesis,
    sample_data_dir,
)
from campaign_me.report.content import REPORT_COLUMNS, country_results
from campaign_me.report.render import external_references

SAMPLES = sample_data_dir()
COUNTRIES = ("aroland", "belmora", "corvia")


def _tiny_notebook(path: Path, body: str) -> Path:
    """A notebook with a parameters cell (country, data_dir, results_file) and one code cell."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('country: str = "x"  # country\ndata_dir: str = ""  # data\n'
                                  'results_file: str = ""  # results', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The three sample countries' real reports, run once as a batch with 2 workers."""
    out = tmp_path_factory.mktemp("reports")
    lines: list[str] = []
    summary = run_batch("all", workers=2, out=out, echo=lines.append)
    return out, summary, lines


# -- the real reports ------------------------------------------------------------------------------

def test_batch_produces_every_country(reports):
    out, summary, lines = reports
    assert list(summary["country"]) == list(COUNTRIES)
    assert (summary["status"] == "ok").all(), summary.to_string()
    assert len(lines) == 3
    for c in COUNTRIES:
        folder = out / c
        names = {p.name for p in folder.iterdir()}
        assert {"index.html", "07_country_report.html", "07_country_report.ipynb", "results.csv"} <= names
        index = (folder / "index.html").read_text(encoding="utf-8")
        assert 'href="07_country_report.html"' in index and "SHA-256" in index
    assert not (out / ".staging").exists()  # nothing half-made left behind


def test_html_hides_code_embeds_images_and_is_offline(reports):
    out, _, _ = reports
    for c in COUNTRIES:
        text = (out / c / "07_country_report.html").read_text(encoding="utf-8")
        assert "load_survey(" not in text and "country_results(" not in text  # no code shown
        assert "Key findings" in text and "Methods and limitations" in text
        imgs = re.findall(r"<img\b[^>]*>", text)
        assert imgs and all('src="data:image/png;base64,' in i for i in imgs)
        assert all(re.search(r'alt="[^"]{20,}"', i) for i in imgs)  # every figure has real alt text
        assert external_references(text) == []


def test_reports_contain_no_respondent_data(reports):
    """Scan every HTML output for the sample data's respondent ids and personal-data patterns."""
    out, _, _ = reports
    ids = set()
    for c in COUNTRIES:
        for round_ in ("baseline", "endline"):
            ids |= set(pd.read_csv(SAMPLES / c / f"survey_{round_}.csv", usecols=["resp_id"])["resp_id"])
    kobo = SAMPLES / "aroland" / "kobo" / "survey_endline_kobo.csv"
    pii_values = set()
    if kobo.is_file():
        raw = pd.read_csv(kobo, dtype=str)
        for col in raw.columns:
            if any(k in col.lower() for k in ("name", "phone")):
                pii_values |= {v for v in raw[col].dropna() if len(v) >= 6}
    html_files = sorted(out.rglob("*.html"))
    assert len(html_files) >= 6
    id_pattern = re.compile(r"\b[A-Z]{2}-[BE]-\d{5}\b")  # the sample world's respondent id format
    for path in html_files:
        text = path.read_text(encoding="utf-8")
        visible = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
        visible = re.sub(r"<style.*?</style>|<script.*?</script>", "", visible, flags=re.S)
        assert not id_pattern.findall(visible), path
        assert not (ids & set(re.findall(r"[\w-]+", visible))), path
        assert not any(v in visible for v in pii_values), path
        assert scan_text(visible) == [], (path, scan_text(visible)[:3])  # phones, e-mails, GPS positions


def test_reports_read_for_a_minister_on_paper_and_on_a_phone(reports):
    """Summary first, findings worded by design, named populations, words not codes, print and phone CSS."""
    out, _, _ = reports
    for c in COUNTRIES:
        text = (out / c / "07_country_report.html").read_text(encoding="utf-8")
        visible = re.sub(r"<style.*?</style>|data:image/png;base64,[A-Za-z0-9+/=]+", "", text, flags=re.S)
        order = [visible.index(h) for h in (">Summary<", "What we can say", "How sure we are", "What we cannot say",
                                             "Key findings", "Methods and limitations")]
        assert order == sorted(order), c  # the plain-language summary comes first
        assert "attributable" not in visible.lower() and "caused by the campaign" not in visible
        assert "consistent with a campaign effect, if the comparison districts would otherwise have changed" in visible
        assert "could only have detected a change of about" in visible and "by chance alone" in visible
        captions = re.findall(r"<caption>(.*?)</caption>", visible)
        assert len(captions) == 3 and all("Population: " in cap for cap in captions), captions
        for code in ("ci_low", "ci_high", ">domain<", ">name<", ">grey<", ">amber<", ">green<", "deff 1."):
            assert code not in visible, (c, code)
        assert ">cannot judge</td>" in visible and 'data-label="Status"' in visible
        assert re.search(r'<meta\b[^>]*name="viewport"', text)
        assert "@page { size: A4" in text and "max-width: 40em" in text
        assert re.search(r'<img\b[^>]*\bwidth="\d+"', text)  # figures shown at their size, so they print at it
        index = (out / c / "index.html").read_text(encoding="utf-8")
        assert re.search(r'<meta\b[^>]*name="viewport"', index) and "@page" in index


def test_results_store_holds_the_report_numbers(reports):
    out, _, _ = reports
    store = ResultsStore(out / "results.sqlite")
    runs = store.runs()
    assert sorted(runs["country"]) == list(COUNTRIES) and (runs["status"] == "ok").all()
    meta = json.loads(runs["data_hashes"].iloc[0])
    assert set(meta) == {"codebook", "baseline", "endline"} and all(len(v) == 64 for v in meta.values())
    res = store.results()
    assert list(res.columns) == ["run_id", *REPORT_COLUMNS]
    assert set(res["country"]) == {"Aroland", "Belmora", "Corvia"}
    # the stored numbers are the library's, recomputed here from the files
    b, e = _designs("corvia")
    direct = country_results(b, e, country="Corvia", codebook=SAMPLES / "codebook.yaml")
    stored = res[res["country"] == "Corvia"].drop(columns="run_id")
    key = ["indicator", "measure", "round", "domain"]
    merged = direct.merge(stored, on=key, suffixes=("", "_db"))
    assert len(merged) == len(direct) == len(stored)
    np.testing.assert_allclose(merged["estimate"], merged["estimate_db"], rtol=1e-12)
    np.testing.assert_allclose(merged["ci_high"], merged["ci_high_db"], rtol=1e-12)


def _designs(country: str):
    rounds = [load_survey(SAMPLES / country / f"survey_{r}.csv", SAMPLES / "codebook.yaml") for r in ("baseline", "endline")]
    return [SurveyDesign(d, weights="weight", strata="stratum", psu="psu") for d in rounds]


def test_did_matches_r_survey():
    """DiD of Corvia's risk awareness and hotline knowledge against R survey 4.1 (tests/reference/report_did.R)."""
    b, e = _designs("corvia")
    r = country_results(b, e, country="Corvia", codebook=SAMPLES / "codebook.yaml",
                        indicators=("risk_aware", "hotline_known"))
    r = r.set_index(["indicator", "measure", "round", "domain"])
    # R: svyby(~v, ~campaign, svydesign(ids=~psu, strata=~stratum, weights=~weight), svymean, na.rm=TRUE)
    # per round; DiD of the four means (x 100) and sqrt(sum of the four variances)
    for var, (est, se) in {"risk_aware": (20.270680075823, 12.307588991124),
                           "hotline_known": (-8.369569329205, 13.360685336223)}.items():
        did = r.loc[(var, "did", "endline-baseline", "campaign vs comparison areas")]
        assert did["estimate"] == pytest.approx(est, abs=1e-8)
        assert did["se"] == pytest.approx(se, abs=1e-8)
        assert did["ci_low"] < est - 1.96 * se  # a t interval on Satterthwaite df: wider than normal


def test_planted_effects_recovered(reports):
    """The DiD intervals cover the effects planted in the simulation (truth.json) in most cases."""
    out, _, _ = reports
    res = ResultsStore(out / "results.sqlite").results()
    did = res[res["measure"] == "did"]
    covered = total = 0
    for c in COUNTRIES:
        truth = json.loads((SAMPLES / c / "truth.json").read_text())["itt"]
        name = c.capitalize()
        assert name in set(did["country"])
        for rec in did[(did["country"] == name) & did["indicator"].isin(list(truth))].to_dict("records"):
            planted = truth[rec["indicator"]] * (100 if rec["unit"] == "pp" else 1)
            covered += rec["ci_low"] <= planted <= rec["ci_high"]
            total += 1
    assert total == 12  # risk_aware, hotline_known, intend_irregular, info_seeking in 3 countries
    assert covered >= 10  # of 12 intervals at 95%: P(fewer than 10 covered) < 2%


def test_synthesis_reads_the_store(reports):
    out, _, _ = reports
    res = run_synthesis(out=out, progress=False)
    text = (res.report_dir / "08_regional_synthesis.html").read_text(encoding="utf-8")
    for name in ("Aroland", "Belmora", "Corvia"):
        assert name in text
    assert "exclude zero" in text
    assert re.search(r'<img\b[^>]*alt="[^"]{20,}"', text)
    assert external_references(text) == []


# -- failures and safety -------------------------------------------------------------------------

def test_failed_run_keeps_previous_report_and_failed_notebook(tmp_path):
    ok = _tiny_notebook(tmp_path / "ok.ipynb", "print('fine')")
    bad = _tiny_notebook(tmp_path / "ok2.ipynb", "x = 1\n1 / 0")
    out = tmp_path / "out"
    first = run_report("corvia", out=out, notebooks=[ok], progress=False, warm=False)  # papermill's own kernel
    before = (first.report_dir / "index.html").read_text()
    bad_named = bad.rename(tmp_path / "ok.ipynb.tmp")
    ok.unlink()
    bad_named.rename(ok)  # same notebook name, now failing
    with pytest.raises(ReportExecutionError) as info:
        run_report("corvia", out=out, notebooks=[ok], progress=False)
    msg = str(info.value)
    assert "\n" not in msg and "ok.ipynb" in msg and "In [" in msg and "ZeroDivisionError" in msg
    assert (out / "corvia" / "index.html").read_text() == before  # previous report untouched
    failed = out / "corvia" / "failed" / "ok.ipynb"
    assert failed.is_file() and "ZeroDivisionError" in failed.read_text()
    runs = ResultsStore(out / "results.sqlite").runs()
    assert list(runs["status"]) == ["ok", "failed"]
    assert not (out / ".staging").exists()


def test_cell_timeout_is_a_failed_run(tmp_path):
    slow = _tiny_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    with pytest.raises(ReportExecutionError, match="slow.ipynb.*Timeout") as info:
        run_report("corvia", out=tmp_path / "out", notebooks=[slow], progress=False, timeout=2, store=None)
    assert "\n" not in str(info.value)
    assert (tmp_path / "out" / "corvia" / "failed" / "slow.ipynb").is_file()
    assert not (tmp_path / "out" / "corvia" / "index.html").exists()  # nothing that looks complete


def test_bad_inputs_stop_before_any_kernel(tmp_path, monkeypatch):
    import papermill

    def boom(*a, **k):  # pragma: no cover - reached only if validation let a bad run through
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", boom)
    with pytest.raises(ReportError, match="unknown parameter.*'levl'.*did you mean 'level'"):
        run_report("corvia", out=tmp_path, parameters={"levl": 0.9})
    with pytest.raises(ReportError, match="not a number"):
        run_report("corvia", out=tmp_path, parameters={"level": "high"})
    with pytest.raises(ReportError, match="level"):
        run_report("corvia", out=tmp_path, parameters={"level": "1.5"})
    with pytest.raises(ReportError, match="no data for country 'atlantis'.*aroland"):
        run_report("atlantis", out=tmp_path)
    data = tmp_path / "data"
    (data / "x").mkdir(parents=True)
    (data / "codebook.yaml").write_bytes((SAMPLES / "codebook.yaml").read_bytes())
    text = (SAMPLES / "corvia" / "survey_baseline.csv").read_text().splitlines()
    row = next(i for i, line in enumerate(text) if ",male," in line)
    text[row] = text[row].replace(",male,", ",mael,")
    (data / "x" / "survey_baseline.csv").write_text("\n".join(text) + "\n")
    (data / "x" / "survey_endline.csv").write_bytes((SAMPLES / "corvia" / "survey_endline.csv").read_bytes())
    from campaign_me.errors import IntakeError

    with pytest.raises(IntakeError, match="mael"):
        run_report("x", data_dir=data, out=tmp_path / "out")


@pytest.mark.parametrize("bad", ["../aroland", "a/b", "..", "", ".hidden", "x" * 65, "aro land", 3])
def test_country_ids_refuse_paths(bad):
    with pytest.raises(ReportError, match="country"):
        check_country(bad)


def test_output_dir_never_into_data_or_sources(tmp_path):
    with pytest.raises(ReportError, match="data folder"):
        check_output_dir(SAMPLES / "reports", data_dir=SAMPLES)
    with pytest.raises(ReportError, match="notebooks"):
        check_output_dir(notebook_dir(), data_dir=SAMPLES)
    with pytest.raises(ReportError, match="package"):
        check_output_dir(Path(__file__).resolve().parents[1] / "campaign_me", data_dir=SAMPLES)
    assert check_output_dir(tmp_path / "r", data_dir=SAMPLES) == (tmp_path / "r").resolve()


def test_existing_folder_that_is_not_a_report_is_not_replaced(tmp_path):
    ok = _tiny_notebook(tmp_path / "ok.ipynb", "print('fine')")
    precious = tmp_path / "out" / "corvia"
    precious.mkdir(parents=True)
    (precious / "notes.txt").write_text("mine")
    with pytest.raises(ReportError, match="not a campaign_me report"):
        run_report("corvia", out=tmp_path / "out", notebooks=[ok], progress=False, store=None)
    assert (precious / "notes.txt").read_text() == "mine"


def test_batch_on_dask_local_cluster_one_failure_does_not_stop_others(tmp_path):
    distributed = pytest.importorskip("distributed")
    ok = _tiny_notebook(tmp_path / "ok.ipynb", "import os\nprint(os.getpid())")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        summary = run_batch(["corvia", "atlantis", "belmora"], scheduler=cluster.scheduler_address,
                            out=tmp_path / "out", notebooks=[ok], echo=None)
    status = dict(zip(summary["country"], summary["status"]))
    assert status == {"atlantis": "failed", "belmora": "ok", "corvia": "ok"}
    assert "no data for country 'atlantis'" in summary.set_index("country").loc["atlantis", "error"]
    assert (tmp_path / "out" / "belmora" / "index.html").is_file()


# -- command line, notebooks, store ----------------------------------------------------------------

def test_cli_batch_exit_code_and_summary(tmp_path, capsys):
    bad = _tiny_notebook(tmp_path / "bad.ipynb", "raise RuntimeError('no luck')")
    code = main(["batch", "--countries", "corvia,belmora", "--out", str(tmp_path / "o"),
                 "--notebook", str(bad), "--workers", "2"])
    text = capsys.readouterr().out
    assert code == 1
    assert "2 of 2 reports failed" in text and "RuntimeError: no luck" in text


def test_cli_report_errors_are_one_line(tmp_path, capsys):
    assert main(["report", "--country", "../etc", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "country '../etc'" in err
    assert main(["report", "--country", "corvia", "--out", str(tmp_path), "-p", "level"]) == 2
    assert "key=value" in capsys.readouterr().err


def test_cli_notebooks_lists_parameters(capsys):
    assert main(["notebooks"]) == 0
    text = capsys.readouterr().out
    assert "07_country_report (country report)" in text and "level: float = 0.95" in text


def test_notebooks_found_and_parameters_declared():
    names = [n for n, _ in list_notebooks()]
    assert "07_country_report" in names and "08_regional_synthesis" in names
    params = notebook_parameters("07_country_report")
    assert {"country", "data_dir", "level", "min_n", "results_file"} <= set(params)
    assert params["level"].type == "float"


def test_notebooks_are_committed_without_outputs():
    for name in ("07_country_report", "08_regional_synthesis"):
        nb = nbformat.read(notebook_dir() / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


def test_store_is_transactional_and_sqlalchemy_urls_work(tmp_path):
    res = pd.DataFrame([{c: v for c, v in zip(REPORT_COLUMNS, (
        "Aroland", "endline", "risk_aware", "all", "level", 41.0, 2.0, 37.0, 45.0, 900, False, "percent"))}])
    store = ResultsStore(tmp_path / "r.sqlite")
    store.record_run({"run_id": "a", "country": "aroland", "status": "ok", "finished": "1"}, res)
    with pytest.raises(ReportError, match="column"):
        store.record_run({"run_id": "b", "country": "aroland", "status": "ok"}, res.drop(columns="n"))
    with pytest.raises(sqlite3.IntegrityError):  # a duplicate run id: nothing of it is written
        store.record_run({"run_id": "a", "country": "aroland", "status": "ok"}, res)
    assert len(store.results()) == 1 and len(store.runs()) == 1
    pytest.importorskip("sqlalchemy")
    url_store = ResultsStore(f"sqlite:///{tmp_path / 'u.sqlite'}")
    url_store.record_run({"run_id": "a", "country": "aroland", "status": "ok", "finished": "1"}, res)
    pd.testing.assert_frame_equal(url_store.results(), store.results())

