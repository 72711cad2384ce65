"""The README's first command, timed: the default `dvc repro` on a fresh clone, offline.

Clones this checkout's HEAD into temporary directories and runs `dvc repro` there (empty
response caches, the embedded model), alternating the default (parallel sequences) with
``PRODBENCH_LOCAL_SLOTS=1`` (one generation at a time, as before parallel sequences). Prints
the wall time of each whole command and of each stage, and how many stored answers differ
between the two.

    python bench/default_repro.py [--repeats 1] [--only default|serial]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {"default": {}, "serial": {"PRODBENCH_LOCAL_SLOTS": "1"}}


def repro(variant: str, scratch: Path) -> tuple[float, dict[str, float], dict[str, str]]:
    repo = scratch / variant
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    env = {**os.environ, **VARIANTS[variant], "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    stages: dict[str, float] = {}
    current, mark = None, start
    output: list[str] = []
    with subprocess.Popen([sys.executable, "-m", "dvc", "repro"], cwd=repo, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            found = re.match(r"Running stage '([^']+)'", line)
            if found:
                now = time.perf_counter()
                if current:
                    stages[current] = now - mark
                current, mark = found.group(1), now
    total = time.perf_counter() - start
    if current:
        stages[current] = total - (mark - start)
    if proc.returncode != 0:
        raise SystemExit(f"dvc repro failed in {repo} ({variant}):\n" + "".join(output[-20:]))
    answers = {}
    for path in sorted((repo / "results/run").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            answers[f"{path.stem}/{row['id']}"] = json.dumps([t.get("content") for t in row.get("turns", [])])
    return total, stages, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", choices=sorted(VARIANTS))
    args = parser.parse_args()
    variants = [args.only] if args.only else list(VARIANTS)
    totals: dict[str, list[float]] = {v: [] for v in variants}
    stage_times: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
    answers: dict[str, dict[str, str]] = {}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="prodbench-repro-") as scratch:
        for _ in range(args.repeats):
            for variant in variants:
                total, stages, answers[variant] = repro(variant, Path(scratch))
                totals[variant].append(total)
                for stage, seconds in stages.items():
                    stage_times[variant].setdefault(stage, []).append(seconds)
    print(f"default dvc repro on a fresh clone, {os.cpu_count()} CPUs, load {load:.1f} at start, "
          f"medians of {args.repeats}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for variant in variants:
        print(f"  {variant:>8}: {statistics.median(totals[variant]):6.0f} s  " + ", ".join(
            f"{stage} {statistics.median(values):.0f} s" for stage, values in stage_times[variant].items()))
    if len(variants) == 2:
        a, b = (answers[v] for v in variants)
        differ = sorted(key for key in a if a[key] != b.get(key))
        print(f"  ratio {statistics.median(totals['default']) / statistics.median(totals['serial']):.2f}; "
              f"rows whose answers differ: {len(differ)} of {len(a)} {differ[:5]}")


if __name__ == "__main__":
    main()
