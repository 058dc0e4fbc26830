"""Altair charts for the book: Swedish titles and numbers, source and status on every chart, a
description for screen readers, and drawn with no network.

Altair's default HTML loads vega from a CDN. Here the renderer's HTML only calls
`window.vegaEmbed`; the page loads the vega bundle once from a local file (`vega_bundle`).
"""

from __future__ import annotations

import hashlib
import html
import json

import altair as alt
import pandas as pd

from lansbok.figures import OFFICIAL, combined_status

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


def vega_bundle() -> str:
    """vega, vega-lite and vega-embed in one script that sets window.vegaEmbed. Wrapped in a
    function, so that its top-level names do not collide with other scripts on the page."""
    import vl_convert

    return "(function(){\n" + vl_convert.javascript_bundle() + "\n})();\n"


def offline_html(spec: dict, **_metadata) -> dict:
    """Altair renderer: a container and a call to the locally loaded vegaEmbed."""
    # "</" would end the script element early: escape it inside the JSON.
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")
    chart_id = "chart-" + hashlib.sha1(text.encode()).hexdigest()[:12]
    label = spec.get("description", "Diagram")
    options = {"actions": False, "renderer": "svg", "formatLocale": SV_FORMAT_LOCALE}
    markup = (
        # Scrolls sideways on a narrow screen (and takes focus, so it scrolls by keyboard too).
        f'<div class="lansbok-chart" id="{chart_id}" role="figure" tabindex="0" '
        f'style="max-width:100%;overflow-x:auto" '
        f'aria-label="{html.escape(label, quote=True)}"></div>\n'
        f"<script>window.vegaEmbed({json.dumps('#' + chart_id)}, {text}, "
        f"{json.dumps(options)}).catch(console.error);</script>"
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
    status = combined_status(frame["status"])
    encoding = {
        "y": alt.Y(f"{category}:N", sort=sort or "-x", title=category_title),
        "x": alt.X(f"{value}:Q", title=value_title),
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
