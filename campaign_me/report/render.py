"""Rendering executed notebooks to standalone HTML (code hidden, images embedded, offline) and the index page."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

__all__ = ["render_html", "write_index", "external_references"]

# The lab template without its script tags that load from the network (require.js, MathJax,
# mermaid, widget manager): a report opens offline and nothing is fetched when it is read.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
"""

_EXPORTER = None


def _exporter():
    global _EXPORTER
    if _EXPORTER is None:
        import jinja2
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter(
            template_name="lab",
            extra_loaders=[jinja2.DictLoader({"campaign_me_report.html.j2": _OFFLINE_TEMPLATE})],
            template_file="campaign_me_report.html.j2",
            exclude_input=True,  # code hidden in the HTML (papermill's report_mode only hides it in Jupyter)
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,  # markdown images as data URIs, like the figures
        )
    return _EXPORTER


def render_html(nb: Any, path: str | Path, *, title: str | None = None) -> Path:
    """Render an executed notebook (a ``nbformat`` node) to a standalone HTML file.

    Code cells' input and prompts are left out (nbconvert's ``exclude_input``), figures are
    embedded as data URIs and no script is loaded from the network. Cells tagged
    ``remove_cell`` are dropped entirely.
    """
    import copy

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
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}}
th{{text-align:left;padding-right:1em;vertical-align:top}}td{{font-family:monospace}}</style></head>
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
