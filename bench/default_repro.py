"""The README's first command, timed: the default `dvc repro` on a fresh clone, offline.

Clones this checkout's HEAD into temporary directories and runs `dvc repro` there (empty
response caches, the embedded model), alternating the embedded model's runtimes and settings:

* ``xllamacpp``: the default (llama.cpp prebuilt; greedy calls decoded as 8 parallel sequences);
* ``xllamacpp-serial``: the same with ``PRODBENCH_LOCAL_SLOTS=1`` (one call at a time, through
  llama.cpp's own server engine);
* ``llama-cpp-python``: ``PRODBENCH_LOCAL_RUNTIME=llama-cpp-python`` (compiled llama.cpp, 8
  parallel sequences); needs the [local-llama-cpp-python] extra;
* ``llama-cpp-python-serial``: the same with ``PRODBENCH_LOCAL_SLOTS=1`` (one call at a time);
* ``xllamacpp-16``: the default with ``PRODBENCH_LOCAL_SLOTS=16`` (16 parallel sequences).

Prints the wall time of each whole command and of each stage, how many stored answers differ
from the first variant's (first repeats compared) and, with ``--repeats``, how many rows a
variant answered differently from one repeat to the next (timing must not change answers).

With ``--at-once N``, starts N fresh clones of the first variant together instead (two
benchmarks on one small machine): each one's wall time, whether it succeeded (no call timed out)
and whether their answers agree.

    python bench/default_repro.py [--repeats 1] [--only NAME[,NAME...]] [--at-once N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
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
VARIANTS = {
    "xllamacpp": {"PRODBENCH_LOCAL_RUNTIME": "xllamacpp"},
    "xllamacpp-serial": {"PRODBENCH_LOCAL_RUNTIME": "xllamacpp", "PRODBENCH_LOCAL_SLOTS": "1"},
    "llama-cpp-python": {"PRODBENCH_LOCAL_RUNTIME": "llama-cpp-python"},
    "llama-cpp-python-serial": {"PRODBENCH_LOCAL_RUNTIME": "llama-cpp-python", "PRODBENCH_LOCAL_SLOTS": "1"},
    "xllamacpp-16": {"PRODBENCH_LOCAL_RUNTIME": "xllamacpp", "PRODBENCH_LOCAL_SLOTS": "16"},
}


def repro(variant: str, scratch: Path, name: str = "") -> tuple[float, dict[str, float], dict[str, str]]:
    repo = scratch / (name or variant)
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    # dvc runs `prodbench` from PATH: this interpreter's environment first (a venv need not be active)
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, **VARIANTS[variant], "PYTHONUNBUFFERED": "1", "PATH": path}
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
    return total, stages, stored_answers(repo)


def stored_answers(repo: Path) -> dict[str, str]:
    """Every row's answers (all turns) and error, keyed ``model/id``."""
    answers = {}
    for path in sorted((repo / "results/run").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            answers[f"{path.stem}/{row['id']}"] = json.dumps([[t.get("content") for t in row.get("turns", [])],
                                                              row.get("error")])
    return answers


def at_once(variant: str, runs: int) -> None:
    """``runs`` default benchmarks started together on this machine: each one's wall time, whether
    it succeeded, and whether their answers agree."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="prodbench-repro-") as scratch, \
            concurrent.futures.ThreadPoolExecutor(runs) as pool:
        def one(k: int) -> tuple[float, dict[str, str] | str]:
            start = time.perf_counter()
            try:
                total, _, answers = repro(variant, Path(scratch), f"{variant}-{k}")
                return total, answers
            except SystemExit as failure:
                return time.perf_counter() - start, str(failure)

        results = list(pool.map(one, range(runs)))
    print(f"{runs} default dvc repro runs at once ({variant}), fresh clones, {os.cpu_count()} CPUs, "
          f"load {load:.1f} at start, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for k, (seconds, outcome) in enumerate(results):
        if isinstance(outcome, dict):
            errors = sum(json.loads(value)[1] is not None for value in outcome.values())
            state = f"succeeded, {errors} of {len(outcome)} rows ended in an error"
        else:
            state = "FAILED: " + outcome.splitlines()[-1][:200]
        print(f"  run {k + 1}: {seconds:6.0f} s  {state}")
    answered = [outcome for _, outcome in results if isinstance(outcome, dict)]
    if len(answered) > 1:
        differ = sorted(key for key in answered[0] if any(other.get(key) != answered[0][key] for other in answered[1:]))
        print(f"  rows answered differently between the runs: {len(differ)} of {len(answered[0])} {differ[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", help="comma-separated variants: " + ", ".join(VARIANTS))
    parser.add_argument("--at-once", type=int, default=1, metavar="N",
                        help="instead: start N fresh clones of the first variant together (N benchmarks on one machine)")
    args = parser.parse_args()
    variants = args.only.split(",") if args.only else list(VARIANTS)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; available: {', '.join(VARIANTS)}")
    if args.at_once > 1:
        at_once(variants[0], args.at_once)
        return
    totals: dict[str, list[float]] = {v: [] for v in variants}
    stage_times: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
    answers: dict[str, dict[str, str]] = {}  # each variant's first repeat
    unstable: dict[str, set[str]] = {v: set() for v in variants}  # rows a later repeat answered otherwise
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="prodbench-repro-") as scratch:
        for _ in range(args.repeats):
            for variant in variants:
                total, stages, got = repro(variant, Path(scratch))
                answers.setdefault(variant, got)
                unstable[variant] |= {key for key, text in answers[variant].items() if got.get(key) != text}
                totals[variant].append(total)
                for stage, seconds in stages.items():
                    stage_times[variant].setdefault(stage, []).append(seconds)
    print(f"default dvc repro on a fresh clone, {os.cpu_count()} CPUs, load {load:.1f} at start, "
          f"medians of {args.repeats}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    first = variants[0]
    for variant in variants:
        line = f"  {variant:>23}: {statistics.median(totals[variant]):6.0f} s  " + ", ".join(
            f"{stage} {statistics.median(values):.0f} s" for stage, values in stage_times[variant].items())
        if args.repeats > 1:
            line += f"; rows answered differently between its repeats: {len(unstable[variant])} {sorted(unstable[variant])[:3]}"
        if variant != first:
            reference, own = answers[first], answers[variant]
            differ = sorted(key for key in reference if reference[key] != own.get(key))
            line += (f"; {statistics.median(totals[variant]) / statistics.median(totals[first]):.2f}x {first}; "
                     f"answers differing from {first}: {len(differ)} of {len(reference)} {differ[:3]}")
        print(line)


if __name__ == "__main__":
    main()
