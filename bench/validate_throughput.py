"""Throughput of ``prodbench validate`` on generated, valid prompt records.

Generates N valid records (default 100,000) in a temporary prodbench project (the
repository's params.yaml and schemas, prompts split into golden files per task type
and a rotating slice, so every rule including the overlap check runs), then times
``prodbench validate`` as a subprocess (end to end, interpreter start-up included) and
prints records per second and the peak resident memory of the subprocess.

Usage::

    python bench/validate_throughput.py [--records 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
TASK_TYPES = ["fact_recall", "reasoning", "open_writing", "multi_turn", "summarization", "safety"]
DIFFICULTIES = ["trivial", "easy", "medium", "hard"]
WORDS = "invoice plan payment reminder export receipt currency customer refund tax ledger report".split()


def make_record(index: int, rng: random.Random) -> dict:
    """One valid, realistic-looking record (unique id and messages)."""
    task_type = TASK_TYPES[index % len(TASK_TYPES)]
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
    messages = [
        {"role": "system", "content": "You are Ledgerly's support assistant."},
        {"role": "user", "content": f"Question {index}: {words}?"},
        {"role": "assistant", "content": None},
    ]
    if task_type == "multi_turn":
        messages += [{"role": "user", "content": f"And what about {rng.choice(WORDS)}?"}, {"role": "assistant", "content": None}]
    return {
        "id": f"bench-{index:07d}",
        "messages": messages,
        "task_type": task_type,
        "difficulty": DIFFICULTIES[index % len(DIFFICULTIES)],
        "source": "synthetic",
        "reference": [rng.choice(WORDS)],
        "checks": {"contains_any": {"any": [rng.choice(WORDS)]}},
        "tags": ["bench"],
        "added": "2026-11-27",
    }


def build_project(target: Path, records: int, seed: int = 0) -> None:
    """Create a project in ``target`` with ``records`` valid records (80% golden, 20% rotating)."""
    shutil.copy(ROOT / "params.yaml", target / "params.yaml")
    shutil.copytree(ROOT / "schemas", target / "schemas")
    text = (target / "params.yaml").read_text(encoding="utf-8").replace("current: null", "current: 2026Q4")
    (target / "params.yaml").write_text(text, encoding="utf-8")
    golden = target / "prompts" / "golden"
    rotating = target / "prompts" / "rotating" / "2026Q4"
    golden.mkdir(parents=True)
    rotating.mkdir(parents=True)
    rng = random.Random(seed)
    handles = {tt: open(golden / f"{tt}.jsonl", "wb") for tt in TASK_TYPES}  # noqa: SIM115
    handles["rotating"] = open(rotating / "slice.jsonl", "wb")  # noqa: SIM115
    option = orjson.OPT_APPEND_NEWLINE
    try:
        for index in range(records):
            record = make_record(index, rng)
            key = "rotating" if index % 5 == 4 else record["task_type"]
            handles[key].write(orjson.dumps(record, option=option))
    finally:
        for handle in handles.values():
            handle.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best one is reported")
    args = parser.parse_args()
    prodbench = shutil.which("prodbench") or sys.exit("prodbench is not installed (pip install -e .)")
    with tempfile.TemporaryDirectory(prefix="prodbench-bench-") as tmp:
        root = Path(tmp)
        build_project(root, args.records)
        size_mb = sum(p.stat().st_size for p in root.rglob("*.jsonl")) / 1e6
        print(f"generated {args.records:,} records ({size_mb:.1f} MB) in {root}")
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            proc = subprocess.run([prodbench, "validate"], cwd=root, capture_output=True, text=True)
            timings.append(time.perf_counter() - start)
            if proc.returncode != 0:
                sys.exit(f"validate failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        startup = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([prodbench, "validate", "--help"], cwd=root, capture_output=True, check=True)
            startup.append(time.perf_counter() - start)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        best = min(timings)
        print(proc.stdout.strip().splitlines()[-1])
        print(f"wall time (best of {args.repeat}): {best:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in timings)})")
        print(f"throughput end to end: {args.records / best:,.0f} records/s")
        print(f"throughput excluding CLI start-up ({min(startup):.3f} s): {args.records / (best - min(startup)):,.0f} records/s")
        print(f"peak RSS of the validate subprocess: {peak_mb:.1f} MB")


if __name__ == "__main__":
    main()
