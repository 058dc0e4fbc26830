"""Migrationsverket's "Kommunmottagna enligt ersättningsförordningen": there is no API, and the
download addresses change with each monthly publication, so the export is downloaded by hand.
`lansbok fetch migrationsverket FILE --year N [--url URL]` keeps it as a snapshot (its URL
"hand-downloaded", and the address it came from if given) and imports it with the existing
importer, so that its provenance is kept as for the sources with an API."""

from __future__ import annotations

from lansbok.fetch.snapshots import Snapshot
from lansbok.importers import import_kommunmottagna

SOURCE = "migrationsverket"
PRODUCER = "Migrationsverket"
LICENCE = "Migrationsverkets officiella statistik, fri att återanvända med källangivelse"


def key(year: int) -> str:
    return f"kommunmottagna-{year}"


def import_snapshot(snapshot: Snapshot, data_dir, year: int) -> list[str]:
    [path] = snapshot.files
    tidy = import_kommunmottagna(path, year, data_dir, snapshot.record())
    return [
        f"imported {year}: {tidy['municipality_code'].nunique()} municipalities, "
        f"{tidy['received'].sum()} people received"
    ]
