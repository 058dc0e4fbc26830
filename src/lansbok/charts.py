"""Altair charts for the book: Swedish titles and numbers, source and status on every chart, a
description for screen readers, and drawn with no network.

Altair's default HTML loads vega from a CDN and draws with an inline script. Here a chart is a
container and its specification in a JSON data block (which a browser never executes), and the
page loads one local script (`vega_bundle`: vega, vega-lite, vega-embed and a loader) that draws
every chart it finds. With no inline script and no `eval` (expressions are interpreted, not
compiled), the pages work under a strict Content-Security-Policy (`lansbok.csp`).
"""

from __future__ import annotations

import hashlib
import html
import json

import altair as alt
import pandas as pd

from lansbok.figures import OFFICIAL, combined_status, round_half_up

STATUS_SV = {OFFICIAL: "officiell statistik", "sample": "exempeldata (inte officiell statistik)"}
BUNDLE_NAME = "lansbok-vega.js"
# d3-format locale for Swedish: decimal comma, space between thousands.
SV_FORMAT_LOCALE = {
    "decimal": ",",
    "thousands": "\u00a0",
    "grouping": [3],
    "currency": ["", "\u00a0kr"],
    "minus": "\u2212",
    "percent": "\u00a0%",
}


# vega-embed's options for every chart. `ast` makes vega interpret expressions with the
# interpreter vega-embed carries instead of compiling them with `new Function`, which a
# Content-Security-Policy without 'unsafe-eval' forbids. The default styles that vega-embed and
# its tooltip would inject as <style> elements (which the policy also forbids) are off: their
# rules are in _static/lansbok.css.
EMBED_OPTIONS = {
    "actions": False,
    "renderer": "svg",
    "formatLocale": SV_FORMAT_LOCALE,
    "ast": True,
    "defaultStyle": False,
    "tooltip": {"disableDefaultStyle": True},
}
# Draws every chart on the page from its JSON data block. A classic script (Chromium refuses
# ES modules from file://), run once the document is parsed.
CHART_LOADER = """
(function () {
  var OPTIONS = __OPTIONS__;
  function draw() {
    document.querySelectorAll("script.lansbok-chart-spec").forEach(function (block) {
      var target = document.getElementById(block.getAttribute("data-chart"));
      if (!target || target.hasAttribute("data-drawn")) return;
      target.setAttribute("data-drawn", "");
      var options = JSON.parse(JSON.stringify(OPTIONS)); // a copy for each chart
      window.vegaEmbed(target, JSON.parse(block.textContent), options).catch(console.error);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
"""


def vl_convert_version() -> str:
    """The version of the vega bundle's source (vl-convert-python)."""
    from importlib.metadata import version

    return version("vl-convert-python")


def vega_bundle() -> str:
    """vega, vega-lite and vega-embed in one script that sets window.vegaEmbed, then the loader
    that draws the page's charts. The bundle is wrapped in a function, so that its top-level
    names do not collide with other scripts on the page."""
    import vl_convert

    loader = CHART_LOADER.replace("__OPTIONS__", json.dumps(EMBED_OPTIONS, sort_keys=True))
    return "(function(){\n" + vl_convert.javascript_bundle() + "\n})();\n" + loader


# In HTML, "</script" ends a script element and "<!--" can keep it from ending; U+2028 and
# U+2029 end a line in older JavaScript. JSON may write any character of a string as a \u
# escape, so these characters never appear as themselves.
_HTML_UNSAFE = {ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"}


def html_json(value) -> str:
    """`value` as JSON that is inert inside an HTML element (a <script type="application/json">
    data block, or an attribute value): no <, >, & or line separator appears literally."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False).translate(_HTML_UNSAFE)


def offline_html(spec: dict, **_metadata) -> dict:
    """Altair renderer: a container and the chart's specification as a JSON data block, which
    the loader in `vega_bundle` draws."""
    text = html_json(spec)
    chart_id = "chart-" + hashlib.sha1(text.encode()).hexdigest()[:12]
    label = spec.get("description", "Diagram")
    markup = (
        # Scrolls sideways on a narrow screen (and takes focus, so it scrolls by keyboard too):
        # the class's rules are in _static/lansbok.css.
        f'<div class="lansbok-chart" id="{chart_id}" role="figure" tabindex="0" '
        f'aria-label="{html.escape(label, quote=True)}"></div>\n'
        f'<script type="application/json" class="lansbok-chart-spec" data-chart="{chart_id}">'
        f"{text}</script>"
    )
    return {"text/html": markup}


def enable_offline_renderer() -> None:
    alt.renderers.register("lansbok", offline_html)
    alt.renderers.enable("lansbok")


def caption_status(status: str) -> str:
    return f"Status: {STATUS_SV[status]}."


def _title(text: str, source: str, status: str, *notes: str) -> alt.Title:
    """Every chart's title, with its source and status (and any notes) as the subtitle."""
    subtitle = [f"Källa: {source}. {caption_status(status)}", *notes]
    return alt.Title(text, subtitle=subtitle, anchor="start")


def sv_list(items: list[str]) -> str:
    """'2021, 2023 och 2025'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


def rounded(frame: pd.DataFrame, column: str, decimals: int = 1) -> pd.DataFrame:
    """The frame with a column of decimals rounded by the book's one rule (half up,
    `figures.round_half_up`), so that a chart's labels and tooltips show what the text and the
    tables show, not the browser's rounding of a binary fraction."""
    if not pd.api.types.is_float_dtype(frame[column]):
        return frame
    step = 10**-decimals
    return frame.assign(
        **{column: frame[column].map(lambda v: v if pd.isna(v) else round_half_up(v, step))}
    )


def _count_axis(values: pd.Series):
    """Whole-number ticks for counts (a count of 7 is not drawn with ticks at 0,5)."""
    return (
        alt.Axis(tickMinStep=1, format=",d")
        if pd.api.types.is_integer_dtype(values)
        else alt.Undefined
    )


def bar_chart(
    frame: pd.DataFrame,
    category: str,
    value: str,
    *,
    title: str,
    category_title: str,
    value_title: str,
    source: str,
    description: str,
    color: str | None = None,
    color_title: str | None = None,
    sort: list[str] | None = None,
    notes: tuple[str, ...] = (),
) -> alt.Chart:
    """Horizontal bars, largest first (or in the order `sort` gives), with a Swedish title,
    source and status as subtitle, and a description for screen readers."""
    if frame.empty:  # nothing to draw, and no status to give it
        raise ValueError(f"no rows to draw in the chart {title!r}")
    status = combined_status(frame["status"])
    frame = rounded(frame, value)
    encoding = {
        "y": alt.Y(f"{category}:N", sort=sort or "-x", title=category_title),
        "x": alt.X(f"{value}:Q", title=value_title, axis=_count_axis(frame[value])),
        "tooltip": [
            alt.Tooltip(f"{category}:N", title=category_title),
            alt.Tooltip(f"{value}:Q", title=value_title, format=","),
        ],
    }
    if color:
        # Below the bars, so a chart with a legend fits the page's column.
        encoding["color"] = alt.Color(
            f"{color}:N", title=color_title, legend=alt.Legend(orient="bottom")
        )
        encoding["tooltip"].append(alt.Tooltip(f"{color}:N", title=color_title))
    return (
        alt.Chart(frame, description=description)
        .mark_bar()
        .encode(**encoding)
        .properties(
            title=_title(title, source, status, *notes),
            width=520,
        )
    )


def yearly_chart(
    frame: pd.DataFrame,
    year: str,
    value: str,
    *,
    title: str,
    value_title: str,
    source: str,
    description: str,
) -> alt.Chart:
    """A column per year, over every year from the first to the last: a year the source gives
    no figure for is an empty slot, named in the subtitle, so no trend is drawn across it."""
    status = combined_status(frame["status"])
    frame = rounded(frame, value)
    years = list(range(int(frame[year].min()), int(frame[year].max()) + 1))
    missing = [str(y) for y in years if y not in set(frame[year])]
    notes = [f"Uppgift saknas för {sv_list(missing)}."] if missing else []
    return (
        alt.Chart(frame, description=description)
        .mark_bar()
        .encode(
            x=alt.X(
                f"{year}:O", title="År", scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y(f"{value}:Q", title=value_title),
            tooltip=[
                alt.Tooltip(f"{year}:O", title="År"),
                alt.Tooltip(f"{value}:Q", title=value_title, format=","),
            ],
        )
        .properties(title=_title(title, source, status, *notes), width=520)
    )


def county_map_and_ranking(
    frame: pd.DataFrame, outlines: dict, *, source: str, description: str
) -> alt.HConcatChart:
    """A choropleth of Sweden's counties beside a ranking, for one indicator at a time (picked
    in a list), with one county that can be picked to highlight in both.

    frame: one row per county and indicator (county_code, county, indicator_id, indicator,
    value, status), as lansbok.comparisons.county_indicators gives."""
    status = combined_status(frame["status"])
    frame = rounded(frame, "value")
    wide = frame.pivot_table(
        index=["county_code", "county"], columns="indicator_id", values="value"
    ).reset_index()
    labels = frame.drop_duplicates("indicator_id").set_index("indicator_id")["indicator"]
    ids = list(labels.index)
    indicator = alt.param(
        name="indikator",
        value=ids[0],
        bind=alt.binding_select(options=ids, labels=list(labels), name="Indikator: "),
    )
    county = alt.param(
        name="markerat",
        value="",
        bind=alt.binding_select(
            options=["", *wide["county_code"]],
            labels=["(inget)", *wide["county"]],
            name="Markera län: ",
        ),
    )
    value = alt.Tooltip("value:Q", title="Värde", format=",.1~f")
    county_map = (
        alt.Chart(alt.Data(values=outlines["features"]))
        .mark_geoshape()
        .transform_lookup(
            lookup="properties.county_code",
            from_=alt.LookupData(wide, "county_code", ["county", *ids]),
        )
        .transform_calculate(value="datum[indikator]")
        .encode(
            color=alt.Color("value:Q", title="Värde", scale=alt.Scale(scheme="blues")),
            stroke=alt.condition(
                "datum.properties.county_code == markerat", alt.value("#d62728"), alt.value("#fff")
            ),
            strokeWidth=alt.condition(
                "datum.properties.county_code == markerat", alt.value(3), alt.value(0.5)
            ),
            tooltip=[alt.Tooltip("county:N", title="Län"), value],
        )
        .project(type="mercator")
        .properties(width=260, height=520)
    )
    ranking = (
        alt.Chart(wide)
        .transform_calculate(value="datum[indikator]")
        .mark_bar()
        .encode(
            y=alt.Y("county:N", sort="-x", title="Län"),
            x=alt.X("value:Q", title="Värde för vald indikator"),
            color=alt.condition(
                "datum.county_code == markerat", alt.value("#d62728"), alt.value("#4c78a8")
            ),
            tooltip=[alt.Tooltip("county:N", title="Län"), value],
        )
        .properties(width=280, height=520)
    )
    return (
        alt.hconcat(county_map, ranking, description=description)
        .add_params(indicator, county)
        .properties(title=_title("Länen jämförda", source, status))
    )


def county_locator_map(
    outlines: dict, county_code: str, *, title: str, description: str
) -> alt.Chart:
    """Sweden's counties with one filled: where a county lies. It draws no figures, only the
    outlines (official, SCB's boundaries), so its status is official."""
    picked = f"datum.properties.county_code == {json.dumps(county_code)}"
    return (
        alt.Chart(alt.Data(values=outlines["features"]), description=description)
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.5)
        .encode(color=alt.condition(picked, alt.value("#b35900"), alt.value("#c9ced6")))
        .project(type="mercator")
        .properties(
            # Short subtitle lines: the map is narrow.
            title=alt.Title(
                title,
                subtitle=["Källa: SCB (länsgränser).", caption_status(OFFICIAL)],
                anchor="start",
            ),
            width=150,
            height=300,
        )
    )
