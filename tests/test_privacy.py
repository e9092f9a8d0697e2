"""Tests of campaign_me.privacy: finding personal data in tables, and masking it wherever intake
shows a value (messages and problem tables)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from campaign_me.codebook import Codebook
from campaign_me.intake import load_survey
from campaign_me.privacy import find_pii

from .intake_files import message, small_codebook


class TestFindPii:
    def test_kinds(self) -> None:
        df = pd.DataFrame(
            {
                "resp_id": ["001", "002", "003"],
                "age": ["23", "31", "45"],
                "weight": ["1.2345", "0.9876", "1.1111"],
                "date": ["2025-03-01", "2025-03-02", "2025-03-03"],
                "contact": ["+254 712 345 678", "0712345678", None],
                "mail": ["a.b@example.org", "c@example.com", "x"],
                "loc": ["-1.2921 36.8219 1650 5", "-1.29 36.82", "13.7563, 100.5018"],
                "lat": ["-1.292066", "-1.292100", "-1.292200"],
                "first_name": ["A", "B", "C"],
            }
        )
        found = find_pii(df).set_index("column")
        assert found["kind"].to_dict() == {
            "contact": "phone",
            "mail": "email",
            "loc": "gps",
            "lat": "gps",
            "first_name": "name",
        }
        assert found.loc["contact", "n_matching"] == 2 and found.loc["first_name", "reason"] == "column name"
        assert found.loc["contact", "examples"] == ["+2************78", "07******78"]
        assert find_pii(df, use_names=False)["column"].tolist() == ["contact", "mail", "loc"]

    def test_nothing_flagged(self) -> None:
        df = pd.DataFrame(
            {
                "k2_passport": [1, 2, 98],
                "district_name": ["North", "South", "East"],
                "resp_id": ["0012345"] * 3,
            }
        )
        assert find_pii(df).empty
        assert find_pii(pd.DataFrame({"passport_no": ["X1"]}))["kind"].tolist() == ["id_document"]


class TestMasking:
    def test_encoding_error_masks_identifiers(self, tmp_path: Path) -> None:
        cb = Codebook.from_dict(
            small_codebook(respondent_name={"type": "text", "role": "identifier"}, age={"type": "integer"})
        )
        (tmp_path / "enc.csv").write_bytes(
            "rid,respondent_name,age\n1,José Pérez,30\n2,Zoë Müller,31\n".encode("cp1252")
        )
        msg = message(tmp_path / "enc.csv", cb)
        assert (
            "column 'respondent_name': text is not valid UTF-8 (first bad byte 0xE9 at byte position 29: "
            "line 2, column 6) at rows 2, 3: 'Jo******ez', 'Zo******er'; expected UTF-8" in msg
        )
        assert "Jos" not in msg and "Müller" not in msg
        _, problems = load_survey(tmp_path / "enc.csv", cb, errors="report")
        assert problems["values"].iloc[0] == ["Jo******ez", "Zo******er"]

    def test_encoding_error_masks_columns_named_like_personal_data(self, tmp_path: Path) -> None:
        (tmp_path / "enc.csv").write_bytes("rid,first_name,town\n1,José,Bogotá\n".encode("cp1252"))
        _, problems = load_survey(tmp_path / "enc.csv", errors="report")  # no codebook
        assert problems["column"].iloc[0] == "first_name, town"
        assert problems["values"].iloc[0] == ["****", "Bogotá"]

    def test_values_that_look_like_personal_data_are_masked(self, tmp_path: Path) -> None:
        cb = Codebook.from_dict(
            small_codebook(
                sex={"type": "categorical", "codes": {1: "m", 2: "f"}},
                phone={"type": "integer", "role": "identifier"},
            )
        )
        (tmp_path / "p.csv").write_text("rid,sex,phone\n1,0712345678,call me\n2,1,712345678\n")
        msg = message(tmp_path / "p.csv", cb, keep_pii=True)
        assert (
            "column 'sex': codes not in the codebook at row 2: '07******78'; expected one of 1 = m, 2 = f"
            in msg
        )
        assert "column 'phone': not a whole number at row 2: 'ca***me'" in msg
        assert "0712345678" not in msg and "call me" not in msg


class TestNumbersAndPhones:
    def test_phone_numbers_without_plus_or_leading_zero(self) -> None:
        df = pd.DataFrame(
            {
                "contact": ["254712345678", "254722000111", "254733123456"],
                "mob": ["712345678", "722000111", "733123456"],
                "ng": ["8031234567", "9012345678", None],
                "ids": ["123456789", "100234", "20250303001"],
                "dated_ids": ["202503030001", "202503030002", "202503040001"],
                "small": ["12", "7", "345"],
                "p": ["0.1368744758", "0.04316546763", "0.5"],
                "day": ["2025-03-01", "2025-03-02", "2025-03-03"],
            }
        )
        found = find_pii(df)
        assert found["column"].tolist() == ["contact", "mob", "ng"] and set(found["kind"]) == {"phone"}
        assert found["examples"].iloc[0] == ["25********78", "25********11", "25********56"]
        assert found["examples"].iloc[1] == ["71*****78", "72*****11", "73*****56"]


def test_decimals_are_not_phone_numbers():
    # regression: inclusion probabilities such as 0.1368744758 were flagged as phone numbers
    df = pd.DataFrame(
        {"p": ["0.1368744758", "0.04316546763", "0.5"], "tel": ["0771234567", "0772345678", "0773456789"]}
    )
    found = find_pii(df)
    assert found["column"].tolist() == ["tel"]
