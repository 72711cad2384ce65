"""Time ``detect()`` over a fixed slice of the independent dev corpus, for a given ``tools/`` folder.

Prints MB scanned, seconds and MB/s. Used to compare two versions of the detector side by side
(alternate whole runs of both, repeat, take medians), e.g. this checkout against an older commit
exported with ``git archive COMMIT tools | tar -x -C /tmp/base``::

    python bench/pii_eval/detect_speed.py tools
    python bench/pii_eval/detect_speed.py /tmp/base/tools

The slice: every fifth text of ``data/dev.jsonl`` plus ``data/negative_dev.jsonl`` (0.16 MB).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def main() -> None:
    sys.path.insert(0, str(Path(sys.argv[1] if len(sys.argv) > 1 else "tools").resolve()))
    from prodbench.data.anonymize import detect

    rows = [json.loads(line) for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()][::5]
    rows += [json.loads(line) for line in (DATA / "negative_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    detect("warm up: Jane Doe in Paris, 12 Main St, call 555-123-4567")
    start = time.perf_counter()
    for row in rows:
        detect(row["text"])
    seconds = time.perf_counter() - start
    mb = sum(len(row["text"].encode()) for row in rows) / 1e6
    print(f"{mb:.3f} MB in {seconds:.2f} s = {mb / seconds:.4f} MB/s")


if __name__ == "__main__":
    main()
