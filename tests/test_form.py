"""From the catalogue to the questionnaire: the XLSForm converts with pyxform (ODK's reference converter),
and answers to it, laid out as a KoboToolbox export of that form, load and validate under its codebook.

The answers are generated from the XForm that pyxform makes (its fields, types, choice lists, skip
logic and constraints), not from campaign_me's own description of the form, so that the round trip
checks what KoboToolbox would collect.
"""

from __future__ import annotations

import re
import shutil
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me import Codebook, SurveyDesign, load_survey, validate_survey
from campaign_me.indicators import compute_indicators, load_catalogue
from campaign_me.questionnaire import FormError, build_form
from campaign_me.report.content import REPORT_INDICATORS

pyxform = pytest.importorskip("pyxform")
from pyxform.xls2xform import convert  # noqa: E402

XF = "{http://www.w3.org/2002/xforms}"
JR = "{http://openrosa.org/javarosa}"

# -- answers to an XForm, as a KoboToolbox export ("XML values and headers") ---------------------------


class XForm:
    """The fields of an XForm with what answers they take (pyxform's output, parsed)."""

    def __init__(self, xml: str):
        root = ET.fromstring(xml)
        model = root.find(f".//{XF}model")
        instances = model.findall(f"{XF}instance")
        main = next(i for i in instances if "id" not in i.attrib)
        self.lists = {
            i.attrib["id"]: [item.findtext(f"{XF}name") for item in i.iter(f"{XF}item")]
            for i in instances if "id" in i.attrib
        }
        self.binds = {b.attrib["nodeset"]: b.attrib for b in model.findall(f"{XF}bind")}
        data = next(iter(main))
        self.root = "/" + data.tag.replace(XF, "")
        self.fields: list[str] = []  # leaf paths in document order
        self.groups: set[str] = set()

        def walk(node, path):
            children = list(node)
            if not children:
                self.fields.append(path)
                return
            self.groups.add(path)
            for child in children:
                walk(child, f"{path}/{child.tag.replace(XF, '')}")

        for child in data:
            walk(child, f"{self.root}/{child.tag.replace(XF, '')}")
        self.selects: dict[str, tuple[str, str]] = {}  # path -> (select1 | select, list)
        for kind in ("select1", "select"):
            for el in root.iter(f"{XF}{kind}"):
                itemset = el.find(f"{XF}itemset")
                list_id = re.search(r"instance\('([^']+)'\)", itemset.attrib["nodeset"]).group(1)
                self.selects[el.attrib["ref"]] = (kind, list_id)

    def column(self, path: str) -> str:
        return path[len(self.root) + 1:]


def _xpath_eval(expr: str, values: dict[str, object], here: str) -> bool:
    """Evaluate the small XPath subset campaign_me's forms use (comparisons, and/or/not, selected())."""
    py = expr.replace("&gt;", ">").replace("&lt;", "<")
    py = re.sub(r"count-selected\(", "_count(", py)
    py = re.sub(r"selected\(", "_sel(", py)
    py = re.sub(r"(?<![<>!=])=(?!=)", "==", py)
    py = re.sub(r"\s*(/[A-Za-z_][\w/]*)\s*", lambda m: f" _v({m.group(1)!r}) ", py)
    py = re.sub(r"(?<![\w'])\.(?![\w'])", f" _v({here!r}) ", py)
    py = py.replace("not(", "not (")

    def _v(path):
        return values.get(path, "")

    def _sel(value, option):
        return option in str(value or "").split()

    def _count(value):
        return len(str(value or "").split())

    def num(x):
        try:
            return float(x)
        except (TypeError, ValueError):
            return x

    # numbers compare as numbers: ". >= 0", ". = 999"
    py = re.sub(r"_v\(('[^']+')\)\s*(<=|>=|<|>|==\s*(?=-?\d))", lambda m: f"_n(_v({m.group(1)})) {m.group(2)}", py)
    # (eval of test data only: the XPath subset of these forms, turned into Python above)
    return bool(eval(py, {"_v": _v, "_sel": _sel, "_count": _count, "_n": num}))


def _relevant(form: XForm, path: str, values: dict[str, object]) -> bool:
    parts = path.split("/")
    for i in range(3, len(parts) + 1):
        node = "/".join(parts[:i])
        rel = form.binds.get(node, {}).get("relevant")
        if rel and not _xpath_eval(rel, values, node):
            return False
    return True


def kobo_answers(form: XForm, rng: np.random.Generator, n: int, *, round_: str, plan: list[tuple[str, str, int]],
                 consent_rate: float = 0.95, ids: list[str] | None = None) -> pd.DataFrame:
    """``n`` submissions to the form as KoboToolbox exports them ("XML values and headers", groups in headers,
    select_multiple both as one column and split into 0/1 columns, ``_``-metadata at the end)."""
    names = ["Amina Wanjiru", "Baraka Okafor", "Chidi Mensah", "Esi Diallo", "Fatou Haile", "Goran Traore"]
    rows = []
    for i in range(n):
        values: dict[str, object] = {}
        stratum, cluster, arm = plan[i % len(plan)]
        for path in form.fields:
            name = path.rsplit("/", 1)[1]
            bind = form.binds.get(path, {})
            if not _relevant(form, path, values):
                values[path] = ""
                continue
            if bind.get(f"{JR}preload") == "timestamp":
                t = pd.Timestamp("2025-09-01 08:00") + pd.Timedelta(minutes=37 * i + (20 if name == "end" else 0))
                values[path] = t.strftime("%Y-%m-%dT%H:%M:%S.000+03:00")
            elif bind.get(f"{JR}preload") == "uid":
                values[path] = f"uuid:{uuid.UUID(int=int(rng.integers(2**62)))}"
            elif "calculate" in bind:
                assert "uuid()" in bind["calculate"], bind["calculate"]
                values[path] = ids[i] if ids else str(uuid.UUID(int=int(rng.integers(2**62))))
            elif name == "round":
                values[path] = round_
            elif name == "stratum":
                values[path] = stratum
            elif name == "psu":
                values[path] = cluster
            elif name == "campaign":
                values[path] = str(arm)
            elif name == "consent":
                values[path] = "1" if rng.random() < consent_rate else "0"
            elif name == "resp_id":  # a panel: typed in
                values[path] = ids[i] if ids else f"R{i:04d}"
            elif path in form.selects:
                kind, list_id = form.selects[path]
                options = form.lists[list_id]
                if kind == "select1":
                    special = [o for o in options if o in ("98", "99")]
                    regular = [o for o in options if o not in special]
                    pick = rng.choice(special) if special and rng.random() < 0.06 else rng.choice(regular)
                    values[path] = str(pick)
                else:
                    regular = [o for o in options if o != "none"]
                    chosen = [o for o in regular if rng.random() < 0.35]
                    values[path] = " ".join(chosen) if chosen else ("none" if "none" in options else regular[0])
            elif bind.get("type") in ("int", "decimal"):
                constraint = bind.get("constraint", "")
                lo = float(re.search(r"\. >= (-?[\d.]+)", constraint).group(1)) if ">=" in constraint else 0
                hi = float(re.search(r"\. <= (-?[\d.]+)", constraint).group(1)) if "<=" in constraint else 100
                codes = re.findall(r"\. = (\d+)", constraint)
                values[path] = str(rng.choice(codes)) if codes and rng.random() < 0.05 else str(int(rng.integers(lo, hi + 1)))
            elif name == "respondent_name":
                values[path] = names[i % len(names)]
            elif name == "phone":
                values[path] = f"07{int(rng.integers(10, 99))}{int(rng.integers(100000, 999999))}"
            else:  # other text: a place name
                values[path] = ["Kisumu", "Nakuru", "Mombasa", "Eldoret"][i % 4]
            constraint = bind.get("constraint")
            if constraint and values[path] != "":
                assert _xpath_eval(constraint, values, path), (path, values[path], constraint)
            if bind.get("required") == "true()":
                assert values[path] != "", path
        rows.append(values)
    cols: dict[str, list] = {}
    for path in form.fields:
        column = form.column(path)
        cols[column] = [r[path] for r in rows]
        if path in form.selects and form.selects[path][0] == "select":
            for option in form.lists[form.selects[path][1]]:
                cols[f"{column}/{option}"] = ["" if r[path] == "" else str(int(option in str(r[path]).split()))
                                              for r in rows]
    cols["_id"] = [str(500000 + i) for i in range(n)]
    cols["_uuid"] = [str(uuid.UUID(int=int(rng.integers(2**62)))) for _ in range(n)]
    cols["_submission_time"] = [str(c)[:19] for c in cols[form.column(form.fields[0])]]
    cols["_validation_status"] = [""] * n
    cols["_notes"] = [""] * n
    cols["_status"] = ["submitted_via_web"] * n
    cols["_submitted_by"] = ["enumerator1"] * n
    cols["__version__"] = ["vX1"] * n
    cols["_tags"] = [""] * n
    cols["_index"] = [str(i + 1) for i in range(n)]
    return pd.DataFrame(cols)


def write_export(frame: pd.DataFrame, path: Path) -> Path:
    """A KoboToolbox CSV export: ';'-separated, every value quoted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, sep=";", quoting=1, lineterminator="\n")
    return path


#: 4 strata x 5 clusters; the first two strata are campaign areas.
PLAN = [(f"D{s}", f"D{s}-V{v}", int(s <= 2)) for s in range(1, 5) for v in range(1, 6)]


def serious(problems: pd.DataFrame) -> pd.DataFrame:
    return problems[problems["severity"].isin(["error", "warning"])]


# -- tests ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("form")
    q = build_form(indicators=list(REPORT_INDICATORS) + ["risk_perception", "comprehension", "knowledge_pass"])
    form, codebook = q.write(folder)
    return q, form, codebook


def test_the_form_converts_with_pyxform_without_warnings(written):
    q, form, _ = written
    warnings: list[str] = []
    result = convert(str(form), warnings=warnings)
    assert warnings == [] and result.warnings == []
    xform = XForm(result.xform)
    leaves = [p.rsplit("/", 1)[1] for p in xform.fields]
    assert leaves[:2] == ["start", "end"] and leaves[-1] == "instanceID"
    assert leaves.index("consent") < leaves.index("resp_id") < leaves.index("sex")  # consent first
    # every later question is skipped without consent
    for path in xform.fields:
        group = path.rsplit("/", 1)[0]
        if path.rsplit("/", 1)[1] not in ("start", "end", "consent", "instanceID") and not group.endswith("interview"):
            assert xform.binds[group]["relevant"].replace(" ", "") == "/data/consent='1'", path


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_odk_validate_accepts_the_form(written):
    _, form, _ = written
    convert(str(form), validate=True)  # raises on an invalid XPath expression or form structure


def test_choices_codes_missing_codes_and_identifiers(written):
    q, form, codebook = written
    sheets = pd.read_excel(form, sheet_name=None, dtype=str)
    assert list(sheets) == ["survey", "choices", "settings"]
    choices = sheets["choices"]
    k1 = choices[choices["list_name"] == "k1"]
    assert list(k1["name"]) == ["1", "2", "8", "99"]  # the shipped codes; 8 = don't know stays a valid answer
    yes_no_dk = choices[choices["list_name"] == "yes_no_dk"]
    assert list(zip(yes_no_dk["name"], yes_no_dk["label"])) == [("1", "Yes"), ("0", "No"), ("98", "Don't know"),
                                                                 ("99", "Refused")]
    sex = choices[choices["list_name"] == "sex"]
    assert list(sex["name"]) == ["female", "male", "99"]  # background: refused, never "don't know"
    cb = Codebook.from_yaml(codebook)
    assert cb.pii_columns() == ["respondent_name", "phone"]
    assert cb["k1"].codes == {1: "True", 2: "False", 8: "Don't know"} and cb["k1"].correct == (1,)
    assert cb["k1"].missing == {98: "Don't know", 99: "Refused"}
    assert cb["risk_perception"].missing == {999: "Don't know", 998: "Refused"}
    assert cb["a2"].reverse and cb["a2"].points == 5
    assert (cb.id, cb.weight, cb.strata, cb.psu) == ("resp_id", None, "stratum", "psu")
    assert cb.arm.column == "campaign" and cb.rounds == "independent"
    text = codebook.read_text(encoding="utf-8")
    assert "# weight: weight" in text and "  # identifier: asks for a phone number" in text
    survey = sheets["survey"].fillna("")
    phone = survey[survey["name"] == "phone"].iloc[0]
    assert "Personal data" in phone["hint"] and phone["relevant"] == "${contact_ok} = '1'"
    practices = survey[survey["name"] == "checked_licence"].iloc[0]
    assert practices["relevant"] == "${migration_status} = 'regular' or ${migration_status} = 'returnee'"


@pytest.mark.parametrize("rounds", ["independent", "panel"])
def test_round_trip_answers_validate_and_load_with_the_written_codebook(tmp_path, rounds):
    q = build_form(indicators=list(REPORT_INDICATORS) + ["risk_perception", "comprehension"], rounds=rounds)
    form, codebook = q.write(tmp_path / "form")
    xform = XForm(convert(str(form)).xform)
    rng = np.random.default_rng(18)
    ids = [f"P{i:04d}" for i in range(120)] if rounds == "panel" else None
    export = write_export(kobo_answers(xform, rng, 120, round_="baseline", plan=PLAN, ids=ids),
                          tmp_path / "export.csv")
    problems = validate_survey(export, codebook)
    assert serious(problems).empty, serious(problems).to_string()
    assert set(problems["check"]) <= {"metadata", "group_prefix", "pii_dropped"}, problems.to_string()
    data = load_survey(export, codebook)
    assert "respondent_name" not in data and "phone" not in data  # personal data dropped on load
    raw = pd.read_csv(export, sep=";", dtype=str, keep_default_na=False)
    refused = (raw["consent"] == "0").to_numpy()
    assert refused.any() and data.loc[refused, "k1"].isna().all()
    assert data["k1"].dropna().isin([1, 2, 8]).all()  # 99 (refused) read as missing, 8 (don't know) kept
    assert data["risk_perception"].dropna().between(0, 100).all()
    assert data["hotline_known"].dropna().isin([True, False]).all()
    if rounds == "panel":
        assert list(data["resp_id"]) == ids
    with pytest.warns(UserWarning, match="no weights"):  # no weights until they are computed after fieldwork
        design = SurveyDesign.from_codebook(data, codebook)
    assert design.psu == "psu" and design.strata == "stratum"
    cb = Codebook.from_yaml(codebook)
    table = compute_indicators(design, load_catalogue(), indicators=list(q.indicators), codebook=cb, min_n=5)
    assert set(table["indicator"]) == set(q.indicators)
    assert table["estimate"].notna().all(), table[["indicator", "estimate", "note"]].to_string()


def test_only_the_questions_the_indicators_need(tmp_path):
    q = build_form(indicators=["hotline_known"], contact=False)
    assert [n for n in q.questions if n not in ("start", "end", "resp_id", "round", "stratum", "psu", "campaign",
                                                 "consent")] == ["sex", "age_group", "district", "hotline_known"]
    assert q.identifiers == {}
    assert "respondent_name" not in q.codebook["variables"]
    q = build_form(indicators=["knowledge_score"], contact=False)
    assert [n for n in q.questions if n.startswith("k")] == ["k1", "k2", "k3", "k4", "k5", "k6"]


def test_a_catalogue_of_ones_own_and_a_codebook_with_concepts(tmp_path):
    cat = tmp_path / "catalogue.yaml"
    cat.write_text(
        "version: '1'\nindicators:\n"
        "  - id: trusts_agency\n    name: Trusts the recruitment agency\n"
        "    definition: Share who agree that licensed agencies can be trusted\n"
        "    level: attitude\n    type: proportion\n    numerator: trust_agency >= 4\n    unit: '%'\n"
        "    direction: higher\n    source: project survey\n",
        encoding="utf-8",
    )
    with pytest.raises(FormError, match="trusts_agency.*variable 'trust_agency'.*--codebook"):
        build_form(cat, ["trusts_agency"])
    book = tmp_path / "source.yaml"
    book.write_text(
        "dataset: own\nvariables:\n"
        "  agency_trust:\n    type: categorical\n    label: Licensed agencies can be trusted\n"
        "    concept: trust_agency\n    codes: {1: Strongly disagree, 2: Disagree, 3: Neither, 4: Agree, 5: Strongly agree}\n"
        "    scale: attitude\n    points: 5\n",
        encoding="utf-8",
    )
    q = build_form(cat, ["trusts_agency"], codebook=book, contact=False)
    assert "agency_trust" in q.questions
    assert q.codebook["variables"]["agency_trust"]["concept"] == "trust_agency"
    form, codebook = q.write(tmp_path / "out")
    assert convert(str(form)).warnings == []
    assert Codebook.from_yaml(codebook)["agency_trust"].codes[5] == "Strongly agree"


def test_write_refuses_to_replace_without_force(tmp_path):
    q = build_form(indicators=["risk_aware"])
    q.write(tmp_path)
    from campaign_me.errors import DataError

    with pytest.raises(DataError, match="already holds form.xlsx and codebook.yaml.*--force"):
        q.write(tmp_path)
    q.write(tmp_path, force=True)
    with pytest.raises(FormError, match="rounds='twice'"):
        build_form(indicators=["risk_aware"], rounds="twice")
