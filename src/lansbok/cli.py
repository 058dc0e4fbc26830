"""The `lansbok` command line."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from lansbok import data as data_module
from lansbok import geography as geography_module
from lansbok.data import DEFAULT_DATA_DIR, DataError
from lansbok.geography import UnknownGeography, resolve, resolve_municipality

app = typer.Typer(
    help="Länsstyrelsernas integrationsarbete: data, figures and book.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
import_app = typer.Typer(
    help="Import an official export into the data package.", no_args_is_help=True
)
app.add_typer(import_app, name="import")
fetch_app = typer.Typer(
    help="Fetch official data from its producer, keep it as a snapshot in data/snapshots and "
    "import it (--offline: re-import the snapshot kept).",
    no_args_is_help=True,
)
app.add_typer(fetch_app, name="fetch")

DataDir = Annotated[
    Path, typer.Option("--data", help="Data directory with datapackage.json.", file_okay=False)
]


class Format(StrEnum):
    json = "json"
    table = "table"


def _fail(error: DataError) -> None:
    for problem in error.problems:
        typer.echo(f"error: {problem}", err=True)
    if error.more:  # DataError keeps the first hundred
        typer.echo(f"… and {error.more} more problems", err=True)
    typer.echo(f"{error.count} problem(s) found.", err=True)
    raise typer.Exit(1)


def _fail_os(error: OSError) -> None:
    typer.echo(f"error: {error.filename or ''}: {error.strerror or error}", err=True)
    raise typer.Exit(1)


Jobs = Annotated[int | None, typer.Option("--jobs", min=1, help="Parallel kernels.")]
Year = Annotated[
    int | None,
    typer.Option("--year", help="The edition (default: the latest year with published figures)."),
]


class ExecutorKind(StrEnum):
    local = "local"
    dask = "dask"


ExecutorOption = Annotated[
    ExecutorKind,
    typer.Option(
        "--executor",
        help="local: worker processes on this machine; dask: a Dask cluster (--scheduler), "
        "or a LocalCluster without one.",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="LANSBOK_DASK_SCHEDULER",
        help="The Dask scheduler's address (tcp://host:port), with --executor dask.",
    ),
]


def _executor(kind: ExecutorKind, scheduler: str | None):
    """The run's executor factory; a scheduler that does not answer is an error (exit 1)
    before anything is written."""
    from lansbok import run as runner

    if kind is ExecutorKind.local:
        return runner.LocalExecutor
    from lansbok import executors

    if scheduler:
        try:
            executors.check_scheduler(scheduler)
        except executors.SchedulerUnreachable as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from None
    return executors.factory(scheduler)


@app.command()
def validate(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Validate every table against data/datapackage.json and the national totals."""
    try:
        problems = data_module.validate(data_dir)
    except DataError as error:
        _fail(error)
    if problems:
        _fail(problems.error())
    n = len(data_module.read_descriptor(data_dir)["resources"])
    typer.echo(f"{data_dir}: {n} resources valid.")


@app.command()
def sample(data_dir: DataDir = DEFAULT_DATA_DIR, year: Year = None) -> None:
    """Regenerate the sample tables of an edition (deterministic; see lansbok.sample for the
    method); other years' rows are kept."""
    from lansbok import sample as sample_module

    try:
        paths = sample_module.write(data_dir, year=year)
    except DataError as error:
        _fail(error)
    for path in paths:
        typer.echo(f"wrote {path}")


@app.command()
def figures(
    lan: Annotated[
        str, typer.Option("--lan", help="SE, or a county: code, name or letter.")
    ] = "SE",
    output_format: Annotated[Format, typer.Option("--format")] = Format.table,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    year: Year = None,
) -> None:
    """Print the key figures of one geography in an edition; for SE with the reconciliation to
    the summary."""
    from lansbok import sections
    from lansbok.figures import indicator

    try:
        dataset = data_module.load(data_dir, check=True).edition(year)
        geo = resolve(lan, dataset.table("counties"))
    except DataError as error:
        _fail(error)
    except UnknownGeography as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None

    if geo.is_national:
        computed, table = sections.reconciliation(dataset)
    else:
        computed = sections.key_figures(dataset, geo)
    rows = {key: figure.as_dict() for key, figure in computed.items()}
    if geo.is_national:
        for rec in table.itertuples():
            entry = rows.setdefault(
                rec.indicator_id,
                {
                    "indicator_id": rec.indicator_id,
                    "value": None,
                    "unit": indicator(dataset, rec.indicator_id).unit,
                    "status": None,
                    "sources": [],
                    "note": sections.NOT_COMPUTABLE.get(rec.indicator_id),
                },
            )
            entry["reconciliation"] = {
                "computed": None if math.isnan(rec.computed) else rec.computed,
                "published": rec.published,
                "kind": rec.kind,
                "match": rec.match,
                "difference": rec.difference if isinstance(rec.difference, str) else None,
            }
    header = {"lan": geo.code, "name": geo.name, "year": dataset.year}
    if output_format is Format.json:
        typer.echo(json.dumps({**header, "figures": rows}, ensure_ascii=False, indent=2))
        return
    recon_columns = ["published", "kind", "match"] if geo.is_national else []
    frame = pd.DataFrame(
        [
            {key: row[key] for key in ("indicator_id", "value", "unit", "status")}
            | {key: row.get("reconciliation", {}).get(key) for key in recon_columns}
            for row in rows.values()
        ]
    ).set_index("indicator_id")
    typer.echo(f"{geo.name} ({geo.code}), {dataset.year}")
    with pd.option_context("display.max_rows", None, "display.width", 200):
        typer.echo(frame.to_string(float_format=lambda v: f"{v:.2f}", na_rep="-"))


@app.command()
def template(
    table: Annotated[str, typer.Argument(help="A table a county board fills in: tia_grants, …")],
    lan: Annotated[str, typer.Option("--lan", help="The county: code, name or letter.")],
    year: Year = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", dir_okay=False, help="The workbook (default: TABLE_LAN_YEAR.xlsx)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Write an Excel workbook for a county board to fill in with its own records of a table
    (read back by `lansbok import TABLE FILE --lan N`)."""
    from lansbok import workbook

    try:
        dataset = data_module.load(data_dir).edition(year)
        geo = resolve(lan, dataset.table("counties"))
        if not geo.is_county:
            raise UnknownGeography("a template is for one county: give --lan with a county")
        workbook.check_table(dataset, table)
        target = out or Path(f"{table}_{geo.code}_{dataset.year}.xlsx")
        if not target.parent.is_dir():
            typer.echo(f"error: no folder {target.parent} to write {target.name} in", err=True)
            raise typer.Exit(1)
        if target.exists() and not force:  # it may be a filled one: never lose that work
            typer.echo(f"error: {target} exists; give --force to overwrite it", err=True)
            raise typer.Exit(1)
        path = workbook.write_template(dataset, table, geo, target)
    except DataError as error:
        _fail(error)
    except (UnknownGeography, workbook.UnknownTable) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except OSError as error:
        _fail_os(error)
    typer.echo(f"wrote {path}")


def _interrupted(stop) -> None:
    typer.echo(
        f"interrupted by {stop.name}: every worker, kernel and build stopped; "
        "pages written before are complete, nothing half-written is left",
        err=True,
    )
    raise typer.Exit(stop.exit_code)


@app.command("run")
def run_notebooks(
    lan: Annotated[
        list[str] | None, typer.Option("--lan", help="A county (code, name or letter) or SE.")
    ] = None,
    kommun: Annotated[
        list[str] | None,
        typer.Option("--kommun", help="A municipality (code or name): its municipality page."),
    ] = None,
    all_geographies: Annotated[
        bool, typer.Option("--all", help="Riket and the 21 counties.")
    ] = False,
    section: Annotated[
        list[str] | None, typer.Option("--section", help="Only this section.")
    ] = None,
    year: Year = None,
    jobs: Jobs = None,
    force: Annotated[bool, typer.Option("--force", help="Execute even if up to date.")] = False,
    timeout: Annotated[int, typer.Option("--timeout", min=1, help="Seconds per cell.")] = 600,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", file_okay=False, help="Pages go here (default: the book's)."),
    ] = None,
    html_dir: Annotated[
        Path | None,
        typer.Option("--html", file_okay=False, help="Also write standalone HTML pages here."),
    ] = None,
    templates_dir: Annotated[
        Path | None, typer.Option("--templates", file_okay=False, hidden=True)
    ] = None,
    executor: ExecutorOption = ExecutorKind.local,
    scheduler: Scheduler = None,
) -> None:
    """Execute the section notebooks for one or more geographies (cached, parallel). Only with
    the default --out is the book's table of contents (_toc.yml) written too."""
    from lansbok import run as runner
    from lansbok.processes import Interrupted, interruptible

    out = out_dir or runner.OUTPUT_DIR
    try:
        with interruptible():
            try:
                dataset = data_module.load(data_dir).edition(year)
                counties_table = dataset.table("counties")
                if all_geographies:
                    geos = runner.all_geographies(dataset)
                elif lan or kommun:
                    geos = [resolve(value, counties_table) for value in lan or []]
                    geos = list(dict.fromkeys(geos + municipalities(dataset, kommun)))
                else:
                    raise UnknownGeography("give --lan, --kommun or --all")
                if html_dir:
                    runner.check_out_dir(html_dir, "--html", create=False)
                fan_out = _executor(executor, scheduler)
                report = runner.run(
                    geos,
                    section,
                    data_dir=data_dir,
                    out_dir=out,
                    templates_dir=templates_dir or runner.TEMPLATES_DIR,
                    jobs=jobs,
                    force=force,
                    timeout=timeout,
                    year=dataset.year,
                    executor=fan_out,
                )
                if out_dir is None:  # the book's own folder: its table of contents too
                    from lansbok.toc import write_toc

                    write_toc(dataset, out)
            except (UnknownGeography, runner.RunError) as error:
                typer.echo(f"error: {error}", err=True)
                raise typer.Exit(2) from None
            except DataError as error:
                _fail(error)
            for job, message in report.failures:
                typer.echo(f"FAILED {job.label}:\n{message}\n", err=True)
            typer.echo(
                f"executed {len(report.executed)}, reused {len(report.reused)}, "
                f"failed {len(report.failures)}"
            )
            if not report.ok:
                raise typer.Exit(1)
            if html_dir:
                _write_html(geos, section or list(runner.PAGES), out, html_dir, dataset.year)
    except Interrupted as stop:
        _interrupted(stop)


def municipalities(dataset, values: list[str] | None) -> list:
    table = dataset.table("municipalities")
    return [resolve_municipality(value, table) for value in values or []]


def _write_html(geos, section_names: list[str], out: Path, html_dir: Path, year: int) -> None:
    from lansbok import run as runner
    from lansbok.export import write_site

    for geo in geos:
        target = html_dir if len(geos) == 1 else html_dir / geo.code
        names = runner.pages_for(geo, section_names)
        if not names:  # only pages made for another kind of geography were asked for
            continue
        pages = [runner.output_path(out, geo, s, year) for s in names]
        write_site(pages, target, geo)
        typer.echo(f"wrote {len(pages)} pages for {geo.name} to {target / 'index.html'}")


@app.command()
def book(
    year: Year = None,
    jobs: Jobs = None,
    force: Annotated[bool, typer.Option("--force", help="Execute every page again.")] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    root: Annotated[Path | None, typer.Option("--root", file_okay=False, hidden=True)] = None,
    lan: Annotated[list[str] | None, typer.Option("--lan", hidden=True)] = None,
    kommun: Annotated[
        list[str] | None,
        typer.Option("--kommun", help="Add this municipality's page (code or name) to the book."),
    ] = None,
    executor: ExecutorOption = ExecutorKind.local,
    scheduler: Scheduler = None,
    kommuner: Annotated[
        bool,
        typer.Option(
            "--kommuner",
            envvar="LANSBOK_KOMMUNER",
            help="Add the page of every municipality (290) to the book.",
        ),
    ] = False,
) -> None:
    """Validate, execute every page (cached), and build the book strictly into _build/html."""
    from lansbok.book import BuildError, build
    from lansbok.processes import Interrupted, interruptible
    from lansbok.run import RunError

    options = {"root": root} if root else {}
    try:
        with interruptible():
            dataset = data_module.load(data_dir)
            if lan:  # a smaller book, for tests
                counties_table = dataset.table("counties")
                options["geographies"] = [resolve(value, counties_table) for value in lan]
            if kommun:
                options["municipalities"] = municipalities(dataset, kommun)
            options["executor"] = _executor(executor, scheduler)
            if kommuner:
                options["municipalities"] = geography_module.municipalities(
                    dataset.table("municipalities")
                )
            result = build(data_dir=data_dir, jobs=jobs, force=force, year=year, **options)
    except DataError as error:
        _fail(error)
    except (RunError, UnknownGeography) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except BuildError as error:
        typer.echo(f"error: {error}", err=True)
        typer.echo("The previous _build/html, if any, is left as it was.", err=True)
        raise typer.Exit(1) from None
    except Interrupted as stop:
        _interrupted(stop)
    report = result.report
    times = result.sphinx_times
    typer.echo(
        f"executed {len(report.executed)} notebooks, reused {len(report.reused)} "
        f"({result.execute_seconds:.1f} s); Sphinx {result.sphinx_seconds:.1f} s"
        + (f", {times['read_docs']} pages read" if "read_docs" in times else "")
    )
    if "read" in times:  # where Sphinx's time went
        phases = ("setup", "read", "write", "finish", "swap")
        typer.echo("Sphinx: " + ", ".join(f"{name} {times[name]:.1f} s" for name in phases))
    typer.echo(f"The book is built: {result.index}")


@import_app.command("kommunmottagna")
def import_kommunmottagna(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    year: Annotated[int, typer.Option("--year", help="Year the export covers.")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Import Migrationsverket's "Kommunmottagna enligt ersättningsförordningen" export."""
    from lansbok.importers import import_kommunmottagna as run_import

    try:
        tidy = run_import(file, year, data_dir)
    except DataError as error:
        _fail(error)
    except OSError as error:  # e.g. a write-protected data directory: nothing was replaced
        _fail_os(error)
    typer.echo(
        f"imported {year}: {tidy['municipality_code'].nunique()} municipalities, "
        f"{tidy['received'].sum()} people received, into {data_dir / 'kommunmottagna.csv'}"
    )


@import_app.command("befolkning")
def import_population(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Import SCB's population by region and year (CSV from the statistical database): pages
    then give counts of people per 10 000 inhabitants."""
    from lansbok.importers import import_population as run_import

    try:
        tidy = run_import(file, data_dir)
    except DataError as error:
        _fail(error)
    except OSError as error:
        _fail_os(error)
    for year, rows in tidy.counties.groupby("year"):
        typer.echo(
            f"imported {year}: {len(rows)} counties, {rows['population'].sum()} inhabitants, "
            f"into {data_dir / 'population.csv'}"
        )
    for year, rows in tidy.municipalities.groupby("year"):
        typer.echo(
            f"imported {year}: {len(rows)} municipalities, {rows['population'].sum()} "
            f"inhabitants, into {data_dir / 'population_municipalities.csv'}"
        )


def import_county_table(
    table: str,
    file: Path,
    lan: str,
    year: int | None,
    data_dir: Path,
) -> None:
    from lansbok.county_files import import_county

    try:
        geo = resolve(lan, data_module.load(data_dir).table("counties"))
        rows = import_county(table, file, geo, data_dir, year)
    except UnknownGeography as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except DataError as error:
        _fail(error)
    except OSError as error:
        _fail_os(error)
    typer.echo(
        f"imported {table} for {geo.name}: {len(rows)} rows, now official for {geo.name}; the "
        "other counties' sample rows were drawn again around them"
    )


def _register_county_imports() -> None:
    """`lansbok import TABLE FILE --lan 12` for each table a county board fills in (marked
    `lansbok:county_file` in the data package)."""
    try:
        descriptor = data_module.read_descriptor(DEFAULT_DATA_DIR)
        tables = data_module.Dataset(DEFAULT_DATA_DIR, descriptor).county_file_tables()
    except (DataError, OSError, ValueError, KeyError, TypeError):  # validate says what is wrong
        return
    for table in tables:
        import_app.command(table)(_county_import_command(table))


def _county_import_command(table: str):
    def command(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
        lan: Annotated[str, typer.Option("--lan", help="The county: code, name or letter.")],
        year: Year = None,
        data_dir: DataDir = DEFAULT_DATA_DIR,
    ) -> None:
        import_county_table(table, file, lan, year, data_dir)

    command.__doc__ = (
        f"Import a county's own {table} (a filled `lansbok template {table}` workbook, or a "
        "CSV): its rows become official for that county."
    )
    return command


_register_county_imports()


Offline = Annotated[
    bool,
    typer.Option("--offline", help="Import the snapshot kept in data/snapshots; no network."),
]
Years = Annotated[
    list[int] | None,
    typer.Option(
        "--year", help="A year to fetch (repeat for several; default: the latest edition)."
    ),
]
# Seconds before the first retry (doubled each time); tests make it tiny.
Backoff = Annotated[float, typer.Option("--backoff", hidden=True, min=0)]


def _fetch(data_dir: Path, source: str, key: str | None, offline: bool, download, load) -> None:
    """Run a fetch and report it; any failure is one line per problem and exit code 1."""
    from lansbok.fetch import FetchError, run

    try:
        said = run(
            data_dir,
            source,
            key,
            offline=offline,
            download=download,
            load=load,
            producer=_producers()[source],
        )
    except FetchError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except DataError as error:
        _fail(error)
    except OSError as error:
        _fail_os(error)
    for line in said:
        typer.echo(f"{source}: {line}")


def _producers() -> dict[str, str]:
    from lansbok.fetch import af, kolada, migrationsverket, scb

    return {m.SOURCE: m.PRODUCER for m in (scb, kolada, af, migrationsverket)}


def _years(data_dir: Path, years: list[int] | None) -> list[int]:
    if years:
        return sorted(set(years))
    try:
        return [data_module.load(data_dir).year]
    except DataError as error:
        _fail(error)


@fetch_app.command("scb-befolkning")
def fetch_population(
    year: Years = None,
    offline: Offline = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    backoff: Backoff = 1.0,
) -> None:
    """Population on 31 December per county and municipality from SCB (PxWebApi 2.0, table
    TAB638; base URL from LANSBOK_SCB_URL)."""
    from lansbok.fetch import Client, scb

    years = year if offline else _years(data_dir, year)

    def download():
        dataset = data_module.load(data_dir)
        counties = list(dataset.table("counties")["county_code"])
        municipalities = list(dataset.table("municipalities")["municipality_code"])
        with Client(scb.base_url(), backoff=backoff) as client:
            return scb.download(client, years, counties, municipalities)

    key = scb.key(years) if years else None
    _fetch(data_dir, scb.SOURCE, key, offline, download, lambda s: scb.import_snapshot(s, data_dir))


@fetch_app.command("kolada")
def fetch_kolada(
    kpi: Annotated[
        str, typer.Argument(help="Key figure id, e.g. N01951 (find ids: /v3/kpi?title=).")
    ],
    year: Years = None,
    offline: Offline = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    backoff: Backoff = 1.0,
) -> None:
    """A Kolada key figure per municipality and year (Kolada v3; base URL from
    LANSBOK_KOLADA_URL) into the table kolada."""
    from lansbok.fetch import Client, kolada

    try:
        kpi = kolada.check_kpi(kpi)
    except DataError as error:
        _fail(error)
    years = year if offline else _years(data_dir, year)

    def download():
        with Client(kolada.base_url(), backoff=backoff) as client:
            return kolada.download(client, kpi, years)

    def load(snapshot):
        kept_years = snapshot.meta["key"].split("_")[1:]
        return kolada.import_snapshot(snapshot, data_dir, kpi, [int(y) for y in kept_years])

    key = kolada.key(kpi, years) if years else f"{kpi}_*"  # offline: every year kept
    _fetch(data_dir, kolada.SOURCE, key, offline, download, load)


@fetch_app.command("af-etablering")
def fetch_establishment(
    file: Annotated[
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="The monthly file, downloaded by hand."),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help="Download the monthly file from here (or: where FILE came from)."
        ),
    ] = None,
    offline: Offline = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    backoff: Backoff = 1.0,
) -> None:
    """Participants in the establishment programme per county and sex in December, from
    Arbetsförmedlingen's open monthly file of job seekers (AFKOD 104 and 105)."""
    from urllib.parse import urlsplit

    from lansbok.fetch import Client, af
    from lansbok.fetch.snapshots import File, hand_file, safe_name

    if not offline and not file and not url:
        typer.echo("error: give FILE or --url (or --offline)", err=True)
        raise typer.Exit(2)
    name = file.name if file else (Path(urlsplit(url).path).name or "manadsfil") if url else None
    key = Path(safe_name(name)).stem if name else None

    def download():
        if file:
            return [hand_file(file, url)], af.LICENCE
        with Client("", backoff=backoff) as client:
            answer = client.get(url)
        return [File(safe_name(name), answer.url, {}, answer.body)], af.LICENCE

    _fetch(data_dir, af.SOURCE, key, offline, download, lambda s: af.import_snapshot(s, data_dir))


@fetch_app.command("migrationsverket")
def fetch_kommunmottagna(
    file: Annotated[
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="The export, downloaded by hand."),
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="Year the export covers.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where the file came from.")] = None,
    offline: Offline = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Keep a hand-downloaded "Kommunmottagna enligt ersättningsförordningen" export as a
    snapshot and import it (Migrationsverket has no API)."""
    from lansbok.fetch import migrationsverket as mv
    from lansbok.fetch.snapshots import hand_file

    if not offline and (file is None or year is None):
        typer.echo("error: give FILE and --year (or --offline)", err=True)
        raise typer.Exit(2)

    def load(snapshot):
        return mv.import_snapshot(snapshot, data_dir, int(snapshot.meta["key"].rsplit("-", 1)[1]))

    key = mv.key(year) if year else None
    _fetch(data_dir, mv.SOURCE, key, offline, lambda: ([hand_file(file, url)], mv.LICENCE), load)


if __name__ == "__main__":
    app()
