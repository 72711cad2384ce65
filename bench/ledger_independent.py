"""What the consistency sweep and the PII ledger add on the independent corpus (issue #11, item 4).

For a split of ``bench/pii_eval/data`` (sorted by locale, cut into batches of ``--batch``
texts, each text one record, as ingest sees a log): how many gold values (all types but
LOCATION, ORGANIZATION, DATE_OF_BIRTH) are left verbatim by the detector alone and after the
sweep of :class:`prodbench.data.consistency.BatchSweep`; how many of the texts that still leak
the ledger built from the whole split flags, and whether each flag lies inside a gold value;
then the PII-free prompts (``negative.jsonl``): texts altered with and without the sweep, and
texts the split's ledger flags (false alarms).

Usage::

    python bench/ledger_independent.py [--split dev|heldout] [--batch 20]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from prodbench.data.anonymize import Anonymizer
from prodbench.data.consistency import BatchSweep, common_words, ledger_record
from prodbench.data.ledger import Ledger

DATA = Path(__file__).resolve().parent / "pii_eval" / "data"
NOT_SCORED = {"LOCATION", "ORGANIZATION", "DATE_OF_BIRTH"}


def _load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def _leaks(row: dict[str, Any], out: str) -> list[dict[str, Any]]:
    text = row["text"]
    return [s for s in row["spans"]
            if s["type"] not in NOT_SCORED and text[s["start"]: s["end"]].casefold() in out.casefold()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "heldout"], default="dev")
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    started = time.time()
    rows = sorted(_load(args.split), key=lambda r: (r["locale"], r["id"]))
    common = common_words()
    ledger = Ledger(Path("unused"), "bench-salt-not-a-secret-0123456789")
    base, swept = [], []
    for i in range(0, len(rows), args.batch):
        anonymizer, sweep = Anonymizer(), BatchSweep(common)
        for row in rows[i: i + args.batch]:
            anonymizer.reset()
            out = anonymizer.text(row["text"])
            base.append(out)
            swept.append(sweep.apply(anonymizer, [out], [row["text"]])[0] or "")
            ledger_record(ledger, sweep)
    gold = sum(1 for r in rows for s in r["spans"] if s["type"] not in NOT_SCORED)
    leak_base = [_leaks(r, o) for r, o in zip(rows, base, strict=True)]
    leak_swept = [_leaks(r, o) for r, o in zip(rows, swept, strict=True)]
    leaking = [bool(x) for x in leak_swept]
    flagged = [bool(list(ledger.find(o))) for o in swept]
    inside = outside = 0
    wrong: Counter[str] = Counter()
    for row, out in zip(rows, swept, strict=True):
        golds = [row["text"][s["start"]: s["end"]].casefold() for s in row["spans"]]
        for _, start, end in ledger.find(out):
            if any(out[start:end].casefold() in g for g in golds):
                inside += 1
            else:
                outside += 1
                wrong[out[start:end]] += 1
    print(f"{args.split}: {len(rows)} texts in batches of {args.batch}, {gold} gold values "
          f"(all types but {', '.join(sorted(NOT_SCORED))})")
    print(f"  values left verbatim:        detector {sum(map(len, leak_base))}, + sweep {sum(map(len, leak_swept))}")
    print(f"  texts still holding a value: detector {sum(map(bool, leak_base))}, + sweep {sum(leaking)}")
    print(f"  texts the sweep changed beyond the detector: {sum(b != s for b, s in zip(base, swept, strict=True))}")
    caught = sum(a and b for a, b in zip(leaking, flagged, strict=True))
    print(f"  ledger ({len(ledger.values)} values from this split) flags {caught} of the {sum(leaking)} leaking texts;"
          f" flags inside a gold value {inside}, outside {outside} {wrong.most_common(5)}")
    anonymizer, sweep = Anonymizer(), BatchSweep(common)
    negatives = _load("negative")
    altered_base = altered = false_flags = 0
    for row in negatives:
        anonymizer.reset()
        out = anonymizer.text(row["text"])
        altered_base += out != row["text"]
        altered += sweep.apply(anonymizer, [out], [row["text"]])[0] != row["text"]
        false_flags += bool(list(ledger.find(row["text"])))
    print(f"negatives ({len(negatives)}): altered by the detector {altered_base}, with the sweep {altered}; "
          f"flagged by the {args.split} ledger {false_flags}")
    print(f"({time.time() - started:.1f} s)")


if __name__ == "__main__":
    main()
