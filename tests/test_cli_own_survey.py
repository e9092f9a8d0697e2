"""Your own survey on the command line: form -> export -> validate -> report, driven by the codebook.

A survey built here (not by campaign_me.synth): the form of five catalogue indicators, answered in the
same 20 clusters at baseline and endline by new respondents, exported as KoboToolbox would. Reports
read its design, arm and round structure from its codebook; the indicators it did not ask are
listed as not asked; the runner passes the study to the notebooks as papermill parameters. And
codebooks drafted from a form propose the missing codes and the study's keys.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import openpyxl
import pytest

from campaign_me import Codebook
from campaign_me.cli import main
from campaign_me.report import ReportError, run_report
from campaign_me.report.content import REPORT_INDICATORS
from campaign_me.report.runner import split_options, validate_inputs
from campaign_me.yamlfile import parse_yaml
from tests.test_form import PLAN, XForm, kobo_answers, write_export

pyxform = pytest.importorskip("pyxform")
from pyxform.xls2xform import convert  # noqa: E402

ASKED = ("risk_aware", "hotline_known", "knowledge_score", "attitude_index", "intend_irregular")


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """<root>/form (form.xlsx, codebook.yaml) and <root>/data/lakeland/survey_{baseline,endline}.csv."""
    root = tmp_path_factory.mktemp("own")
    assert main(["form", "--out", str(root / "form"), "--indicators", ",".join(ASKED),
                 "--rounds", "same_clusters"]) == 0
    xform = XForm(convert(str(root / "form" / "form.xlsx")).xform)
    rng = np.random.default_rng(2025)
    data = root / "data"
    for round_ in ("baseline", "endline"):  # the same 20 clusters, new respondents
        write_export(kobo_answers(xform, rng, 160, round_=round_, plan=PLAN),
                     data / "lakeland" / f"survey_{round_}.csv")
    shutil.copy(root / "form" / "codebook.yaml", data / "codebook.yaml")
    return root


def _notebook(path: Path) -> Path:
    """A report notebook that declares the study's parameters and writes what it received."""
    params = ('country: str = "x"\ndata_dir: str = ""\nresults_file: str = ""\ncatalogue: str = ""\n'
              'indicators: list = []\narm: str = ""\narm_campaign: str = ""\nround_structure: str = ""')
    body = ("import json, pathlib\n"
            "pathlib.Path(results_file).with_name('received.json').write_text(json.dumps(dict(\n"
            "    catalogue=catalogue, indicators=indicators, arm=arm, arm_campaign=arm_campaign,\n"
            "    round_structure=round_structure, data_dir=data_dir)))")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_form_command_writes_a_form_and_codebook_that_validate_the_export(own, capsys):
    assert (own / "form" / "form.xlsx").is_file()
    cb = Codebook.from_yaml(own / "data" / "codebook.yaml")
    assert cb.rounds == "same_clusters" and cb.arm.column == "campaign"
    files = [str(p) for p in sorted((own / "data" / "lakeland").glob("*.csv"))]
    capsys.readouterr()
    assert main(["validate", *files, "--codebook", str(own / "data" / "codebook.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.count(": OK (160 rows") == 2, out


def test_form_command_messages(tmp_path, capsys):
    assert main(["form", "--out", str(tmp_path), "--indicators", "hotline_known"]) == 0
    captured = capsys.readouterr()
    assert "questions for 1 indicators" in captured.out and "campaign-me validate" in captured.out
    assert "personal data: respondent_name, phone" in captured.err and "--no-contact" in captured.err
    assert main(["form", "--out", str(tmp_path), "--indicators", "hotline_known"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["form", "--out", str(tmp_path / "b"), "--indicators", "hotline_knwn"]) == 2
    assert "did you mean 'hotline_known'" in capsys.readouterr().err
    assert main(["form", "--out", str(tmp_path / "c"), "--indicators", "hotline_known", "--no-contact"]) == 0
    assert "personal data" not in capsys.readouterr().err


def test_the_report_reads_design_arm_rounds_and_the_unasked_indicators_from_the_codebook(own):
    inputs = validate_inputs("lakeland", own / "data")
    study = inputs["study"]
    assert study["design"] == "strata stratum; clusters psu"
    assert (study["arm"], study["campaign"], study["rounds"]) == ("campaign", [True], "same_clusters")
    assert study["indicators"] == list(REPORT_INDICATORS)
    assert study["applicable"] == [i for i in REPORT_INDICATORS if i in ASKED]
    assert study["not_asked"] == [i for i in REPORT_INDICATORS if i not in ASKED]
    assert inputs["rows"] == {"baseline": 160, "endline": 160}
    chosen = validate_inputs("lakeland", own / "data", indicators="hotline_known, exposed_any")["study"]
    assert chosen["applicable"] == ["hotline_known"] and chosen["not_asked"] == ["exposed_any"]


def test_report_inputs_are_refused_with_the_codebooks_names_before_any_kernel(own, tmp_path, monkeypatch):
    import papermill

    def boom(*a, **k):  # pragma: no cover - reached only if validation let a bad run through
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", boom)
    data = tmp_path / "data"
    shutil.copytree(own / "data", data)
    text = (data / "codebook.yaml").read_text(encoding="utf-8")
    bare = text.replace("strata: stratum\n", "").replace("psu: psu\n", "").replace("rounds: same_clusters\n", "")
    (data / "codebook.yaml").write_text(bare, encoding="utf-8")
    with pytest.raises(ReportError, match="declares no sampling design.*weight.*strata.*psu"):
        run_report("lakeland", data_dir=data, out=tmp_path / "out", warm=False)
    (data / "codebook.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ReportError, match="none of the 2 indicator.*exposed_any: not asked in this survey"):
        run_report("lakeland", data_dir=data, out=tmp_path / "out", indicators="exposed_any,info_seeking",
                   warm=False)
    with pytest.raises(ReportError, match="did you mean 'risk_aware'"):
        run_report("lakeland", data_dir=data, out=tmp_path / "out", indicators="risk_awre", warm=False)
    with pytest.raises(ReportError, match="catalogue 'nowhere.yaml': no such file"):
        run_report("lakeland", data_dir=data, out=tmp_path / "out", catalogue="nowhere.yaml", warm=False)
    with pytest.raises(ReportError, match="indicators is given twice"):
        run_report("lakeland", data_dir=data, out=tmp_path / "out", indicators="risk_aware",
                   parameters={"indicators": "hotline_known"}, warm=False)
    # a codebook whose rounds revisit clusters that the files do not share
    end = data / "lakeland" / "survey_endline.csv"
    end.write_text(end.read_text(encoding="utf-8").replace('"D1-V', '"E1-V').replace('"D2-V', '"E2-V')
                   .replace('"D3-V', '"E3-V').replace('"D4-V', '"E4-V'), encoding="utf-8")
    with pytest.raises(ReportError, match="rounds: same_clusters, but no cluster"):
        run_report("lakeland", data_dir=data, out=tmp_path / "out", warm=False)


def test_split_options_and_options_given_twice(capsys):
    assert split_options({"catalogue": "c.yaml", "level": "0.9"}, catalogue=None, indicators="a") == (
        {"catalogue": "c.yaml", "indicators": "a"}, {"level": "0.9"})
    assert main(["report", "--country", "x", "--indicators", "a", "-p", "indicators=b"]) == 2
    assert "indicators is given twice" in capsys.readouterr().err
    assert main(["synthesis", "--data-dir", "d", "-p", "data_dir=e"]) == 2
    assert "data_dir is given twice" in capsys.readouterr().err


@pytest.mark.kernel
def test_cli_report_passes_catalogue_indicators_arm_and_rounds_to_the_notebook(own, tmp_path, capsys):
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(
        "indicators:\n  - id: hotline_and_aware\n    name: Knows the hotline and the risks\n"
        "    definition: Share who know the hotline and think irregular routes are high-risk\n"
        "    level: knowledge\n    type: proportion\n    numerator: correct(hotline_known) and risk_aware\n"
        "    unit: '%'\n    direction: higher\n    source: project\n",
        encoding="utf-8",
    )
    nb = _notebook(tmp_path / "study.ipynb")
    out = tmp_path / "out"
    code = main(["report", "--country", "lakeland", "--data-dir", str(own / "data"), "--out", str(out),
                 "--notebook", str(nb), "--catalogue", str(catalogue), "--indicators",
                 "hotline_and_aware,risk_aware,exposed_any", "--quiet"])
    assert code == 0, capsys.readouterr().err
    received = json.loads((out / "lakeland" / "received.json").read_text())
    assert received == {"catalogue": str(catalogue.resolve()),
                        "indicators": ["hotline_and_aware", "risk_aware", "exposed_any"],
                        "arm": "campaign", "arm_campaign": "True", "round_structure": "same_clusters",
                        "data_dir": str((own / "data").resolve())}
    index = (out / "lakeland" / "index.html").read_text()
    assert "strata stratum; clusters psu" in index and "same_clusters" in index
    assert "not asked in this survey" in index and "exposed_any" in index
    run = json.loads((out / "lakeland" / "run.json").read_text())
    assert run["parameters"]["indicators"] == "hotline_and_aware,risk_aware,exposed_any"
    assert "catalogue" in run["data_hashes"]


def test_synthesis_results_from_a_data_folder_of_ones_own(own):
    from campaign_me.report.synthesis import synthesis_results

    with pytest.warns(UserWarning, match="no weights"):  # the form's codebook has none until after fieldwork
        results, source = synthesis_results(data_dir=str(own / "data"), indicators=",".join(ASKED), min_n=5)
    assert "the countries of" in source
    assert set(results["indicator"]) == set(ASKED)
    assert {"level", "change", "did"} <= set(results["measure"])


# -- codebooks drafted from a form ------------------------------------------------------------------


def _form_with_missing_choices(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    for row in (
        ["text", "resp_id", "Respondent ID"],
        ["text", "district", "District"],
        ["text", "village", "Village"],
        ["select_one arm", "program_arm", "Programme area"],
        ["integer", "age", "How old are you?"],
        ["select_one yn", "heard", "¿Escuchó el mensaje?"],
        ["select_one tf", "k1", "Un visa de turista permite trabajar"],
        ["select_one agree", "a1", "Agencies can be trusted"],
        ["select_multiple src", "sources", "Sources"],
        ["text", "resp_name", "What is your name?"],
    ):
        ws.append(row)
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", "label"])
    for row in (
        ["arm", "0", "Comparison area"], ["arm", "1", "Campaign area"],
        ["yn", "1", "Sí"], ["yn", "0", "No"], ["yn", "98", "No sabe"], ["yn", "99", "Prefiero no decir"],
        ["tf", "1", "Vrai"], ["tf", "2", "Faux"], ["tf", "98", "Ne sait pas"], ["tf", "99", "Refus"],
        ["agree", "1", "Disagree"], ["agree", "2", "Agree"], ["agree", "8", "DK"],
        ["agree", "9", "Prefer not to say"],
        ["src", "radio", "Radio"], ["src", "98", "Don't know"],
    ):
        ch.append(row)
    st = wb.create_sheet("settings")
    st.append(["form_id", "version"])
    st.append(["own_form", "3"])
    wb.save(path)
    return path


def test_codebook_draft_proposes_missing_codes_and_the_study_keys(tmp_path, capsys):
    form = _form_with_missing_choices(tmp_path / "form.xlsx")
    assert main(["codebook", "--form", str(form)]) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert "missing-value codes proposed from the form's choices: 98 = No sabe, 99 = Prefiero no decir" in captured.err
    for line in ("# id: resp_id", "# weight: weight", "# strata: district", "# psu: village",
                 "# arm: {column: program_arm, campaign: [1]}", "# rounds: independent"):
        assert any(x.startswith(line) for x in text.splitlines()), line
    cb = Codebook.from_dict(parse_yaml(text))
    assert cb["heard"].codes == {1: "Sí", 0: "No"} and cb["heard"].missing == {98: "No sabe", 99: "Prefiero no decir"}
    assert cb["k1"].codes == {1: "Vrai", 2: "Faux"}
    assert cb["a1"].codes == {1: "Disagree", 2: "Agree"} and cb["a1"].missing == {8: "DK", 9: "Prefer not to say"}
    assert cb["age"].missing == {}  # a real age of 98 is not "don't know"
    assert cb["sources"].missing == {} and "98" in cb["sources"].codes
    assert cb["resp_name"].role == "identifier"
    # the study's lines, uncommented (all but the weight), give a valid study
    filled = "\n".join(x[2:].split("   #")[0] if x.startswith(("# id:", "# strata:", "# psu:", "# arm:", "# rounds:"))
                       else x for x in text.splitlines())
    study = Codebook.from_dict(parse_yaml(filled))
    assert (study.id, study.strata, study.psu, study.rounds) == ("resp_id", "district", "village", "independent")
    assert study.arm.column == "program_arm" and study.arm.campaign == (1,)
