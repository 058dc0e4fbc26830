"""The Content-Security-Policy of the book and of the standalone pages, and the Sphinx extension
that lets the book work under it.

The policy allows scripts, styles, images and fonts from the site itself only, and nothing
inline: no inline <script>, no inline <style>, no style="…" attribute, no event handler
attribute, no eval. A name from the data that slipped into a page as markup could then run
nothing. Every page carries it as a <meta http-equiv> tag; a web server should send it as a
header as well (the README says how).

The extension (listed in _config.yml) puts the tag first in every page's <head>, and turns the
inline scripts that Sphinx extensions and the theme add (sphinx-togglebutton's settings,
pydata-sphinx-theme's page name) into small script files with the same text, at the same place.
The theme's own inline scripts and style attributes in templates are replaced by the overrides in
_templates/, which load files from _static/ instead (LOADED_APART).
"""

from __future__ import annotations

import hashlib
import html
import os
from pathlib import Path

POLICY = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"
META = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(POLICY)}" />\n'
# Where the inline scripts of the book become files, below the output folder.
INLINE_DIR = "_static/lansbok-inline"
# Files in _static loaded in one place, not where Jupyter Book puts every .js and .css file of
# _static: the templates in _templates load the first three, `setup` the last.
LOADED_APART = {
    "lansbok-head.js",
    "lansbok-search.js",
    "lansbok-noscript.css",
    "lansbok-translations.js",
}


def _filename(entry) -> str:
    return entry if isinstance(entry, str) else entry[0]


def keep_template_assets_out(app, config) -> None:
    """config-inited: the files loaded apart are not added to every page as well."""
    for name in ("html_js_files", "html_css_files"):
        files = [f for f in getattr(config, name) if _filename(f) not in LOADED_APART]
        setattr(config, name, files)


def external_scripts(app, pagename, templatename, context, doctree) -> None:
    """html-page-context: the CSP tag first in <head>, and every inline script as a file."""
    from sphinx.builders.html._assets import _JavaScript

    context["metatags"] = META + context.get("metatags", "")
    scripts = []
    for script in context.get("script_files", []):
        body = getattr(script, "attributes", {}).get("body")
        if getattr(script, "filename", None) or not body:
            scripts.append(script)
            continue
        # Named by its text: the same settings on every page are one file, cached once.
        name = f"{INLINE_DIR}/{hashlib.sha256(body.encode()).hexdigest()[:16]}.js"
        path = Path(app.outdir) / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Whole or not at all: Sphinx reads it for the ?v= checksum.
            temporary = path.with_name(f".{path.name}.{os.getpid()}")
            temporary.write_text(body + "\n", encoding="utf-8")
            os.replace(temporary, path)
        attributes = {k: v for k, v in script.attributes.items() if k != "body"}
        scripts.append(_JavaScript(name, priority=script.priority, **attributes))
    context["script_files"] = scripts


def setup(app):
    # Before Sphinx reads the lists (priority 800).
    app.connect("config-inited", keep_template_assets_out, priority=400)
    # Between doctools.js (200) and Sphinx's translations.js (500), which it makes work.
    app.add_js_file("lansbok-translations.js", priority=210)
    # After the theme's handler, which adds the page's inline scripts.
    app.connect("html-page-context", external_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
