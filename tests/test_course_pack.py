"""The course pack cites its sources in one place, and the workbook's pages describe the lessons as they are.

Every entry under *Sources* on a session page of ``docs/course_pack/`` must have its full
reference (same author, same year, same title or journal) in the References list of
``docs/methodology.md``, and each session page links that list. The pages that describe the
notebooks for trainers and maintainers must not describe the old lesson format: ``# PINNED``
comments (pinned cells are tagged ``pinned`` in their metadata, ``campaign_me.workbook.PIN_TAG``),
solution cells tagged ``solution``, or a *Show a solution* fold stripped by nbconvert.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from campaign_me.workbook import PIN_TAG

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "docs" / "course_pack"
SESSIONS = sorted(PACK.glob("session_*.md"))


def _bullets(text: str) -> list[str]:
    """The Markdown list items of ``text``, each joined onto one line."""
    items: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif items and line.startswith("  ") and line.strip():
            items[-1] += " " + line.strip()
        elif not line.strip() and items and not items[-1].endswith("\n"):
            items[-1] += "\n"
    return [item.strip() for item in items]


def _section(text: str, heading: str) -> str:
    body = text.split(f"\n{heading}\n", 1)[1]
    return re.split(r"\n#{1,2} ", body, maxsplit=1)[0]


def _references() -> list[str]:
    text = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
    return _bullets(_section(text, "## References"))


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _key(entry: str) -> tuple[str, str | None, str | None]:
    """(lead author or organisation, year, first italic text) of a reference."""
    lead = re.split(r"[,(.]", entry, maxsplit=1)[0].strip()
    year = re.search(r"\((\d{4})\)", entry)
    italic = re.search(r"\*([^*]+)\*", entry)
    return lead, year.group(1) if year else None, italic.group(1) if italic else None


def _find(entry: str, references: list[str]) -> list[str]:
    lead, year, italic = _key(entry)
    return [
        ref
        for ref in references
        if ref.startswith(lead)
        and (year is None or f"({year})" in ref)
        and (italic is None or _norm(italic)[:40] in _norm(ref))
    ]


@pytest.mark.parametrize("page", SESSIONS, ids=[p.stem for p in SESSIONS])
def test_every_source_of_a_session_is_in_the_methodology_references(page):
    text = page.read_text(encoding="utf-8")
    sources = _bullets(_section(text, "## Sources"))
    assert sources, f"{page.name}: no sources"
    references = _references()
    missing = [entry for entry in sources if not _find(entry, references)]
    assert not missing, f"{page.name}: not in docs/methodology.md#references: {missing}"
    assert "(../methodology.md#references)" in _section(text, "## Sources")


ALIASES = {"WHO": "World Health Organization"}


def test_every_cited_author_year_is_listed_under_sources():
    """An in-text citation "(Author YEAR)" or "Author (YEAR)" names a source the page lists."""
    problems = []
    for page in SESSIONS:
        text = page.read_text(encoding="utf-8")
        body, sources = text.split("\n## Sources\n", 1)
        body = re.sub(r"\s+", " ", body)
        for m in re.finditer(r"([A-Z][\w'-]+)(?: et al\.| & [A-Z][\w'-]+| [A-Z][\w'-]+)*,? \(?(\d{4})\)?", body):
            name, year = m.group(1), m.group(2)
            if name in {"In", "From", "The", "Day", "Step", "Notebook"}:
                continue
            listed = ALIASES.get(name, name)
            if not re.search(rf"{re.escape(listed)}.*\({year}\)", re.sub(r"\s+", " ", sources)):
                problems.append(f"{page.name}: {m.group(0)!r} is not under Sources")
    assert not problems, "\n".join(problems)


def test_the_key_test_helpers_can_fail():
    references = ["Vogel, I. (2012). *Review of the use of \"Theory of Change\" in international development.*"]
    assert _find("Vogel, I. (2012). *Review of the use of \"Theory of Change\" in international development.*", references)
    assert not _find("Vogel, I. (2013). *Review of the use of \"Theory of Change\" in international development.*", references)
    assert not _find("Willis, G. B. (2005). *Cognitive Interviewing.*", references)


STALE = [
    (re.compile(r"#\s*PINNED"), "describes '# PINNED' comments; pinned cells are tagged 'pinned' in their metadata"),
    (re.compile(r"tag(?:ged)? `solution`|remove_cell_tags solution"), "describes solution cells; there are none"),
    (re.compile(r"Show a solution"), "describes a 'Show a solution' fold; answers are folded in words"),
]
DESCRIBING_THE_LESSONS = [ROOT / "notebooks" / "README.md", ROOT / "docs" / "index.md", *sorted(PACK.glob("*.md"))]


@pytest.mark.parametrize("page", DESCRIBING_THE_LESSONS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_pages_describe_the_lessons_as_they_are(page):
    text = page.read_text(encoding="utf-8")
    problems = [why for pattern, why in STALE if pattern.search(text)]
    assert not problems, f"{page.relative_to(ROOT)}: {problems}"


def test_notebooks_readme_names_the_pin_tag_and_links_the_pack_and_the_workshop():
    text = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    assert f"tagged `{PIN_TAG}`" in text and "PIN_TAG" in text
    assert "(../docs/course_pack/README.md)" in text and "campaign-me workshop" in text
    assert "<details>" in text
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "(course_pack/README.md)" in index and "campaign-me workshop" in index
    rows = [line.split("|")[1].strip() for line in index.splitlines() if line.startswith("| ")]
    targets = [line.split("|")[2].strip() for line in index.splitlines() if line.startswith("| ")]
    assert len(rows) == len(set(rows)) and len(targets) == len(set(targets)), "docs/index.md has duplicate rows"
