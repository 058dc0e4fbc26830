"""The book's table of contents (`_toc.yml`) and the landing page of each geography."""

from __future__ import annotations

from pathlib import Path

import yaml

from lansbok.data import Dataset, atomic_write
from lansbok.geography import RIKET, counties
from lansbok.safe import md_text
from lansbok.sections import SECTIONS

STATIC_CHAPTERS = [
    "chapters/data",
    "chapters/metod",
    "chapters/kor-for-ditt-lan",
    "chapters/ordlista",
]
RECONCILIATION = "avstamning"  # Riket's page comparing computed and published figures


def _doc(path: Path, root: Path) -> str:
    return path.relative_to(root).with_suffix("").as_posix()


def write_toc(data: Dataset, out_dir: Path) -> Path:
    """A table of contents over every page present under out_dir: Riket 2024, the counties in
    SCB order, the comparisons, and the chapters on data and method."""
    root = out_dir.parent
    riket, lan = [], []
    for geo in [RIKET, *counties(data.table("counties"))]:
        folder = out_dir / geo.code
        names = [s for s in [*SECTIONS, RECONCILIATION] if any(folder.glob(f"{s}.*"))]
        pages = [next(folder.glob(f"{name}.*")) for name in names]
        if not pages:
            continue
        title = "Riket 2024" if geo.is_national else geo.name
        links = "\n".join(f"- {{doc}}`/{_doc(p, root)}`" for p in pages)
        landing = folder / "index.md"
        atomic_write(landing, f"# {md_text(title)}\n\n{links}\n")
        chapter = {
            "file": _doc(landing, root),
            "sections": [{"file": _doc(p, root)} for p in pages],
        }
        (riket if geo.is_national else lan).append(chapter)
    parts = [
        {"caption": "Riket 2024", "chapters": riket},
        {"caption": "Länen", "chapters": lan},
    ]
    comparisons = out_dir / RIKET.code / "comparisons.ipynb"
    if comparisons.exists():
        parts.append({"caption": "Jämförelser", "chapters": [{"file": _doc(comparisons, root)}]})
    parts.append(
        {"caption": "Om data och metod", "chapters": [{"file": f} for f in STATIC_CHAPTERS]}
    )
    toc = {
        "format": "jb-book",
        "root": "chapters/index",
        "parts": [p for p in parts if p["chapters"]],
    }
    path = root / "_toc.yml"
    text = yaml.safe_dump(toc, allow_unicode=True, sort_keys=False)
    atomic_write(path, "# Written by `lansbok run` and `lansbok book`: do not edit.\n" + text)
    return path
