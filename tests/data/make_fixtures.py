"""Write the intake test fixtures under tests/data/good and tests/data/bad.

Run from the repository root:  python tests/data/make_fixtures.py

Every file is small and handmade: a clean survey in several containers (CSV with ``,`` and ``;``,
UTF-8 with BOM, UTF-16 tab-separated, .xlsx), a KoboToolbox export with its XLSForm, and one broken
file per failure that tests/test_intake_load.py checks (``regressions()`` writes those added after review: a
stray quote, a zipped ODK Central export, a chart sheet, a stale Excel dimension record and a Kobo
export with '.' group separators). Text files are byte-for-byte reproducible; .xlsx files
differ between runs only in the save timestamp that openpyxl writes. Names and phone numbers are fictitious (``+254 700
000 0xx`` is not a subscriber range in use by anyone we know of; all names end in "Test").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
GOOD = HERE / "good"
BAD = HERE / "bad"

HEADER = [
    "resp_id",
    "district",
    "weight",
    "interview_date",
    "respondent_name",
    "phone",
    "sex",
    "age",
    "k1_fee",
    "k2_passport",
    "a1_regular",
    "a2_broker",
    "risk_detained",
    "intention",
    "channels/radio",
    "channels/tv",
    "channels/facebook",
    "channels/event",
    "checked_licence",
    "comments",
]
# Header is line 1, so ROWS[i] is on line i + 2.
ROWS = [
    ["001", "D01", "1.25", "2025-03-03", "Amina Test", "+254 700 000 001", "2", "19", "2", "2", "4", "2", "60", "1",
     "1", "0", "1", "0", "yes", ""],
    ["002", "D01", "1.25", "2025-03-03", "Baraka Test", "+254 700 000 002", "1", "23", "98", "1", "5", "1", "75", "0",
     "0", "0", "1", "0", "no", "Knows the hotline"],
    ["003", "D01", "0.80", "2025-03-04", "Chen Test", "+254 700 000 003", "1", "31", "1", "2", "3", "3", "-99", "2",
     "1", "1", "0", "0", "no", ""],
    ["004", "D02", "0.80", "2025-03-04", "Dina Test", "+254 700 000 004", "2", "27", "2", "98", "2", "4", "40", "3",
     "0", "0", "0", "0", "yes", ""],
    ["005", "D02", "1.10", "2025-03-05", "Emeka Test", "+254 700 000 005", "1", "-99", "2", "2", "4", "1", "90", "1",
     "0", "1", "0", "1", "yes", ""],
    ["006", "D02", "1.10", "2025-03-05", "Fatou Test", "+254 700 000 006", "2", "45", "1", "2", "1", "5", "20", "0",
     "", "", "", "", "-99", "Refused the exposure module"],
    ["007", "D01", "0.95", "2025-03-06", "Gita Test", "+254 700 000 007", "2", "52", "98", "98", "3", "2", "55", "2",
     "1", "1", "1", "1", "no", ""],
    ["008", "D02", "0.95", "2025-03-06", "Hugo Test", "+254 700 000 008", "1", "64", "2", "2", "5", "1", "100", "1",
     "0", "0", "1", "0", "yes", ""],
]  # fmt: skip

CODEBOOK = """\
# Codebook of the intake test fixtures (format: docs/codebook.md).
dataset: kap_fixture
version: "1.0"
description: Small handmade KAP survey used by tests/test_io.py.
id: resp_id
weight: weight
strata: district
missing: {-99: Refused}

variables:
  resp_id: {type: id, label: Respondent ID}
  district:
    type: categorical
    role: design
    label: District (stratum)
    codes: {D01: North, D02: South}
  weight: {type: number, role: design, label: Survey weight, min: 0}
  interview_date:
    type: date
    role: metadata
    label: Interview date
    min: "2025-01-01"
    max: "2025-12-31"
  respondent_name: {type: text, role: identifier, label: Respondent name}
  phone: {type: text, role: identifier, label: Respondent phone number}
  sex:
    type: categorical
    required: true
    label: Sex of respondent
    codes: {1: Male, 2: Female}
  age: {type: integer, required: true, label: Age in years, min: 15, max: 64}
  k1_fee:
    type: categorical
    scale: knowledge
    label: A licensed agency may charge any recruitment fee it likes
    codes: &tf {1: "True", 2: "False", 98: Don't know}
    correct: 2
  k2_passport:
    type: categorical
    scale: knowledge
    label: An employer abroad may keep your passport for you
    codes: *tf
    correct: 2
  a1_regular:
    type: categorical
    scale: attitude
    label: Going abroad through a licensed agency is worth the wait
    points: 5
    codes: &agree {1: Strongly disagree, 2: Disagree, 3: Neither, 4: Agree, 5: Strongly agree}
  a2_broker:
    type: categorical
    scale: attitude
    label: Using an unlicensed broker is fine if it is faster
    points: 5
    reverse: true
    codes: *agree
  risk_detained:
    type: integer
    scale: risk_perception
    label: Of 100 people like you going irregularly, how many would be detained?
    min: 0
    max: 100
  intention:
    type: categorical
    scale: intention
    label: Plans to go abroad in the next 12 months
    codes: {0: No plans, 1: Yes - regular channels, 2: Yes - without documents, 3: Undecided}
  channels:
    type: select_multiple
    scale: exposure
    label: Where did you see or hear anything about working abroad?
    codes: {radio: Radio, tv: Television, facebook: Facebook, event: Community event}
  checked_licence:
    type: boolean
    scale: practice
    label: Checked the agency's licence before signing
    correct: true
  comments: {type: text, label: Interviewer comments}
"""

KOBO_CODEBOOK = """\
# Codebook of the Kobo export fixture: codes of k1_fee and channels come from the XLSForm.
dataset: kobo_fixture
version: "2025.1"
id: resp_id
variables:
  resp_id: {type: id, label: Respondent ID}
  age: {type: integer, min: 15, max: 64, required: true}
  k1_fee: {type: categorical, choices: tf, scale: knowledge, correct: 2}
  channels: {type: select_multiple, scale: exposure}
  consent: {type: boolean}
  gps: {type: text, role: identifier}
"""

KOBO_HEADER = [
    "start",
    "end",
    "demographics/resp_id",
    "demographics/age",
    "knowledge/k1_fee",
    "exposure/channels",
    "exposure/channels/radio",
    "exposure/channels/tv",
    "exposure/channels/facebook",
    "exposure/channels/event",
    "consent",
    "gps",
    "_gps_latitude",
    "_gps_longitude",
    "_gps_altitude",
    "_gps_precision",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
]
_T = "2025-03-03T09:{:02d}:00.000+03:00"
KOBO_ROWS = [
    [_T.format(10), _T.format(25), "K001", "21", "2", "radio facebook", "1", "0", "1", "0", "yes",
     "-1.2921 36.8219 1650 5", "-1.2921", "36.8219", "1650", "5", "101", "a1b2c3d4-0001", "2025-03-03T07:30:00",
     "", "[]", "submitted_via_web", "enumerator1", "vX1", "[]", "1"],
    [_T.format(30), _T.format(44), "K002", "34", "98", "", "", "", "", "", "yes",
     "-1.2925 36.8222 1648 5", "-1.2925", "36.8222", "1648", "5", "102", "a1b2c3d4-0002", "2025-03-03T07:50:00",
     "", "[]", "submitted_via_web", "enumerator1", "vX1", "[]", "2"],
    [_T.format(45), _T.format(59), "K003", "19", "1", "tv", "0", "1", "0", "0", "no",
     "", "", "", "", "", "103", "a1b2c3d4-0003", "2025-03-03T08:05:00",
     "", "[]", "submitted_via_web", "enumerator2", "vX1", "[]", "3"],
    [_T.format(50), _T.format(58), "K004", "45", "2", "radio tv facebook event", "1", "1", "1", "1", "yes",
     "-1.2930 36.8230 1651 4", "-1.2930", "36.8230", "1651", "4", "104", "a1b2c3d4-0004", "2025-03-03T08:10:00",
     "", "[]", "submitted_via_web", "enumerator2", "vX1", "[]", "4"],
]  # fmt: skip


def _csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",", quote_all: bool = False) -> str:
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=delimiter,
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _write(path: Path, content: str | bytes, encoding: str = "utf-8") -> None:
    data = content.encode(encoding) if isinstance(content, str) else content
    path.write_bytes(data)


def _drop(header: list[str], rows: list[list[str]], names: set[str]) -> tuple[list[str], list[list[str]]]:
    keep = [i for i, h in enumerate(header) if h not in names]
    return [header[i] for i in keep], [[r[i] for i in keep] for r in rows]


def _set(rows: list[list[str]], column: str, values: dict[int, str]) -> list[list[str]]:
    """Copy of rows with ROWS[i][column] = value for each {i: value}."""
    j = HEADER.index(column)
    out = [list(r) for r in rows]
    for i, v in values.items():
        out[i][j] = v
    return out


def _workbook_rows(
    ws: openpyxl.worksheet.worksheet.Worksheet, header: list[str], rows: list[list[str]]
) -> None:
    ws.append(header)
    numeric = {"weight", "sex", "age", "k1_fee", "k2_passport", "a1_regular", "a2_broker", "risk_detained",
               "intention", "channels/radio", "channels/tv", "channels/facebook", "channels/event"}  # fmt: skip
    for r in rows:
        cells: list[object] = []
        for h, v in zip(header, r):
            if v == "":
                cells.append(None)
            elif h == "interview_date":
                cells.append(dt.datetime.fromisoformat(v))
            elif h in numeric:
                cells.append(float(v) if "." in v else int(v))
            else:
                cells.append(v)
        ws.append(cells)


def good() -> None:
    GOOD.mkdir(exist_ok=True)
    _write(GOOD / "codebook.yaml", CODEBOOK)
    _write(GOOD / "survey.csv", _csv_text(HEADER, ROWS))
    _write(GOOD / "survey_semicolon.csv", _csv_text(HEADER, ROWS, delimiter=";", quote_all=True))
    _write(GOOD / "survey_bom.csv", _csv_text(HEADER, ROWS), encoding="utf-8-sig")
    _write(GOOD / "survey_utf16.txt", _csv_text(HEADER, ROWS, delimiter="\t"), encoding="utf-16")

    # Excel: ids as text, numbers and dates as Excel values; one id stored as a number shown as "008".
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    _workbook_rows(ws, HEADER, ROWS)
    ws.cell(row=9, column=1, value=8).number_format = "000"
    wb.create_sheet("empty")
    wb.save(GOOD / "survey.xlsx")

    _write(GOOD / "kobo_codebook.yaml", KOBO_CODEBOOK)
    _write(GOOD / "kobo_export.csv", _csv_text(KOBO_HEADER, KOBO_ROWS, delimiter=";", quote_all=True))
    split_header, split_rows = _drop(KOBO_HEADER, KOBO_ROWS, {"exposure/channels"})
    _write(GOOD / "kobo_export_split.csv", _csv_text(split_header, split_rows))
    text_header, text_rows = _drop(
        KOBO_HEADER, KOBO_ROWS, {f"exposure/channels/{o}" for o in ("radio", "tv", "facebook", "event")}
    )
    _write(GOOD / "kobo_export_text.csv", _csv_text(text_header, text_rows))

    form = openpyxl.Workbook()
    survey = form.active
    survey.title = "survey"
    for row in [
        ["type", "name", "label::English (en)", "required"],
        ["start", "start", "", ""],
        ["end", "end", "", ""],
        ["begin_group", "demographics", "Demographics", ""],
        ["text", "resp_id", "Respondent ID", "yes"],
        ["integer", "age", "How old are you?", "yes"],
        ["end_group", "", "", ""],
        ["begin_group", "knowledge", "Knowledge", ""],
        ["select_one tf", "k1_fee", "A licensed agency may charge any recruitment fee it likes", "yes"],
        ["end_group", "", "", ""],
        ["begin_group", "exposure", "Exposure", ""],
        ["select_multiple channel_list", "channels", "Where did you hear about working abroad?", ""],
        ["end_group", "", "", ""],
        ["select_one yn", "consent", "Do you agree to take part?", "yes"],
        ["geopoint", "gps", "Location of the interview", ""],
    ]:
        survey.append(row)
    choices = form.create_sheet("choices")
    for row in [
        ["list_name", "name", "label::English (en)"],
        ["tf", "1", "True"],
        ["tf", "2", "False"],
        ["tf", "98", "Don't know"],
        ["channel_list", "radio", "Radio"],
        ["channel_list", "tv", "Television"],
        ["channel_list", "facebook", "Facebook"],
        ["channel_list", "event", "Community event"],
        ["yn", "yes", "Yes"],
        ["yn", "no", "No"],
    ]:
        choices.append(row)
    settings = form.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["KAP fixture", "kobo_fixture", "2025.1", "English (en)"])
    form.save(GOOD / "kobo_form.xlsx")


def bad() -> None:
    BAD.mkdir(exist_ok=True)
    text = _csv_text(HEADER, ROWS)
    lines = text.split("\r\n")

    _write(BAD / "empty.csv", b"")
    _write(BAD / "header_only.csv", lines[0] + "\r\n")

    # Lines 4 and 6 written with ';' while the rest of the file uses ','.
    mixed = list(lines)
    mixed[3] = ";".join(ROWS[2])
    mixed[5] = ";".join(ROWS[4])
    _write(BAD / "mixed_delimiters.csv", "\r\n".join(mixed))

    # Windows-1252 text: "Dépôt" in the comments of line 4 and "São" on line 7.
    cp = _set(ROWS, "comments", {2: "Asked about the Dépôt office", 5: "From São Paulo"})
    _write(BAD / "non_utf8.csv", _csv_text(HEADER, cp), encoding="cp1252")

    # A labels row under the names row (Kobo "labels" + "XML values" pasted together).
    labels = ["Respondent ID", "District (stratum)", "Survey weight", "Interview date", "Respondent name",
              "Respondent phone number", "Sex of respondent", "Age in years",
              "A licensed agency may charge any recruitment fee it likes",
              "An employer abroad may keep your passport for you",
              "Going abroad through a licensed agency is worth the wait",
              "Using an unlicensed broker is fine if it is faster",
              "Of 100 people like you going irregularly, how many would be detained?",
              "Plans to go abroad in the next 12 months", "Radio", "Television", "Facebook", "Community event",
              "Checked the agency's licence before signing", "Interviewer comments"]  # fmt: skip
    _write(BAD / "two_header_rows.csv", _csv_text(HEADER, [labels, *ROWS]))

    # The header repeated at line 6 (two exports pasted together).
    _write(BAD / "repeated_header.csv", _csv_text(HEADER, [*ROWS[:4], HEADER, *ROWS[4:]]))

    _write(BAD / "duplicate_ids.csv", _csv_text(HEADER, _set(ROWS, "resp_id", {4: "003"})))
    _write(BAD / "text_in_numeric.csv", _csv_text(HEADER, _set(_set(ROWS, "age", {1: "twenty", 5: "n/a"}),
                                                               "risk_detained", {3: "50%"})))  # fmt: skip
    out = _set(_set(_set(ROWS, "k1_fee", {2: "5"}), "a2_broker", {4: "7"}), "age", {6: "70"})
    _write(BAD / "codes_out_of_range.csv", _csv_text(HEADER, out))

    _write(BAD / "unknown_column.csv", _csv_text([*HEADER, "q99_extra"], [[*r, "x"] for r in ROWS]))
    _write(BAD / "missing_required.csv", _csv_text(*_drop(HEADER, ROWS, {"age"})))
    _write(BAD / "all_missing.csv", _csv_text(HEADER, _set(ROWS, "sex", dict.fromkeys(range(8), ""))))
    _write(BAD / "bad_weights.csv", _csv_text(HEADER, _set(ROWS, "weight", {1: "0", 3: "-1.5", 5: ""})))
    _write(BAD / "duplicate_columns.csv", _csv_text([*HEADER, "age"], [[*r, "30"] for r in ROWS]))

    phones = ["0712 345 001", "+254712345002", "0712-345-003", "0712345004", "", "0712345006", "0712345007",
              "0712345008"]  # fmt: skip
    _write(BAD / "phone_column.csv", _csv_text([*HEADER, "contact"], [[*r, p] for r, p in zip(ROWS, phones)]))
    points = [f"-1.29{i} 36.82{i} 1650 5" for i in range(10, 18)]
    _write(BAD / "gps_column.csv", _csv_text([*HEADER, "location"], [[*r, g] for r, g in zip(ROWS, points)]))

    # Kobo export whose select_multiple options (and k1_fee codes) live only in the XLSForm.
    _write(BAD / "kobo_no_form.csv", _csv_text(KOBO_HEADER, KOBO_ROWS, delimiter=";", quote_all=True))

    # A CSV file renamed to .xlsx, and an old binary .xls.
    _write(BAD / "csv_renamed.xlsx", text)
    _write(BAD / "legacy.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)

    # Workbook with data on several sheets.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "wave1"
    _workbook_rows(ws, HEADER, ROWS[:4])
    _workbook_rows(wb.create_sheet("wave2"), HEADER, ROWS[4:])
    wb.create_sheet("readme").append(["Waves 1 and 2 of the fixture survey"])
    wb.save(BAD / "several_sheets.xlsx")

    # Group headers merged over the column names: the names are on row 2.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["Identification", None, None, None, None, None, "Demographics", None, "Knowledge"])
    ws.merge_cells("A1:F1")
    ws.merge_cells("G1:H1")
    ws.merge_cells("I1:T1")
    _workbook_rows(ws, HEADER, ROWS)
    wb.save(BAD / "merged_header.xlsx")

    # Codebooks that break the format.
    _write(BAD / "codebook_not_yaml.yaml", "dataset: broken\nvariables:\n  age: {type: integer, min: 15\n")
    _write(
        BAD / "codebook_duplicate.yaml",
        "dataset: dup\nvariables:\n  age: {type: integer}\n  sex: {type: categorical}\n  age: {type: number}\n",
    )
    _write(
        BAD / "codebook_errors.yaml",
        """\
dataset: errors
id: respid
variables:
  resp_id: {type: id}
  age: {type: integr}
  k1: {type: categorical, scale: knowledge, codes: {1: "True", 2: "False", 98: Don't know}, correct: 3}
  k2: {type: categorical, scale: knowledge, codes: {1: "True", 2: "False", 98: Don't know}, missing: {98: dk}}
  a1: {type: categorical, scale: attitude, reverse: true}
  risk: {type: integer, min: 100, max: 0, lable: Risk}
  channels: {type: select_multiple, codes: [radio, tv], points: 5}
""",
    )


def regressions() -> None:
    """Files for intake defects found in review (stray quotes, archives, Excel quirks, '.' groups)."""
    text = _csv_text(HEADER, ROWS)

    # A stray opening quote in the comments of line 3: the rest of the file would read as one value.
    assert text.count(",Knows the hotline\r\n") == 1
    _write(BAD / "unterminated_quote.csv", text.replace(",Knows the hotline\r\n", ',"Knows the hotline\r\n'))

    # An ODK Central export: a zip of CSV files (the main form and a repeat group), not a CSV file.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in (("kap_fixture.csv", text), ("kap_fixture-members.csv", "PARENT_KEY,age\r\n")):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2025, 3, 7, 12, 0, 0)), content)
    _write(BAD / "odk_central_export.zip", buf.getvalue())

    # A chart sheet in front of the data sheet.
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    _workbook_rows(ws, HEADER, ROWS)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=8, min_row=1, max_row=len(ROWS) + 1), titles_from_data=True)
    wb.create_chartsheet("age chart", 0).add_chart(chart)
    wb.save(BAD / "chart_sheet.xlsx")

    # A workbook whose stored dimension record (<dimension ref=...>) says A1:T5 although the data go to
    # row 9, as some programs write it: read-only readers that trust it drop rows 6-9.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    _workbook_rows(ws, HEADER, ROWS)
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:T5"/>', data)
                assert n == 1
            zout.writestr(item, data)
    _write(BAD / "stale_dimension.xlsx", out.getvalue())

    # A Kobo export with '.' as the group separator ("demographics.age", "exposure.channels.radio").
    dots = [h.replace("/", ".") for h in KOBO_HEADER]
    _write(GOOD / "kobo_export_dots.csv", _csv_text(dots, KOBO_ROWS, delimiter=";", quote_all=True))


def field_failures() -> None:
    """Files for issue 7: values changed without a word, personal data let out (one file per failure)."""
    text = _csv_text(HEADER, ROWS)

    # Formula cells: age of row 3 a formula (no stored result, as openpyxl and pandas write them) and a
    # comment that is text starting with "=" (written as a formula too).
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    _workbook_rows(ws, HEADER, ROWS)
    ws.cell(row=3, column=HEADER.index("age") + 1, value="=20+3")
    ws.cell(row=5, column=HEADER.index("comments") + 1, value="=no answer")
    wb.save(BAD / "formula_cells.xlsx")

    # A stray opening quote in age on line 2 that closes on line 3: 001 would take 002's answers.
    lines = text.split("\r\n")
    lines[1] = lines[1].replace(",2,19,", ',2,"19,', 1)
    lines[2] = lines[2].replace(",1,23,", ',1,23",', 1)
    _write(BAD / "stray_quote_next_line.csv", "\r\n".join(lines))

    # A semicolon file with decimal commas where "2.000" and "12.000" are thousands (risk_detained).
    semi = _set(ROWS, "weight", {i: r[HEADER.index("weight")].replace(".", ",") for i, r in enumerate(ROWS)})
    semi = _set(semi, "risk_detained", {0: "2.000", 1: "12.000"})
    _write(BAD / "thousands_in_codes.csv", _csv_text(HEADER, semi, delimiter=";"))

    # Out-of-range values: age 99 and a phone number typed into age, a negative weight.
    oor = _set(ROWS, "age", {0: "99", 2: "712345678"})
    oor = _set(oor, "weight", {3: "-1"})
    _write(BAD / "out_of_range.csv", _csv_text(HEADER, oor))

    # Excel ids with custom number formats, and real date cells (read with a codebook 'format').
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    _workbook_rows(ws, HEADER, ROWS)
    for r in range(2, len(ROWS) + 2):
        cell = ws.cell(row=r, column=1)
        cell.value = int(cell.value)
        cell.number_format = '"AR-"0000' if r % 2 else "000-000"
    wb.save(BAD / "excel_number_formats.xlsx")

    # A pandas to_csv round trip: whole numbers with ".0", yes/no as 1.0/0.0, ids without leading zeros.
    rt = _set(ROWS, "checked_licence", {i: {"yes": "1.0", "no": "0.0"}.get(r[-2], r[-2]) for i, r in enumerate(ROWS)})
    for col in ("sex", "k1_fee", "k2_passport", "a1_regular", "a2_broker", "intention", "age", "risk_detained"):
        j = HEADER.index(col)
        rt = _set(rt, col, {i: (r[j] + ".0" if r[j] else "") for i, r in enumerate(rt)})
    _write(BAD / "to_csv_roundtrip.csv", _csv_text(HEADER, rt))

    # A Kobo "labels" export: the label headers include an identifier's label that does not sound like
    # personal data (tests/test_intake.py gives respondent_name the label "What are you called?").
    labels = {"respondent_name": "What are you called?", "phone": "Respondent phone number"}
    _write(BAD / "label_headers.csv", _csv_text([labels.get(h, h) for h in HEADER], ROWS))

    # No header row: respondent 1's phone number, e-mail address and GPS position come first.
    rows = [["001", "Amina Test", "+254700000001", "amina.test@example.org", "-1.2921 36.8219", "2", "19"],
            ["002", "Baraka Test", "+254700000002", "baraka.test@example.org", "-1.2925 36.8222", "1", "23"]]  # fmt: skip
    _write(BAD / "no_header.csv", "\r\n".join(",".join(r) for r in rows) + "\r\n")

    # Terminal escape codes in a column name (set the window title, clear the screen).
    esc = [h if h != "comments" else "comments\x1b]0;owned\x07\x1b[2J" for h in HEADER]
    _write(BAD / "escape_codes.csv", _csv_text(esc, ROWS))


if __name__ == "__main__":
    good()
    bad()
    regressions()
    field_failures()
    print(f"wrote {len(list(GOOD.iterdir()))} files to {GOOD} and {len(list(BAD.iterdir()))} to {BAD}")
