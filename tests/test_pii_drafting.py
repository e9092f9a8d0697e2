"""Personal data at the first step: identifiers drafted from a form, and columns of names caught on intake.

``campaign-me codebook --form`` drafts questions that ask for a name, phone number, e-mail, address or
GPS position as ``role: identifier`` (by type, name or label) with a comment saying why; ``validate``
(``validate_survey``, ``load_survey``) flags columns whose values look like person names, never
showing the names. Ordinary categorical text (village names, Yes/No, comments) is not flagged.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from campaign_me import Codebook, load_survey
from campaign_me.cli import main
from campaign_me.intake import format_problems, validate_survey
from campaign_me.privacy import find_pii
from campaign_me.xlsform import draft_codebook, identifier_reason
from campaign_me.yamlfile import parse_yaml

# -- a form ----------------------------------------------------------------------------------------

#: (name, type, label, drafted as an identifier?)
QUESTIONS = [
    ("start", "start", "", False),
    ("resp_name", "text", "What is your name?", True),
    ("phone_number", "text", "Phone", True),
    ("q7", "text", "Respondent's phone number for follow-up", True),  # by label only
    ("q8", "text", "What is your full name?", True),
    ("contact_email", "text", "Contact", True),
    ("e_mail", "text", "E-mail", True),
    ("home_address", "text", "Home", True),
    ("q9", "text", "Where do you live? (street and house)", True),
    ("mobile", "phonenumber", "Mobile", True),
    ("loc", "geopoint", "Location of the interview", True),
    ("route", "geotrace", "Route walked", True),
    ("area", "geoshape", "Area of the camp", True),
    ("gps_lat", "decimal", "Latitude", True),
    ("full_name", "calculate", "", True),
    ("passport_no", "text", "Passport", True),
    ("age", "integer", "How old are you?", False),
    ("village", "text", "Name of your village", False),
    ("own_phone", "select_one yn", "Do you own a mobile phone?", False),
    ("k2_passport", "select_one yn", "An employer may keep your passport", False),
    ("hotline_known", "select_one yn", "Knows the hotline number", False),
    ("phones_owned", "integer", "How many phones does your household own?", False),
    ("comments", "text", "Any other comments?", False),
    ("occupation", "text", "What is your occupation?", False),
]


@pytest.fixture
def form(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    for name, qtype, label, _ in QUESTIONS:
        ws.append([qtype, name, label])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    choices.append(["yn", "1", "Yes"])
    choices.append(["yn", "2", "No"])
    settings = wb.create_sheet("settings")
    settings.append(["form_id", "version"])
    settings.append(["pii_form", "1"])
    path = tmp_path / "form.xlsx"
    wb.save(path)
    return path


def test_form_questions_that_ask_for_personal_data_are_drafted_as_identifiers(form):
    cb, reasons = draft_codebook(form)
    drafted = {name for name, var in cb.variables.items() if var.role == "identifier"}
    assert drafted == {name for name, _, _, pii in QUESTIONS if pii}
    assert set(reasons) == drafted
    assert reasons["resp_name"] == "its name 'resp_name' suggests person names"
    assert reasons["q7"] == "its label suggests phone numbers"
    assert reasons["q9"] == "its label suggests addresses"
    assert reasons["loc"] == "its type geopoint holds a GPS position"
    assert cb["resp_name"].type == "text" and cb["age"].role == "other"
    assert cb["full_name"].type == "text"  # a calculate: was derived, now an identifier


@pytest.mark.parametrize(
    ("name", "qtype", "label"),
    [
        ("q1", "select_one", "What is your name?"),  # a select question never holds the answer verbatim
        ("village_name", "text", "Name of the village"),
        ("message_address", "select_one", "Did the message address your concerns?"),
        ("heard_from", "text", "Who told you about the campaign?"),
    ],
)
def test_ordinary_questions_are_not_identifiers(name, qtype, label):
    assert identifier_reason(name, qtype, label) is None


def test_cli_draft_says_why_each_identifier_was_drafted(form, tmp_path, capsys):
    assert main(["codebook", "--form", str(form)]) == 0
    captured = capsys.readouterr()
    text = captured.out
    lines = text.splitlines()
    for name, _, _, pii in QUESTIONS:
        at = lines.index(f"  {name}:")
        comment = lines[at - 1]
        assert comment.startswith("  # identifier: ") == pii, (name, comment)
    at = lines.index("  resp_name:")
    assert lines[at - 1] == ("  # identifier: its name 'resp_name' suggests person names "
                             "(dropped on load; change the role if it is not personal data)")
    assert "resp_name" in captured.err and "drafted as identifiers" in captured.err
    cb = Codebook.from_dict(parse_yaml(text))  # the comments leave a valid codebook
    assert cb["resp_name"].role == "identifier" and cb["phone_number"].role == "identifier"
    assert cb["village"].role == "other"
    assert main(["codebook", "--form", str(form), "--out", str(tmp_path / "cb.yaml")]) == 0
    assert (tmp_path / "cb.yaml").read_text(encoding="utf-8") == text


# -- a survey with a column of names -----------------------------------------------------------------

FIRST = ["Amina", "Baraka", "Chidi", "Dawit", "Esi", "Fatou", "Goran", "Hawa", "Ifeoma", "Jamal", "Kofi",
         "Leila", "Moussa", "Nadia", "Omar", "Priya", "Rahel", "Samir", "Tendai", "Yusuf"]
LAST = ["Wanjiru", "Okafor", "Mensah", "Diallo", "Haile", "Traore", "Petrovic", "O'Brien", "Nkosi",
        "al-Hassan", "Kamau", "Bekele"]
VILLAGES = ["Kibera Kati", "Mlolongo Juu", "Githurai", "Kisumu Ndogo", "Ruai"]
COMMENTS = ["heard it on the radio", "the poster was clear", "", "my neighbour told me about it",
            "Saw the poster at the market", "nothing to add", "Very Good Campaign", "No comment"]


def _survey(tmp_path: Path, n: int = 40, *, declare_name: bool = True) -> tuple[Path, Path, list[str]]:
    rng = np.random.default_rng(7)
    names = []
    while len(names) < n:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in names:
            names.append(name)
    df = pd.DataFrame({
        "resp_id": [f"R{i:03d}" for i in range(n)],
        "village": rng.choice(VILLAGES, n),
        "consent": rng.choice(["Yes", "No"], n),
        "resp_label": names,  # a column of person names whose name says nothing
        "comments": [f"{COMMENTS[i % len(COMMENTS)]}" for i in range(n)],
        "occupation": rng.choice(["Farmer", "Trader", "Student", "Teacher", "Driver"], n),
    })
    csv = tmp_path / "survey.csv"
    df.to_csv(csv, index=False)
    variables = {
        "resp_id": {"type": "id"},
        "village": {"type": "text"},
        "consent": {"type": "text"},
        "comments": {"type": "text"},
        "occupation": {"type": "text"},
    }
    if declare_name:
        variables["resp_label"] = {"type": "text", "label": "Respondent"}
    cb = tmp_path / "codebook.yaml"
    Codebook.from_dict({"dataset": "pii", "id": "resp_id", "variables": variables}).to_yaml(cb)
    return csv, cb, names


def _shows_no_name(text: str, names: list[str]) -> None:
    for name in names:
        for part in name.split():
            assert part not in text, part


def test_validate_flags_a_declared_text_column_of_names_without_showing_them(tmp_path):
    csv, cb, names = _survey(tmp_path)
    problems = validate_survey(csv, cb)
    flagged = problems[problems["check"] == "pii_suspected"]
    assert flagged["column"].tolist() == ["resp_label"]  # not village, consent, comments or occupation
    (rec,) = flagged.to_dict("records")
    assert rec["severity"] == "warning"
    assert "40 of 40 values look like person names" in rec["problem"]
    assert "Xxxx Xxxx" in rec["values"] and set("".join(rec["values"])) <= set("Xx -")  # shapes, not names
    _shows_no_name(problems.to_string() + format_problems(problems, table=True), names)


def test_validate_flags_an_undeclared_column_of_names_as_an_error_and_load_drops_it(tmp_path):
    csv, cb, names = _survey(tmp_path, declare_name=False)
    problems = validate_survey(csv, cb)
    flagged = problems[problems["check"] == "pii_suspected"]
    assert flagged["column"].tolist() == ["resp_label"] and flagged["severity"].tolist() == ["error"]
    assert "undeclared column that looks like personal data (40 of 40 values look like person names" in (
        flagged["problem"].iloc[0])
    data, report = load_survey(csv, cb, errors="report")
    assert "resp_label" not in data.columns and {"village", "comments"} <= set(data.columns)
    _shows_no_name(report.to_string(), names)


def test_cli_validate_names_the_column_and_the_count_not_the_names(tmp_path, capsys):
    csv, cb, names = _survey(tmp_path)
    code = main(["validate", str(csv), "--codebook", str(cb)])
    out = capsys.readouterr().out
    assert code == 1  # a warning: the file needs a look
    assert "resp_label" in out and "40 of 40 values look like person names" in out
    _shows_no_name(out, names)


def test_load_survey_warns_about_a_declared_column_of_names(tmp_path):
    csv, cb, _ = _survey(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = load_survey(csv, cb)
    assert any("resp_label" in str(w.message) and "person names" in str(w.message) for w in caught)
    assert "resp_label" in data.columns  # declared: kept, the user decides (role: identifier drops it)


# -- both directions on columns ----------------------------------------------------------------------

def _flagged(values, column: str = "q") -> list[str]:
    return find_pii(pd.DataFrame({column: values}), use_names=False)["kind"].tolist()


def test_columns_of_names_are_flagged():
    rng = np.random.default_rng(1)
    full = [f"{first} {last}" for first in FIRST for last in LAST][:200]
    assert _flagged(full) == ["name"]
    assert _flagged([n.upper() for n in full]) == ["name"]  # typed in capitals
    assert _flagged(["Amina bint Said", "Jan van der Berg", "Mary-Jane O'Brien", "J. Otieno", "Zoë Müller",
                     "Kwame Nkrumah", "Ngozi Okonjo"]) == ["name"]
    assert _flagged(list(full[:30]) + ["", "n/a"] * 3) == ["name"]
    first_only = list(rng.choice(FIRST, 150))  # first names repeat: only with a name that says so
    assert _flagged(first_only) == []
    assert _flagged(first_only, column="first_name") == ["name"]
    assert _flagged(first_only, column="resp_name") == ["name"]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(list(np.random.default_rng(2).choice(VILLAGES, 300)), id="villages"),
        pytest.param(["Yes", "No"] * 100, id="yes-no"),
        pytest.param(["Kisumu", "Nakuru", "Eldoret", "Thika", "Malindi", "Garissa", "Kitui", "Embu"],
                     id="distinct-one-word-places"),
        pytest.param([f"{c} {i}" for i, c in enumerate(COMMENTS * 20)], id="comments"),
        pytest.param(["heard it on the radio", "The Poster Was Clear", "Very Good Message", "Not Sure",
                      "Saw It At Church", "Don't Know", "New Town Market", "Lake Side Village",
                      "Radio And Tv"] * 3, id="title-case-comments"),
        pytest.param(["North Kibera", "South Kibera", "Upper Hill", "Lake View", "New Market", "Old Town",
                      "East Gate"], id="title-case-places"),
        pytest.param(["Farmer", "Trader", "Student", "Teacher", "Driver"] * 40, id="occupations"),
        pytest.param([f"AR-E-{i:05d}" for i in range(300)], id="ids"),
        pytest.param(["Amina Wanjiru", "Baraka Okafor", "Esi Mensah"] * 50, id="three-enumerators"),
    ],
)
def test_ordinary_text_is_not_flagged(values):
    assert _flagged(values) == []
