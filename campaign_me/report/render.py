"""Rendering executed notebooks to standalone HTML (code hidden, images embedded, offline) and the index page."""

from __future__ import annotations

import copy
import html
import re
import threading
from pathlib import Path
from typing import Any

import jinja2

from ..deferred import Deferred
from .kernel import import_once

# deferred: nbconvert takes 0.5 s (idle machine) to 2.4 s (loaded) to import and is needed only once a
# notebook has run; prepare_renderer() imports it in a background thread while the kernel executes
nbconvert = Deferred("nbconvert")
# deferred: nbformat imports jsonschema (1 s or more); the report notebooks import this module in their kernel
nbformat = Deferred("nbformat")

__all__ = ["REPORT_CSS", "render_html", "prepare_renderer", "write_index", "external_references"]

#: The style sheet every rendered report carries (after JupyterLab's): readable on a phone, printable
#: on A4. On a screen narrower than 40em (a phone is about 24em) each table row becomes a card whose
#: cells are labelled by their column headers (the ``data-label`` of
#: :func:`campaign_me.report.content.table_html`), so no column is off screen. On paper: A4 pages,
#: tables as wide as the page whose cells wrap (no column cut at the right edge), headers repeated
#: on each page, rows, figures and headings kept whole, and body text of 10 points. JupyterLab's
#: own print rule keeps every output whole (``break-inside: avoid-page``), which pushes a long
#: table or list to the next page and leaves the rest of the page blank; outputs here may break
#: between rows and paragraphs instead.
REPORT_CSS = """
main { max-width: 52rem; margin: 0 auto; }
.jp-RenderedHTMLCommon table.cm-table { width: 100%; table-layout: auto; border-collapse: collapse;
  margin: 0.5em 0 0.25em; font-size: 0.92em; color: #1a1a1a; }
.jp-RenderedHTMLCommon table.cm-table caption { caption-side: top; text-align: left; font-weight: 600;
  padding: 0 0 0.4em; color: #1a1a1a; }
.jp-RenderedHTMLCommon table.cm-table th, .jp-RenderedHTMLCommon table.cm-table td { text-align: left;
  vertical-align: top; padding: 0.35em 0.5em; border-bottom: 1px solid #c8c8c8; white-space: normal;
  overflow-wrap: break-word; hyphens: auto; }
.jp-RenderedHTMLCommon table.cm-table thead th { vertical-align: bottom; border-bottom: 2px solid #444; }
.jp-RenderedHTMLCommon table.cm-table tbody th { font-weight: 600; }
.jp-RenderedHTMLCommon table.cm-table td.cm-status { font-weight: 700; }
.jp-RenderedHTMLCommon table.cm-table tbody tr:nth-child(even) { background: #f6f6f6; }
.jp-RenderedHTMLCommon .cm-note { font-size: 0.85em; margin: 0.2em 0 1em; }
.cm-figure img { max-width: 100%; height: auto; }
.cm-figure figcaption { font-size: 0.9em; margin-top: 0.3em; }
.jp-OutputArea-output { overflow-x: auto; }
@media screen and (max-width: 40em) {
  .jp-Cell { padding-left: 0.25em; padding-right: 0.25em; }
  .jp-OutputArea-prompt, .jp-InputPrompt { display: none; }
  .jp-RenderedHTMLCommon table.cm-table, .jp-RenderedHTMLCommon table.cm-table tbody,
  .jp-RenderedHTMLCommon table.cm-table tr, .jp-RenderedHTMLCommon table.cm-table th,
  .jp-RenderedHTMLCommon table.cm-table td { display: block; width: auto; }
  .jp-RenderedHTMLCommon table.cm-table caption { display: block; }
  .jp-RenderedHTMLCommon table.cm-table thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); white-space: nowrap; }
  .jp-RenderedHTMLCommon table.cm-table tr { border: 1px solid #b4b4b4; border-radius: 4px; margin: 0 0 0.6em;
    padding: 0.3em 0.5em; background: #fff; }
  .jp-RenderedHTMLCommon table.cm-table tbody tr:nth-child(even) { background: #fff; }
  .jp-RenderedHTMLCommon table.cm-table tbody th { border: none; padding: 0.1em 0 0.25em; font-size: 1.05em; }
  .jp-RenderedHTMLCommon table.cm-table td { border: none; padding: 0.15em 0; display: grid;
    grid-template-columns: minmax(7em, 42%) 1fr; column-gap: 0.6em; }
  .jp-RenderedHTMLCommon table.cm-table td::before { content: attr(data-label); font-weight: 600; color: #333; }
  .jp-RenderedHTMLCommon table.cm-table td.cm-status { padding: 0.2em 0.3em; border-radius: 3px; }
}
@page { size: A4; margin: 14mm 13mm 15mm; }
@media print {
  html, body { font-size: 10pt; }
  body, main { max-width: none; margin: 0; padding: 0; }
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child { padding: 0; margin: 0; }
  .jp-OutputArea, .jp-OutputArea-child { display: block; overflow: visible; break-inside: auto; }
  .jp-OutputArea-prompt, .jp-InputPrompt, .jp-Collapser { display: none; }
  .jp-OutputArea-output, .jp-RenderedHTMLCommon { overflow: visible; display: block; width: auto; padding: 0;
    font-size: 10pt; line-height: 1.45; }
  .jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon ul { margin-bottom: 0.6em; }
  .jp-RenderedHTMLCommon h1 { font-size: 17pt; }
  .jp-RenderedHTMLCommon h2 { font-size: 13pt; margin-top: 0.8em; }
  .jp-RenderedHTMLCommon h3 { font-size: 11pt; }
  .jp-RenderedHTMLCommon h1, .jp-RenderedHTMLCommon h2, .jp-RenderedHTMLCommon h3 { break-after: avoid; }
  .jp-RenderedHTMLCommon p, .jp-RenderedHTMLCommon li { orphans: 3; widows: 3; }
  .jp-RenderedHTMLCommon table.cm-table { font-size: 8.5pt; width: 100%; }
  .jp-RenderedHTMLCommon table.cm-table th, .jp-RenderedHTMLCommon table.cm-table td { padding: 0.25em 0.35em; }
  .jp-RenderedHTMLCommon table.cm-table thead { display: table-header-group; }
  .jp-RenderedHTMLCommon table.cm-table tr, .cm-figure, .cm-figure img { break-inside: avoid; }
  .jp-RenderedHTMLCommon table.cm-table caption { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

# The lab template without its script tags that load from the network (require.js, MathJax,
# mermaid, widget manager): a report opens offline and nothing is fetched when it is read. The
# report's style sheet (REPORT_CSS) comes last, after JupyterLab's.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_css -%}
<style type="text/css">
""" + REPORT_CSS + """
</style>
{%- endblock html_head_css -%}
"""

_EXPORTER = None
_EXPORTER_LOCK = threading.Lock()
_PREPARING: threading.Thread | None = None
_PREPARING_LOCK = threading.Lock()  # not _EXPORTER_LOCK, which is held while the exporter is made


def _exporter():
    """The one HTML exporter of this process, made (nbconvert imported, templates compiled) on first use."""
    global _EXPORTER
    with _EXPORTER_LOCK:  # a renderer being prepared in the background is waited for, never made twice
        if _EXPORTER is None:
            import_once("nbconvert")  # in the background: not at the same time as another first Jupyter import
            exporter = nbconvert.HTMLExporter(
                template_name="lab",
                extra_loaders=[jinja2.DictLoader({"campaign_me_report.html.j2": _OFFLINE_TEMPLATE})],
                template_file="campaign_me_report.html.j2",
                exclude_input=True,  # code hidden in the HTML (papermill's report_mode only hides it in Jupyter)
                exclude_input_prompt=True,
                exclude_output_prompt=True,
                embed_images=True,  # markdown images as data URIs, like the figures
            )
            exporter.from_notebook_node(nbformat.v4.new_notebook())  # compiles the templates now
            _EXPORTER = exporter
    return _EXPORTER


def _prepare() -> None:
    try:
        _exporter()
    except Exception:  # render_html makes it again in the caller's thread, and raises there
        pass


def prepare_renderer() -> None:
    """Import nbconvert and compile the report template in a background thread (once per process).

    A report run calls it when its first kernel starts executing, so that the HTML renderer
    (0.5 to 2.4 s to import) is ready when the notebook has run instead of being imported after it.
    :func:`render_html` waits for a preparation still under way. Calling it again does nothing.
    """
    global _PREPARING
    with _PREPARING_LOCK:
        if _EXPORTER is not None or _PREPARING is not None:
            return
        _PREPARING = threading.Thread(target=_prepare, name="campaign-me-prepare-renderer", daemon=True)
        _PREPARING.start()


def render_html(nb: Any, path: str | Path, *, title: str | None = None) -> Path:
    """Render an executed notebook (a ``nbformat`` node) to a standalone HTML file.

    Code cells' input and prompts are left out (nbconvert's ``exclude_input``), figures are
    embedded as data URIs and no script is loaded from the network. Cells tagged
    ``remove_cell`` are dropped entirely. The page carries :data:`REPORT_CSS` (phone and A4
    print) and the template's ``<meta name="viewport">``.
    """
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if "remove_cell" not in c.get("metadata", {}).get("tags", [])]
    if title:
        nb.metadata["title"] = title
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title or Path(path).stem}})
    path = Path(path)
    path.write_text(body, encoding="utf-8")
    return path


_EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["'](https?:)?//""", re.I)


def external_references(text: str) -> list[str]:
    """Tags in an HTML text that would fetch something from the network (script, link, img, iframe).

    Examples
    --------
    >>> external_references('<img src="data:image/png;base64,AA"> <script src="https://x.org/a.js">')
    ['<script src="https://']
    """
    return [m.group(0) for m in _EXTERNAL.finditer(text)]


def write_index(folder: Path, *, title: str, metadata: dict[str, Any], files: list[tuple[str, str]]) -> Path:
    """Write ``index.html``: links to the report's files and a table of the run's metadata."""
    links = "\n".join(f'<li><a href="{html.escape(href, quote=True)}">{html.escape(text)}</a></li>'
                      for text, href in files)
    rows = []
    for key, value in metadata.items():
        if isinstance(value, dict):
            value = "<br>".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in value.items())
        else:
            value = html.escape(str(value))
        rows.append(f"<tr><th scope='row'>{html.escape(str(key))}</th><td>{value}</td></tr>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45}}
table{{border-collapse:collapse;width:100%}}
th{{text-align:left;padding:0.2em 1em 0.2em 0;vertical-align:top;white-space:nowrap}}
td{{font-family:monospace;overflow-wrap:anywhere;word-break:break-word;padding:0.2em 0}}
@media (max-width:40em){{body{{margin:1em auto}}th,td{{display:block;white-space:normal}}
th{{padding-top:0.6em}}}}
@page{{size:A4;margin:15mm}}
@media print{{body{{font-size:10pt;max-width:none;margin:0}}a{{color:inherit}}}}</style></head>
<body><h1>{html.escape(title)}</h1>
<h2>Report</h2><ul>
{links}
</ul>
<h2>Run</h2><table>
{"".join(rows)}
</table>
<p>Produced by campaign_me. Estimates are design-based (weights, strata, clusters) with
confidence intervals; cells with too few respondents are suppressed.</p>
</body></html>
"""
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
