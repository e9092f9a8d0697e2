"""Personal data: find it in tables and text, mask it.

Survey files carry direct identifiers (names, phone numbers, e-mail addresses, GPS positions).
Intake drops them (:func:`campaign_me.intake.load_survey`); reports must never show them. This module
holds the tests both use:

* :func:`find_pii` flags the columns of a table whose values (or names) look like personal data:
  phone numbers, e-mail addresses, GPS positions, and person names (mostly distinct capitalised
  full names; village names, answer labels and comments repeat or have ordinary words);
* :func:`looks_like_pii` tests one value, :func:`scan_text` finds personal data inside free text
  (an HTML report, a message, a raw line of a file);
* :func:`mask` masks one value (``'07******78'``), :func:`mask_text` masks every finding in a text;
* :func:`printable` escapes control characters (terminal escape codes) before text is printed.

Phone numbers are recognised in international form (``+`` or ``00``), in national form with the
trunk ``0``, without the lost leading ``0`` (9 digits starting 5-9, 10 digits starting 6-9), and as a
calling code and a mobile number without ``+`` for the countries listed in ``_MOBILE_BY_CODE``
(origin, transit and destination countries common in migration work).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "PII_KINDS",
    "Finding",
    "find_pii",
    "find_pii_in_counts",
    "looks_like_pii",
    "mask",
    "mask_text",
    "name_kind",
    "printable",
    "scan_text",
]


_PHONE_CHARS = re.compile(r"[\d\s\-.()+/]{7,22}")
# "+" or "00" and 7-14 digits, or a national number with its trunk 0 (9-12 digits in all).
_PHONE = re.compile(r"(?:\+|00)\d{7,14}|0\d{8,11}")
# A mobile number whose leading 0 was lost (read as a number by a spreadsheet): 9 digits starting
# with 5-9 (e.g. Kenya, Uganda, Tanzania, Ethiopia, Senegal, Morocco: 712345678) or 10 digits
# starting with 6-9 (Nigeria 8031234567, India 9876543210).
_PHONE_NO_ZERO = re.compile(r"[5-9]\d{8}|[6-9]\d{9}")
# International mobile numbers written without "+" (254712345678): calling code, then the national
# mobile number. Only countries of origin, transit and destination common in migration work are listed,
# each with the leading digits of its mobile numbers, so that long ids and dates are not flagged.
_MOBILE_BY_CODE = {
    "20": r"1[0125]\d{8}",
    "27": r"[678]\d{8}",
    "211": r"9\d{8}",
    "212": r"[67]\d{8}",
    "213": r"[5-7]\d{8}",
    "216": r"[2-9]\d{7}",
    "218": r"9\d{8}",
    "220": r"[2-7]\d{6}",
    "221": r"7\d{8}",
    "223": r"[5-9]\d{7}",
    "224": r"6\d{8}",
    "225": r"0\d{9}",
    "226": r"[5-7]\d{7}",
    "227": r"9\d{7}",
    "228": r"9\d{7}",
    "229": r"[4-9]\d{7}",
    "231": r"[4-8]\d{7,8}",
    "232": r"[37-9]\d{7}",
    "233": r"[25]\d{8}",
    "234": r"[789][01]\d{8}",
    "237": r"6\d{8}",
    "243": r"[89]\d{8}",
    "249": r"[19]\d{8}",
    "250": r"7\d{8}",
    "251": r"[79]\d{8}",
    "252": r"[67]\d{7,8}",
    "253": r"77\d{6}",
    "254": r"[17]\d{8}",
    "255": r"[67]\d{8}",
    "256": r"7\d{8}",
    "257": r"[67]\d{7}",
    "258": r"8\d{8}",
    "260": r"[79]\d{8}",
    "263": r"7\d{8}",
    "265": r"[89]\d{8}",
    "291": r"7\d{6}",
    "33": r"[67]\d{8}",
    "34": r"[67]\d{8}",
    "39": r"3\d{8,9}",
    "44": r"7\d{9}",
    "49": r"1[5-7]\d{8,9}",
    "62": r"8\d{8,11}",
    "63": r"9\d{9}",
    "66": r"[689]\d{8}",
    "84": r"[35789]\d{8}",
    "90": r"5\d{9}",
    "91": r"[6-9]\d{9}",
    "92": r"3\d{9}",
    "93": r"7\d{8}",
    "94": r"7\d{8}",
    "95": r"9\d{7,9}",
    "98": r"9\d{9}",
    "380": r"[5-9]\d{8}",
    "502": r"[3-5]\d{7}",
    "503": r"[67]\d{7}",
    "504": r"[389]\d{7}",
    "509": r"[34]\d{7}",
    "855": r"[1-9]\d{7,8}",
    "880": r"1\d{9}",
    "961": r"[378]\d{6,7}",
    "962": r"7\d{8}",
    "963": r"9\d{8}",
    "964": r"7\d{9}",
    "965": r"[569]\d{7}",
    "966": r"5\d{8}",
    "968": r"9\d{7}",
    "971": r"5\d{8}",
    "973": r"3\d{7}",
    "974": r"[3-7]\d{7}",
    "977": r"9[78]\d{8}",
}
_PHONE_INTL = re.compile("|".join(f"{code}{mobile}" for code, mobile in _MOBILE_BY_CODE.items()))
_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}")
_GEOPOINT = re.compile(r"(-?\d{1,2}\.\d+)\s+(-?\d{1,3}\.\d+)(?:\s+-?\d+(?:\.\d+)?){0,2}")
_LATLON = re.compile(r"(-?\d{1,2}\.\d{3,})\s*[,;]\s*(-?\d{1,3}\.\d{3,})")
_DECIMAL3 = re.compile(r"-?\d{1,3}\.\d{3,}")
#: find_pii kinds and what they mean.
PII_KINDS = {
    "phone": "phone numbers",
    "email": "e-mail addresses",
    "gps": "GPS coordinates",
    "name": "person names",
    "address": "addresses",
    "id_document": "identity document numbers",
}
_NAME_HINTS = {
    "phone": {"phone", "phonenumber", "mobile", "telephone", "tel", "msisdn", "whatsapp", "cellphone"},
    "email": {"email", "mail"},
    "gps": {
        "gps",
        "geopoint",
        "geolocation",
        "latitude",
        "longitude",
        "lat",
        "lon",
        "lng",
        "coordinates",
    },
    "address": {"address", "street"},
    "id_document": {"nid"},
}
_PERSON_NAME = re.compile(
    r"^(?:names?|surname|fullname|firstname|lastname|givenname|familyname)$|"
    r"(?:^|[^a-z])(?:first|last|full|given|family|respondent|resp|interviewee|contact)[_ ]?names?(?:$|[^a-z])"
)


# Particles inside personal names, written in lower case ("Amina bint Said", "Jan van der Berg").
_NAME_PARTICLES = frozenset(
    {
        "al",
        "el",
        "bin",
        "binti",
        "bint",
        "ibn",
        "ben",
        "abu",
        "wa",
        "ould",
        "van",
        "von",
        "der",
        "den",
        "de",
        "da",
        "das",
        "dos",
        "do",
        "du",
        "di",
        "del",
        "della",
        "la",
        "le",
        "y",
        "e",
    }
)
# One word of a name: letters (any script), with apostrophes or hyphens inside (O'Brien, Mary-Jane),
# or an initial ("J.").
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*\.?")
# Common words of answers and comments that are not names ("Very Good", "New Town", "Heard On Radio").
# Words that are also common names (Hope, Grace, Le, Do, De) are not listed.
_NOT_NAME_WORDS = frozenset(
    {
        "the",
        "and",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "about",
        "or",
        "but",
        "not",
        "no",
        "yes",
        "very",
        "good",
        "bad",
        "is",
        "are",
        "was",
        "were",
        "be",
        "it",
        "its",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "they",
        "them",
        "this",
        "that",
        "all",
        "some",
        "none",
        "nothing",
        "other",
        "others",
        "dont",
        "don't",
        "know",
        "unknown",
        "refused",
        "radio",
        "tv",
        "television",
        "facebook",
        "poster",
        "message",
        "campaign",
        "useful",
        "helpful",
        "ok",
        "okay",
        "more",
        "less",
        "too",
        "much",
        "many",
        "information",
        "info",
        "work",
        "job",
        "abroad",
        "people",
        "family",
        "friends",
        "friend",
        "church",
        "mosque",
        "school",
        "market",
        "village",
        "town",
        "city",
        "district",
        "region",
        "province",
        "county",
        "road",
        "street",
        "north",
        "south",
        "east",
        "west",
        "central",
        "upper",
        "lower",
        "new",
        "old",
        "big",
        "small",
        "centre",
        "center",
        "camp",
        "lake",
        "river",
        "hill",
        "valley",
        "island",
        "port",
        "bay",
        "oui",
        "non",
        "si",
        "sim",
        "não",
        "nao",
        "et",
        "ou",
    }
)
#: A column is taken for person names when at least this share of its name-like values is distinct
#: (names are nearly unique; villages, answer labels and other categories repeat).
NAME_DISTINCT_SHARE = 0.8
#: ... and at least this many distinct name-like values.
NAME_MIN_DISTINCT = 5


def _name_words(value: str) -> int:
    """How many capitalised words ``value`` has if it is shaped like a person's name, else 0.

    One to five words, each a capitalised word of letters (``Amina``, ``O'Brien``, ``WANJIRU``, ``J.``)
    or a lower-case particle (``bin``, ``van``, ``al-Hassan``). Scripts without capitals are not recognised.
    """
    if len(value) > 60:
        return 0
    words = value.split()
    if not 1 <= len(words) <= 5:
        return 0
    caps = 0
    for w in words:
        if not _NAME_WORD.fullmatch(w):
            return 0
        low = w.rstrip(".").lower()
        if w[0].islower():
            head, _, rest = w.partition("-")
            if head not in _NAME_PARTICLES:
                return 0
            caps += rest[:1].isupper()  # "al-Hassan" is a capitalised name after its particle
            continue
        if not w[0].isupper() or low in _NOT_NAME_WORDS:
            return 0
        caps += 1
    return caps


def _name_shape(value: str) -> str:
    """A name's shape without its letters (``'Xxxx Xxxx'``): what is shown of a name-like value."""
    return " ".join(
        "-".join("Xxxx" if part[:1].isupper() else "xx" for part in w.split("-")) for w in value.split()
    )


def mask(value: str) -> str:
    v = str(value)
    if len(v) <= 4:
        return "*" * len(v)
    return v[:2] + "*" * (len(v) - 4) + v[-2:]


_DECIMAL = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?")


def _is_phone(v: str) -> bool:
    if not _PHONE_CHARS.fullmatch(v) or _DECIMAL.fullmatch(v):
        return False  # a plain decimal such as 0.1368744758 (a probability) is not a phone number
    digits = re.sub(r"[\s\-.()/]", "", v)
    return bool(_PHONE.fullmatch(digits) or _PHONE_NO_ZERO.fullmatch(digits) or _PHONE_INTL.fullmatch(digits))


def looks_like_pii(value: str) -> bool:
    """A single value that looks like a phone number, an e-mail address or a GPS position."""
    v = str(value).strip()
    return bool(v) and (_is_phone(v) or bool(_EMAIL.fullmatch(v)) or _is_geopoint(v))


def _is_geopoint(v: str) -> bool:
    m = _GEOPOINT.fullmatch(v) or _LATLON.fullmatch(v)
    if not m:
        return False
    lat, lon = float(m.group(1)), float(m.group(2))
    return -90 <= lat <= 90 and -180 <= lon <= 180


def name_kind(column: str) -> str | None:
    low = str(column).lower()
    if _PERSON_NAME.search(low):
        return "name"
    tokens = set(re.split(r"[^a-z0-9]+", low))
    if "passport" in tokens and tokens & {"no", "number", "num", "nr", "id"}:
        return "id_document"
    for kind, words in _NAME_HINTS.items():
        if tokens & words:
            return kind
    return None


def find_pii(
    data: pd.DataFrame,
    *,
    columns: Iterable[str] | None = None,
    min_share: float = 0.5,
    use_names: bool = True,
) -> pd.DataFrame:
    """Flag columns that look like personal data.

    A column is flagged when at least ``min_share`` of its non-empty values look like phone numbers
    (``+`` or ``00`` and 7-14 digits; a leading ``0`` and 9-12 digits; a mobile number whose leading
    ``0`` was lost, 9 digits starting with 5-9 or 10 digits starting with 6-9; or a calling code and a
    mobile number without ``+``, such as ``254712345678``; spaces/dashes allowed),
    e-mail addresses, or GPS coordinates (ODK geopoints ``"lat lon alt acc"``, ``"lat, lon"`` pairs,
    or decimals with 3+ places in a column named like latitude/longitude), person names (two or more
    capitalised words of letters, such as ``Amina Wanjiru`` or ``Jan van der Berg``, nearly all
    distinct: at least :data:`NAME_DISTINCT_SHARE` of them and at least :data:`NAME_MIN_DISTINCT`;
    in a column named like ``resp_name`` or ``first_name`` single names count and may repeat), or
    when its name suggests personal data (``phone``, ``email``, ``gps``, ``first_name``,
    ``address``, ``passport``, ...). Village names, answers (``Yes``, ``No``), occupations and
    comments are not names: they repeat, or hold lower-case or common words (``Very Good``).

    Parameters
    ----------
    data : DataFrame
        Any dtypes; values are checked as text.
    columns : iterable of str, optional
        Only check these columns (default: all).
    min_share : float, default 0.5
        Share of non-empty values that must match.
    use_names : bool, default True
        Also flag columns by name alone. ``load_survey`` checks declared columns by their values only
        (a knowledge item ``k2_passport`` is not personal data) and undeclared columns by both.

    Returns
    -------
    DataFrame
        One row per flagged column: ``column, kind, reason, n_values, n_matching, examples``.
        ``kind`` is ``phone``, ``email``, ``gps``, ``name``, ``address`` or ``id_document``;
        ``reason`` is ``values`` or ``column name``; ``examples`` holds up to three *masked*
        matching values (``'+2********78'``); for names only their shape (``'Xxxx Xxxx'``), never a
        letter of them.

    Examples
    --------
    >>> df = pd.DataFrame({"age": ["23", "31"], "contact": ["+254 712 345678", "0712345678"]})
    >>> find_pii(df)[["column", "kind", "n_matching"]].to_dict("records")
    [{'column': 'contact', 'kind': 'phone', 'n_matching': 2}]
    >>> people = pd.DataFrame({"q3": ["Amina Wanjiru", "Baraka Okafor", "Esi Mensah", "Jan van der Berg",
    ...                               "Leila al-Hassan", "Omar Diallo"],
    ...                        "village": ["Kibera Kati", "Ruai", "Kibera Kati", "Ruai", "Ruai",
    ...                                    "Kibera Kati"]})
    >>> find_pii(people)[["column", "kind", "n_matching", "examples"]].to_dict("records")
    [{'column': 'q3', 'kind': 'name', 'n_matching': 6,
      'examples': ['Xxxx Xxxx', 'Xxxx xx xx Xxxx', 'Xxxx xx-Xxxx']}]
    """
    names = columns if columns is not None else data.columns
    return find_pii_in_counts(
        (
            (col, vc.index, vc.to_numpy())
            for col in names
            for vc in [data[col].value_counts(dropna=True, sort=False)]
        ),
        min_share=min_share,
        use_names=use_names,
    )


_PII_COLUMNS = ["column", "kind", "reason", "n_values", "n_matching", "examples"]

# Necessary conditions for the tests below, for whole arrays of ASCII values at once (pyarrow's RE2
# engine; its \d and \s are ASCII, hence the explicit classes). Non-ASCII values are always tested one by one.
_ASCII_SPACE = r"\t\n\v\f\r\x1c-\x1f "
_PHONE_DIGITS = (
    "^(?:" + "|".join(p.pattern.replace(r"\d", "[0-9]") for p in (_PHONE, _PHONE_NO_ZERO, _PHONE_INTL)) + ")$"
)
_NAME_ASCII_WORD = r"(?:[A-Z][A-Za-z'.\-]*|(?:" + "|".join(sorted(_NAME_PARTICLES)) + r")(?:-[A-Za-z'.\-]*)?)"
_NAME_ASCII = (
    f"^[{_ASCII_SPACE}]*{_NAME_ASCII_WORD}(?:[{_ASCII_SPACE}]+{_NAME_ASCII_WORD}){{0,4}}[{_ASCII_SPACE}]*$"
)


def _candidates(kind: str, values: Any) -> np.ndarray:
    """Positions of the values that may pass the ``kind`` test (a superset of those that do)."""
    arr = pa.array(values, type=pa.string())
    if kind == "phone":
        digits = pc.replace_substring_regex(arr, f"[{_ASCII_SPACE}\\-.()/]", "")
        maybe = pc.match_substring_regex(digits, _PHONE_DIGITS)
    elif kind == "email":
        return np.flatnonzero(pc.match_substring(arr, "@").to_numpy(zero_copy_only=False))
    elif kind == "name":
        maybe = pc.match_substring_regex(arr, _NAME_ASCII)
    else:  # gps: a digit, then a decimal point
        maybe = pc.match_substring_regex(arr, r"[0-9]\.")
    maybe = pc.or_(maybe, pc.invert(pc.string_is_ascii(arr)))
    return np.flatnonzero(maybe.to_numpy(zero_copy_only=False))


def find_pii_in_counts(
    columns: Iterable[tuple[Any, Any, Any]],
    *,
    min_share: float = 0.5,
    use_names: bool = True,
    clean: bool = False,
) -> pd.DataFrame:
    """:func:`find_pii` on columns given by their distinct values: ``(name, values, counts)`` each.

    For tables held as codes into distinct values (as intake holds them): nothing is counted twice.
    Values are stripped; blank values and zero counts are ignored (``clean=True`` says the values are
    already distinct, stripped, non-blank text, which saves that work). Returns what :func:`find_pii`
    returns.

    >>> find_pii_in_counts([("contact", ["0712345678", "n/a"], [9, 1])])[["column", "kind", "n_matching"]]
        column   kind  n_matching
    0  contact  phone           9
    """
    out = []
    for col, values, counts in columns:
        n_list = np.asarray(counts, dtype=np.int64)
        if clean:  # (an array of text is indexed where needed, not turned into a list)
            used = n_list > 0
            distinct = (
                values[used] if hasattr(values, "isin") else np.asarray(values, dtype=object)[used].tolist()
            )
            n_list = n_list[used]
        else:
            text = pd.Series(np.asarray(values, dtype=object)).map(str).str.strip()
            n_of = pd.Series(n_list)
            keep = ((text != "") & (n_of > 0)).to_numpy(dtype=bool)
            text, n_of = text[keep], n_of[keep]
            if text.duplicated().any():  # values equal once stripped
                merged = n_of.groupby(text.to_numpy(), sort=False).sum()
                text, n_of = pd.Series(merged.index.to_numpy(dtype=object)), merged.reset_index(drop=True)
            distinct = text.tolist()
            n_list = n_of.to_numpy()
        n_values = int(n_list.sum())
        by_name = name_kind(str(col)) if use_names else None
        found = None
        for kind, test in (("phone", _is_phone), ("email", _EMAIL.fullmatch), ("gps", _is_geopoint)):
            maybe = _candidates(kind, distinct) if len(distinct) > 1000 else range(len(distinct))
            hits_at = [i for i in maybe if test(distinct[i])]  # each distinct value tested once
            if not hits_at and kind == "gps" and by_name == "gps":
                hits_at = [i for i, v in enumerate(distinct) if _DECIMAL3.fullmatch(v)]
            hits = [distinct[i] for i in hits_at]
            n_hits = int(n_list[hits_at].sum()) if hits_at else 0
            if hits and n_hits >= min_share * n_values:
                found = (kind, "values", hits, n_hits)
                break
        if found is None:
            found = _names_in(col, distinct, n_list, n_values, min_share)
        if found is None and by_name is not None:
            found = (by_name, "column name", [], 0)
        if found is not None:
            kind, reason, hits, n_hits = found
            out.append(
                {
                    "column": col,
                    "kind": kind,
                    "reason": reason,
                    "n_values": n_values,
                    "n_matching": n_hits,
                    "examples": (
                        list(dict.fromkeys(_name_shape(v) for v in hits[:50]))[:3]
                        if kind == "name"
                        else [mask(v) for v in hits[:3]]
                    ),
                }
            )
    return pd.DataFrame(out, columns=_PII_COLUMNS)


def _names_in(col: Any, distinct: Any, n_list: np.ndarray, n_values: int, min_share: float) -> tuple | None:
    """``("name", "values", hits, n_hits)`` if the column's values look like person names, else None.

    Full names (two capitalised words or more) that are nearly all distinct
    (:data:`NAME_DISTINCT_SHARE`, at least :data:`NAME_MIN_DISTINCT` of them) in at least ``min_share``
    of the values. When the column's name says it holds names (``resp_name``, ``first_name``), single
    words count too and a tenth distinct is enough (first names repeat). Village names, answer
    labels (``Yes``, ``No``) and other categories repeat; sentences have lower-case words.
    """
    hinted = name_kind(str(col)) == "name"
    distinct_share = 0.1 if hinted else NAME_DISTINCT_SHARE
    if n_values == 0 or len(distinct) < max(NAME_MIN_DISTINCT, distinct_share * min_share * n_values):
        return None  # too few distinct values to be names
    maybe = _candidates("name", distinct) if len(distinct) > 1000 else range(len(distinct))
    words_needed = 1 if hinted else 2
    hits_at = [i for i in maybe if _name_words(distinct[i]) >= words_needed]
    if len(hits_at) < NAME_MIN_DISTINCT:
        return None
    n_hits = int(n_list[hits_at].sum())
    if n_hits < min_share * n_values or len(hits_at) < distinct_share * n_hits:
        return None
    return ("name", "values", [distinct[i] for i in hits_at], n_hits)


# --------------------------------------------------------------------------------------------------
# Free text
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Finding:
    """Personal data found in a text by :func:`scan_text`.

    Attributes
    ----------
    kind : str
        ``phone``, ``email`` or ``gps``.
    start, end : int
        Position of the match in the text (``text[start:end]``).
    line : int
        Line of the text where it starts (1-based).
    masked : str
        The match masked (the raw value is never kept).
    """

    kind: str
    start: int
    end: int
    line: int
    masked: str


_EMAIL_IN_TEXT = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w@])")
_GPS_IN_TEXT = re.compile(
    r"(?<![\w.])-?\d{1,2}\.\d{3,}(?:\s*[,;]\s*|\s+)-?\d{1,3}\.\d{3,}(?:\s+-?\d+(?:\.\d+)?){0,2}(?![\w.])"
)
_DIGITS_IN_TEXT = re.compile(r"(?<![\w.])\+?\(?\d[\d\s\-.()/]{5,24}\d(?![\w])")


def _phones_in(candidate: str, offset: int) -> list[tuple[int, int]]:
    """Spans of phone numbers in a run of digits and separators (tried whole, then by tokens)."""
    stripped = candidate.rstrip(".")
    if _is_phone(stripped.strip()):
        return [(offset, offset + len(stripped))]
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", candidate)]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        for width in (3, 2, 1):  # longest first: "+254 712 345678" is one number
            if i + width > len(tokens):
                continue
            a, b = tokens[i][0], tokens[i + width - 1][1]
            if _is_phone(candidate[a:b].strip(".,;")):
                spans.append((offset + a, offset + b))
                i += width
                break
        else:
            i += 1
    return spans


def scan_text(text: str) -> list[Finding]:
    """Find phone numbers, e-mail addresses and GPS positions in free text.

    Meant for outputs (HTML reports, messages, logs) that must not carry personal data: an empty list
    means none of these was found. Names of people cannot be recognised in free text.

    Parameters
    ----------
    text : str
        Any text (HTML markup is scanned as it is).

    Returns
    -------
    list of Finding
        In order of position, each with its kind, position, line and masked value.

    Examples
    --------
    >>> text = "Call 0712 345 678 or write to amina@example.org; estimate 0.4137 (n = 1200)."
    >>> [(f.kind, f.line, f.masked) for f in scan_text(text)]
    [('phone', 1, '07********78'), ('email', 1, 'am*************rg')]
    >>> scan_text("Share 45.2% [41.0, 49.5], 2025-03-01, id 000123")
    []
    """
    text = str(text)
    spans: list[tuple[int, int, str]] = []
    for m in _EMAIL_IN_TEXT.finditer(text):
        spans.append((m.start(), m.end(), "email"))
    for m in _GPS_IN_TEXT.finditer(text):
        if _is_geopoint(m.group(0).strip()):
            spans.append((m.start(), m.end(), "gps"))
    for m in _DIGITS_IN_TEXT.finditer(text):
        for a, b in _phones_in(m.group(0), m.start()):
            spans.append((a, b, "phone"))
    spans.sort()
    findings: list[Finding] = []
    last_end = -1
    for a, b, kind in spans:
        if a < last_end:  # overlaps an earlier finding (a GPS position also reads as digits)
            continue
        findings.append(Finding(kind, a, b, text.count("\n", 0, a) + 1, mask(text[a:b])))
        last_end = b
    return findings


def mask_text(text: str) -> str:
    """``text`` with every :func:`scan_text` finding masked.

    Examples
    --------
    >>> mask_text("001,Amina,+254712345678,amina@example.org")
    '001,Amina,+2*********78,am*************rg'
    """
    text = str(text)
    out, pos = [], 0
    for f in scan_text(text):
        out.append(text[pos : f.start])
        out.append(f.masked)
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def printable(value: Any) -> str:
    r"""``str(value)`` with control characters escaped (``\\x1b``), so printing it cannot clear the
    terminal, set its title or move the cursor.

    Examples
    --------
    >>> printable("age\x1b]0;title\x07")
    'age\\x1b]0;title\\x07'
    """
    text = str(value)
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch in "\n\t" else ch.encode("unicode_escape").decode("ascii") for ch in text
    )
