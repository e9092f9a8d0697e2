"""campaign_me.workbook: notebook parameters, data lookup, atomic writes, handouts, teaching tables."""

from __future__ import annotations

import json
import shutil

import nbformat
import numpy as np
import pandas as pd
import pytest

from campaign_me.conventions import Reporting
from campaign_me.workbook import (
    ParameterError,
    check_parameters,
    design_comparison,
    handout,
    labelled_head,
    print_html,
    rank_segments,
    refresh_pins,
    sample_data_dir,
    sample_overview,
    write_handouts,
)

SAMPLES = sample_data_dir()


def test_valid_parameters_resolve_paths():
    wb = check_parameters(country="belmora", rounds=["baseline", "endline"], level=0.9, min_n=10, seed=7)
    assert wb.country_name == "Belmora" and wb.data_dir == SAMPLES
    assert wb.codebook == (SAMPLES / "codebook.yaml").resolve()
    assert wb.survey_file("endline").name == "survey_endline.csv"
    assert wb.output_dir is None and wb.save_table(pd.DataFrame({"a": [1]}), "x") is None
    assert "Belmora" in wb.describe() and "90%" in wb.describe()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"country": "narnia"}, "country='narnia': no folder"),
        ({"country": ""}, "country='': must be a country folder name"),
        ({"level": 1.0}, "level=1.0: must be a number strictly between 0 and 1"),
        ({"level": "0.95"}, "level='0.95'"),
        ({"level": True}, "level=True"),
        ({"min_n": 0}, "min_n=0: must be at least 1"),
        ({"flag_n": 10, "min_n": 20}, "flag_n=10: must be at least min_n=20"),
        ({"flag_n": 12.5}, "flag_n=12.5: must be a whole number"),
        ({"settings": {"level": 0.9}}, "settings={'level': 0.9}: must be a campaign_me.conventions.Reporting"),
        ({"min_n": 2.5}, "min_n=2.5"),
        ({"seed": -1}, "seed=-1"),
        ({"rounds": []}, "rounds=[]: must be a non-empty list"),
        ({"rounds": ["baseline", "baseline"]}, "lists a round twice"),
        ({"rounds": ["midline"]}, "no survey file"),
        ({"data_dir": "/no/such/folder"}, "data_dir='/no/such/folder'"),
        ({"codebook": "missing.yaml"}, "codebook='missing.yaml': file missing.yaml not found"),
    ],
)
def test_each_bad_parameter_is_named(kwargs, message):
    with pytest.raises(ParameterError) as info:
        check_parameters(**{"country": "corvia", **kwargs})
    assert message in str(info.value)
    assert str(info.value).startswith("1 bad notebook parameter:")


def test_settings_hold_level_min_n_flag_n_and_explicit_keywords_win():
    # the defaults are campaign_me.conventions' (0.95, 25, 50); numpy numbers are accepted like Python's
    wb = check_parameters(country="corvia", rounds=["baseline"])
    assert wb.settings == Reporting() and (wb.level, wb.min_n, wb.flag_n) == (0.95, 25, 50)
    wb = check_parameters(country="corvia", rounds=["baseline"], level=np.float32(0.9), min_n=np.int64(30))
    assert wb.settings == Reporting(level=float(np.float32(0.9)), min_n=30, flag_n=50)
    given = Reporting(level=0.9, min_n=30, flag_n=60, df="degf")
    wb = check_parameters(country="corvia", rounds=["baseline"], settings=given)
    assert wb.settings == given and wb.level == 0.9 and wb.df == "degf"
    wb = check_parameters(country="corvia", rounds=["baseline"], settings=given, min_n=40)
    assert (wb.level, wb.min_n, wb.flag_n) == (0.9, 40, 60)
    # a min_n above the default caution flag raises the flag with it (min_n=60 was accepted before flag_n)
    assert check_parameters(country="corvia", rounds=["baseline"], min_n=60).flag_n == 60


def test_all_problems_reported_at_once(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ParameterError) as info:
        check_parameters(country="corvia", level=95, min_n=-3, seed="x", output_dir=str(a_file))
    text = str(info.value)
    assert text.startswith("4 bad notebook parameters:")
    for name in ("level=95", "min_n=-3", "seed='x'", "is an existing file"):
        assert name in text


def test_own_data_with_the_sample_layout(tmp_path):
    """A researcher's folder: codebook + <country>/survey_<round>.csv; nothing else needed."""
    own = tmp_path / "mydata"
    (own / "lakeland").mkdir(parents=True)
    shutil.copy(SAMPLES / "codebook.yaml", own / "codebook.yaml")
    shutil.copy(SAMPLES / "corvia" / "survey_baseline.csv", own / "lakeland" / "survey_baseline.csv")
    wb = check_parameters(country="lakeland", data_dir=str(own), rounds=["baseline"])
    assert wb.country_name == "Lakeland"
    data = wb.survey()
    assert len(data) == 187 and data["risk_perception"].max() <= 100  # read through the codebook
    with pytest.raises(ParameterError, match="frame.csv.*not found.*survey_baseline.csv"):
        wb.table("frame")
    with pytest.raises(ParameterError, match="no folder .*corvia; the sample countries are 'lakeland'"):
        check_parameters(country="corvia", data_dir=str(own))


def test_data_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CAMPAIGN_ME_DATA", str(SAMPLES))
    assert sample_data_dir(start=tmp_path) == SAMPLES
    monkeypatch.setenv("CAMPAIGN_ME_DATA", str(tmp_path / "nope"))
    with pytest.raises(ParameterError, match="CAMPAIGN_ME_DATA"):
        sample_data_dir()


def test_sample_dir_found_from_a_subfolder_of_the_checkout():
    assert sample_data_dir(start=SAMPLES.parents[1] / "notebooks") == SAMPLES


def test_save_table_is_atomic_and_never_writes_into_the_data(tmp_path):
    wb = check_parameters(country="corvia", output_dir=str(tmp_path / "out"))
    path = wb.save_table(pd.DataFrame({"village": ["a", "b"], "p": [0.1, 0.2]}), "drawn")
    assert path == (tmp_path / "out" / "drawn.csv").resolve()
    assert pd.read_csv(path).shape == (2, 2)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["drawn.csv"]  # no temporary file left
    inside = check_parameters(country="corvia", output_dir=str(SAMPLES / "corvia"))
    with pytest.raises(ParameterError, match="inside the data folder"):
        inside.save_table(pd.DataFrame({"a": [1]}), "survey_baseline")


def test_labelled_head_hides_identifiers():
    data = pd.DataFrame({"resp_id": [f"r{i}" for i in range(12)], "age": range(12)})
    styled = labelled_head(data, 3)
    assert styled.caption == "First 3 of 12 rows (sample data; resp_id hidden)"
    assert list(styled.data.columns) == ["age"] and len(styled.data) == 3


def test_sample_overview_counts_match_the_files():
    t = sample_overview().set_index("country")
    for key, name in (("aroland", "Aroland"), ("corvia", "Corvia")):
        frame = pd.read_csv(SAMPLES / key / "frame.csv")
        survey = pd.read_csv(SAMPLES / key / "survey_endline.csv")
        assert t.loc[name, "villages"] == len(frame)
        assert t.loc[name, "population_15_45"] == frame["population"].sum()
        assert t.loc[name, "respondents_endline"] == len(survey)


def test_design_comparison_srs_row_is_the_textbook_formula():
    wb = check_parameters(country="corvia", rounds=["baseline"])
    data = wb.survey()
    t = design_comparison(data, "hotline_known", scale=100)
    y = data["hotline_known"].astype(float).dropna()
    # simple random sample: mean and s / sqrt(n) (Cochran 1977, eq. 2.12 without fpc)
    assert t.loc["unweighted (as if SRS)", "estimate"] == pytest.approx(100 * y.mean(), rel=1e-12)
    assert t.loc["unweighted (as if SRS)", "se"] == pytest.approx(100 * y.std(ddof=1) / np.sqrt(len(y)), rel=1e-9)
    w = data.loc[y.index, "weight"]
    assert t.loc["design-based", "estimate"] == pytest.approx(100 * np.average(y, weights=w), rel=1e-12)
    assert t.loc["weighted, clusters ignored", "estimate"] == t.loc["design-based", "estimate"]


def test_rank_segments_population_and_order():
    wb = check_parameters(country="belmora", rounds=["baseline"])
    design = wb.design(wb.survey())
    seg = rank_segments(design, by=["sex", "urban"], codebook=wb.codebook)
    assert seg["population"].sum() == pytest.approx(design.weights.sum())
    ranked = seg["priority"].dropna().to_numpy()
    assert (np.diff(ranked) <= 0).all()
    np.testing.assert_allclose(seg["gap"], 100 - seg["estimate"])
    assert (seg.loc[seg["estimate"].isna(), "small"]).all()


def _tiny_notebook(path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Step 9 · A test\n\nWhy it matters."),
        nbformat.v4.new_markdown_cell("## Objectives\n\n- one"),
        nbformat.v4.new_code_cell("x = 41"),
        nbformat.v4.new_markdown_cell("### Your turn: add one\n\nAdd one.\n\n<details><summary>Solution</summary>\n\n"
                                      "```python\nx + 1\n```\n\n</details>"),
        nbformat.v4.new_code_cell("print(x + 1)", metadata={"tags": ["pinned"]}),
        nbformat.v4.new_markdown_cell("## Key points\n\n- one more"),
    ])
    nbformat.write(nb, path)
    return nb


def test_handout_keeps_the_lesson_frame_and_drops_solutions(tmp_path):
    _tiny_notebook(tmp_path / "09_test.ipynb")
    text = handout(tmp_path / "09_test.ipynb")
    assert text.startswith("# Step 9 · A test\n\nWhy it matters.")
    assert "## Your turn: add one\n\nAdd one." in text and "x + 1" not in text
    assert "x = 41" not in text and text.endswith("- one more\n")
    written = write_handouts(tmp_path, tmp_path / "handouts", pattern="09_*.ipynb")
    assert [p.name for p in written] == ["09_test.md"] and written[0].read_text(encoding="utf-8") == text
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("no title")]), tmp_path / "bad.ipynb")
    with pytest.raises(Exception, match="no title"):
        handout(tmp_path / "bad.ipynb")


def test_handouts_print_as_a4_html(tmp_path):
    _tiny_notebook(tmp_path / "09_test.ipynb")
    written = write_handouts(tmp_path, tmp_path / "handouts", pattern="09_*.ipynb", html=True)
    assert [p.name for p in written] == ["09_test.md", "09_test.html"]
    page = written[1].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<title>Step 9 · A test</title>" in page
    assert "@page { size: A4;" in page and 'name="viewport"' in page
    assert '<h2 id="your-turn-add-one">Your turn: add one</h2>' in page
    assert "x + 1" not in page and "x = 41" not in page  # the solution stays out, as in the Markdown
    # offline: nothing to fetch (no script, no stylesheet or image from elsewhere)
    assert "<script" not in page and "src=" not in page and "<link" not in page


def test_handout_links_work_from_docs_handouts(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Step 9 · Links\n\nWords are in [the glossary](../docs/glossary.md)."),
        nbformat.v4.new_markdown_cell("## Key points\n\n- a [DiD](../docs/glossary.md#difference-in-differences-did), "
                                      "[IOM](https://www.iom.int/), [above](#key-points), [data](../data/x.csv)"),
    ]), nbs / "09_links.ipynb")
    text = handout(nbs / "09_links.ipynb")
    assert "[the glossary](../glossary.md)" in text
    assert "[DiD](../glossary.md#difference-in-differences-did)" in text
    assert "[IOM](https://www.iom.int/)" in text and "[above](#key-points)" in text
    assert "[data](../../data/x.csv)" in text
    for link in ("../glossary.md", "../../data/x.csv"):  # they resolve from docs/handouts/
        assert (tmp_path / "docs" / "handouts" / link).resolve() == (nbs / ("../docs/glossary.md" if "glossary" in link
                                                                             else "../data/x.csv")).resolve()


def test_print_html_tables_links_and_escaping():
    page = print_html(
        "# Agenda & plan\n\n| Time | Session |\n|---|---|\n| 09:00-09:30 | `00_start_here` |\n| | |\n\n"
        "- [ ] bring a laptop\n\nSee [the glossary](../glossary.md#kap), [IOM](https://www.iom.int/x.md) "
        "and n < 25.\n"
    )
    assert "<title>Agenda &amp; plan</title>" in page
    assert '<span class="nowrap">09:00-09:30</span>' in page  # times stay on one line
    assert "<code>00_<wbr>start_<wbr>here</code>" in page  # long names break at underscores
    assert "<td></td>" in page and "td:empty { height:" in page  # blank cells to write in
    assert 'type="checkbox"' in page
    assert 'href="../glossary.html#kap"' in page and 'href="https://www.iom.int/x.md"' in page
    assert "n &lt; 25" in page
    assert print_html("no heading", title="Handout").count("<title>Handout</title>") == 1


def test_refresh_pins_keeps_only_pinned_stdout(tmp_path):
    source = tmp_path / "09_test.ipynb"
    nb = _tiny_notebook(source)
    executed = nbformat.from_dict(nb)
    for cell in executed.cells:
        if cell.cell_type == "code":
            cell.execution_count = 3
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n"),
                            nbformat.v4.new_output("stream", name="stderr", text="noise\n")]
    nbformat.write(executed, tmp_path / "run.ipynb")
    pins = tmp_path / "pins.json"
    pins.write_text('{"08_other": ["7\\n"]}', encoding="utf-8")
    assert refresh_pins(source, tmp_path / "run.ipynb", pins) == 1
    back = nbformat.read(source, as_version=4)
    code = [c for c in back.cells if c.cell_type == "code"]
    assert code[0].outputs == [] and code[0].execution_count is None
    assert code[1].outputs == [] and code[1].execution_count is None  # the source keeps no output
    assert json.loads(pins.read_text(encoding="utf-8")) == {"08_other": ["7\n"], "09_test": ["42\n"]}
