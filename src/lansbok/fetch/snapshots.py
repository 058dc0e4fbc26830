"""Snapshots: the producers' responses kept as served, in data/snapshots/<source>/<key>/.

A snapshot is a folder with one file per request and `snapshot.json`: the source, producer and
licence, when it was retrieved (UTC), its digest, and per file the URL with its query, size and
sha256. The digest is the sha256 of the lines `<sha256>  <file>` of its files in name order (as
`sha256sum` prints them), so that it names the whole snapshot. A snapshot that changed replaces
the old one and keeps the old one's retrieval time and digest in `history`; an unchanged one is
left as it is, byte for byte. Tables are imported from a snapshot alone, with the snapshot's
folder, digest and retrieval date as the import record, so importing it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lansbok.data import DataError, Problem

FOLDER = "snapshots"
META = "snapshot.json"
HAND = "hand-downloaded"
REQUIRED = ("source", "key", "producer", "licence", "retrieved", "sha256", "files", "history")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class File:
    """One response to keep: its name in the snapshot, where it came from, its body."""

    name: str
    url: str
    query: dict
    body: bytes
    origin: str | None = None  # a hand-downloaded file: the address it was downloaded from
    local: Path | None = None  # a hand-downloaded file: where it was given, for messages


@dataclass(frozen=True)
class Snapshot:
    folder: Path
    meta: dict

    @property
    def files(self) -> list[Path]:
        return [self.folder / entry["file"] for entry in self.meta["files"]]

    @property
    def retrieved(self) -> str:
        return self.meta["retrieved"]

    def record(self) -> dict:
        """The import record of a table read from this snapshot: its folder under data/."""
        return {
            "file": f"{FOLDER}/{self.meta['source']}/{self.meta['key']}",
            "sha256": self.meta["sha256"],
            "imported": self.retrieved[:10],
        }


def digest(entries: list[dict]) -> str:
    lines = "".join(f"{e['sha256']}  {e['file']}\n" for e in sorted(entries, key=_name))
    return hashlib.sha256(lines.encode()).hexdigest()


def _name(entry: dict) -> str:
    return entry["file"]


def hand_file(path: Path, origin: str | None) -> File:
    """A file downloaded by hand, as a snapshot keeps it (its URL "hand-downloaded", and the
    address it came from if given)."""
    return File(safe_name(path.name), HAND, {}, path.read_bytes(), origin, path)


def safe_name(text: str) -> str:
    """A file or folder name from a URL's or file's name: letters, digits, '.', '_', '-'."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")[:100]
    return name or "fil"


def read(folder: Path) -> Snapshot:
    """A snapshot, with each file checked against its recorded size and sha256 (DataError
    naming the file otherwise: a snapshot edited by hand is not imported)."""
    meta_path = folder / META
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError([Problem(str(meta_path), f"cannot read the snapshot: {exc}")]) from None
    where = str(meta_path)
    if not isinstance(meta, dict) or not set(REQUIRED) <= set(meta):
        raise DataError([Problem(where, f"a snapshot's metadata has {', '.join(REQUIRED)}")])
    if (meta["source"], meta["key"]) != (folder.parent.name, folder.name):
        message = f"names {meta['source']}/{meta['key']}, but lies in {folder.parent.name}/"
        raise DataError([Problem(where, message + folder.name)])
    problems = []
    for entry in meta["files"]:
        path = folder / entry["file"]
        if not SAFE_NAME.match(entry["file"]) or not path.is_file():
            problems.append(Problem(str(path), "the snapshot names this file, it is not there"))
        elif hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(
                Problem(str(path), "its sha256 differs from the snapshot's record (edited?)")
            )
    if not meta["files"]:
        problems.append(Problem(where, "the snapshot lists no files"))
    if problems:
        raise DataError(problems)
    return Snapshot(folder, meta)


class Store:
    """The snapshots of one data directory."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / FOLDER

    def folder(self, source: str, key: str) -> Path:
        return self.root / source / key

    def find(self, source: str, key: str = "*") -> list[Snapshot]:
        """The snapshots of `source` whose key matches `key` (a key, or a pattern such as
        "N01951_*"; "*": all), oldest retrieval first so that a later one's years win;
        DataError if there is none."""
        base = self.root / source
        folders = sorted(base.glob(key)) if base.is_dir() else []
        folders = [f for f in folders if (f / META).is_file() and not f.name.startswith(".")]
        if not folders:
            where = self.folder(source, key)
            raise DataError(
                [Problem(str(where), "no snapshot here: fetch it once without --offline")]
            )
        return sorted((read(f) for f in folders), key=lambda s: (s.retrieved, s.folder.name))

    def all(self) -> list[Snapshot]:
        """Every snapshot, by source and key, checked as `read` checks one (for the data
        catalogue)."""
        if not self.root.is_dir():
            return []
        return [read(meta.parent) for meta in sorted(self.root.glob(f"*/*/{META}"))]

    @contextmanager
    def stage(
        self, source: str, key: str, files: list[File], producer: str, licence: str
    ) -> Iterator[tuple[Snapshot, bool]]:
        """(snapshot, changed): the snapshot of these responses, in a temporary folder if they
        differ from the one kept (else the kept one). Import from it inside the block; only if
        the block ends without an exception does a changed snapshot replace the kept one."""
        target = self.folder(source, key)
        try:
            old = read(target) if (target / META).is_file() else None
        except DataError:  # a damaged snapshot is replaced by the new answer, not kept
            old = None
        entries = [
            {
                "file": f.name,
                "url": f.url,
                "query": f.query,
                **({"origin": f.origin} if f.origin else {}),
                "size": len(f.body),
                "sha256": hashlib.sha256(f.body).hexdigest(),
            }
            for f in files
        ]
        if old and _same(old.meta["files"], entries):
            yield old, False
            return
        retrieved = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        meta = {
            "source": source,
            "key": key,
            "producer": producer,
            "licence": licence,
            "retrieved": retrieved.replace("+00:00", "Z"),
            "sha256": digest(entries),
            "files": entries,
            "history": (
                [{"retrieved": old.retrieved, "sha256": old.meta["sha256"]}, *old.meta["history"]]
                if old
                else []
            ),
        }
        with tempfile.TemporaryDirectory(prefix="lansbok-fetch-") as tmp:
            staged = Path(tmp) / key
            staged.mkdir()
            for f in files:
                (staged / f.name).write_bytes(f.body)
            (staged / META).write_text(
                json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            yield Snapshot(staged, meta), True
            _replace(staged, target)


def _same(old: list[dict], new: list[dict]) -> bool:
    def essence(entries: list[dict]) -> list[tuple]:
        return sorted((e["file"], e["sha256"]) for e in entries)

    return essence(old) == essence(new)


def _replace(staged: Path, target: Path) -> None:
    """Put the staged folder in the target's place: copied beside it, then renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    shutil.copytree(staged, incoming, dirs_exist_ok=True)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(incoming, 0o777 & ~mask)  # mkdtemp makes folders private; a snapshot is not
    outgoing = None
    if target.exists():
        outgoing = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
        os.replace(target, outgoing / target.name)
    os.replace(incoming, target)
    if outgoing:
        shutil.rmtree(outgoing)
