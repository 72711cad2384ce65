"""Incremental re-ingest figures: appending a few lines to a big log, with and without the ingest ledger.

Builds a project with an OpenAI-style chat log of ``--lines`` lines (``--distinct`` distinct requests,
the rest repeats, as in real support logs), ingests it once, then ``--repeats`` times, alternating,
restores the state after that first ingest, appends ``--append`` new distinct lines and re-ingests:

* ``ledger``: with ``prompts/ingest.ledger`` (the log's prefix is hashed, not parsed; only the new
  lines are read);
* ``no ledger``: the ledger removed (every line read again, everything old dropped as a duplicate),
  i.e. what re-ingest cost before the ledger;
* ``unchanged``: with the ledger and nothing appended: the fixed cost of a run (start-up, the
  de-duplication index over the pool, hashing the log).

Each ingest runs in a fresh subprocess (cold start included, as a CLI run). Prints the first ingest,
then the median seconds and lines read of both variants and their ratio.

Usage::

    python bench/ingest_incremental.py --lines 20000 --distinct 300 --append 10 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORDS = ["invoice", "export", "plan", "users", "refund", "currency", "VAT", "reminder", "dashboard", "payment",
         "bank", "sync", "report", "discount", "seats", "annual", "monthly", "logo", "template", "receipt"]

CHILD = """
import sys, time
from pathlib import Path
from prodbench.data.ingest import IngestSettings, ingest_files
from prodbench.core.params import load_params
from prodbench.core.project import Project
t0 = time.perf_counter()
project = Project(Path(sys.argv[1])); params = load_params(project)
report = ingest_files(project, params, [Path(sys.argv[2])], IngestSettings.from_params(params))
print(report.read, report.added, time.perf_counter() - t0)
"""


def text(rng: random.Random, i: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
    return f"Request {i}: how do I change the {words}?"


def line(i: int, content: str) -> str:
    return json.dumps({"id": f"req-{i}", "messages": [{"role": "user", "content": content}]}) + "\n"


def ingest(root: Path, log: Path) -> tuple[int, int, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(root), str(log)], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), int(out[1]), float(out[2])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--distinct", type=int, default=300)
    parser.add_argument("--append", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rng = random.Random(0)
    texts = [text(rng, i) for i in range(args.distinct)]
    new = [text(rng, 10_000_000 + i) for i in range(args.append)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        for name in ("params.yaml", "schemas"):
            src = REPO / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / name)
        (root / "prompts" / "pool").mkdir(parents=True)
        log = Path(tmp) / "log.jsonl"
        with open(log, "w", encoding="utf-8") as handle:
            for i in range(args.lines):
                handle.write(line(i, texts[rng.randrange(args.distinct)]))
        read, added, first = ingest(root, log)
        print(f"first ingest: {read} lines ({log.stat().st_size / 1e6:.1f} MB), {added} added, {first:.1f} s")
        snapshot = Path(tmp) / "snapshot"
        shutil.copytree(root / "prompts", snapshot)
        original = log.read_bytes()
        tail = "".join(line(args.lines + i, t) for i, t in enumerate(new)).encode()
        results: dict[str, list[tuple[int, int, float]]] = {"ledger": [], "no ledger": [], "unchanged": []}
        for _ in range(args.repeats):
            for variant in results:
                shutil.rmtree(root / "prompts")
                shutil.copytree(snapshot, root / "prompts")
                if variant == "no ledger":
                    (root / "prompts" / "ingest.ledger").unlink()
                log.write_bytes(original if variant == "unchanged" else original + tail)
                results[variant].append(ingest(root, log))
        print(f"re-ingest after appending {args.append} lines (unchanged: nothing appended) ({args.repeats} runs each, alternating; medians):")
        med = {}
        for variant, runs in results.items():
            med[variant] = statistics.median(r[2] for r in runs)
            print(f"  {variant:9}: {med[variant]:6.2f} s, lines read {runs[0][0]}, added {runs[0][1]}")
        print(f"  ratio no ledger / ledger: {med['no ledger'] / med['ledger']:.1f}x")
        print(f"prefix check of an unchanged log: {skip_speed(log, args.repeats):.0f} MB/s (hashed, not parsed)")


def skip_speed(log: Path, repeats: int) -> float:
    """MB/s of reading a log up to its recorded position (the unchanged-log path of ``LogFile``)."""
    import time

    from prodbench.data.readers import LogFile

    whole = LogFile(log)
    for _ in whole:
        pass
    position = whole.position()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        assert not list(LogFile(log, resume=position))
        times.append(time.perf_counter() - start)
    return log.stat().st_size / 1e6 / statistics.median(times)


if __name__ == "__main__":
    main()
