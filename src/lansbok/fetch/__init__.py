"""`lansbok fetch`: official data from the producers, kept as snapshots and imported.

Each source downloads its responses (`http.Client`: timeouts, retries, rate limit), keeps them as
a snapshot in data/snapshots/<source>/<key>/ (`snapshots`), and imports the snapshot into its
tidy table through `lansbok.importers.write_validated`, which validates a trial copy of the data
package first. The order makes a failure write nothing: the download is held in memory, the new
snapshot is staged in a temporary folder, the tables are imported from it, and only then does it
replace the snapshot kept. `--offline` imports the kept snapshot alone, with no network.

Sources: `scb` (population, PxWebApi 2.0), `kolada` (a key figure per municipality, Kolada v3),
`af` (Arbetsförmedlingen's monthly file: the establishment programme in December),
`migrationsverket` (a hand-downloaded export: no API).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from lansbok.data import DataError
from lansbok.fetch.http import Client, FetchError
from lansbok.fetch.snapshots import File, Snapshot, Store

__all__ = ["Client", "FetchError", "File", "Snapshot", "Store", "run"]


def run(
    data_dir: Path,
    source: str,
    key: str | None,
    *,
    offline: bool,
    download: Callable[[], tuple[list[File], str]],
    load: Callable[[Snapshot], list[str]],
    producer: str,
) -> list[str]:
    """Fetch (or, offline, take the kept snapshot), import, and say what happened.
    `download` gives the responses and their licence; `load` imports a snapshot and says what
    it imported. Offline, `key` may be a pattern ("*": every snapshot of the source)."""
    store = Store(data_dir)
    if offline:
        said = []
        for snapshot in store.find(source, key or "*"):
            said.append(f"snapshot {_where(snapshot)}, retrieved {snapshot.retrieved}")
            said += load(snapshot)
        return said
    if key is None:
        raise ValueError("an online fetch names its snapshot")
    files, licence = download()
    with store.stage(source, key, files, producer, licence) as (snapshot, changed):
        try:
            said = load(snapshot)
        except DataError as error:  # name the file given, or the place the snapshot is kept
            given = {str(snapshot.folder / f.name): str(f.local) for f in files if f.local}
            kept = str(store.folder(source, key))

            def place(file: str) -> str:
                return given.get(file) or file.replace(str(snapshot.folder), kept)

            problems = [replace(p, file=place(p.file)) for p in error.problems]
            raise DataError(problems, error.more) from None
    size = sum(len(f.body) for f in files)
    state = "new snapshot" if changed else "unchanged: the snapshot kept"
    head = f"{state} {store.folder(source, key)} ({len(files)} file(s), {size} bytes)"
    return [head, *said]


def _where(snapshot: Snapshot) -> str:
    return snapshot.record()["file"]
