"""Ingest streaming figures: peak memory and speed for growing log sizes.

Generates OpenAI-style chat logs of the requested sizes (a fixed share of distinct
requests, the rest repeats, as in real support logs; plus 1% malformed lines), runs
``prodbench.data.ingest.ingest_files`` on each in a fresh subprocess, and prints the log
size, lines/s and the peak resident memory of that process.

Usage::

    python bench/ingest_stream.py --sizes-mb 5 20 80 --distinct 2000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORDS = ["invoice", "export", "plan", "users", "refund", "currency", "VAT", "reminder", "dashboard", "payment", "bank", "sync", "report", "discount", "seats", "annual", "monthly", "logo", "template", "receipt"]


def make_log(path: Path, size_mb: float, distinct: int, seed: int = 0) -> int:
    rng = random.Random(seed)
    texts = []
    for i in range(distinct):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        texts.append(f"Hi, I'm Alex Morgan (alex{i}@corp.io). Request {i}: {words}?")
    lines = 0
    target = size_mb * 1e6
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        while written < target:
            lines += 1
            if rng.random() < 0.01:
                row = '{"id": "broken", "messages": ['
            else:
                text = texts[rng.randrange(distinct)]
                row = json.dumps({"id": f"req-{lines}", "messages": [{"role": "user", "content": text}]})
            handle.write(row + "\n")
            written += len(row) + 1
    return lines


CHILD = """
import sys, time, resource
from pathlib import Path
from prodbench.data.ingest import IngestSettings, ingest_files
from prodbench.core.params import load_params
from prodbench.core.project import Project
project = Project(Path(sys.argv[1])); params = load_params(project)
t0 = time.perf_counter()
report = ingest_files(project, params, [Path(sys.argv[2])], IngestSettings.from_params(params))
elapsed = time.perf_counter() - t0
print(report.read, report.added, report.malformed, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=float, nargs="+", default=[5, 20, 80])
    parser.add_argument("--distinct", type=int, default=2000)
    args = parser.parse_args(argv)
    print(f"{'log MB':>7} {'lines':>9} {'added':>6} {'malformed':>9} {'seconds':>8} {'lines/s':>9} {'peak RSS MB':>11}")
    for size in args.sizes_mb:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for name in ("params.yaml", "schemas"):
                src = REPO / name
                (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / name)
            (root / "prompts" / "pool").mkdir(parents=True)
            log = root / "log.jsonl"
            make_log(log, size, args.distinct)
            out = subprocess.run([sys.executable, "-c", CHILD, str(root), str(log)], capture_output=True, text=True,
                                 check=True).stdout.split()
            read, added, malformed, elapsed, rss_kb = int(out[0]), int(out[1]), int(out[2]), float(out[3]), int(out[4])
            print(f"{log.stat().st_size / 1e6:7.1f} {read:9d} {added:6d} {malformed:9d} {elapsed:8.1f} "
                  f"{read / elapsed:9.0f} {rss_kb / 1024:11.1f}")


if __name__ == "__main__":
    main()
