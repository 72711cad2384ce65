"""Throughput of ``prodbench validate`` on generated, valid prompt records.

Generates N valid records (default 100,000) in a temporary prodbench project (the
repository's params.yaml and schemas, prompts split into golden files per task type
and a rotating slice, so every rule including the overlap check runs), then times
``prodbench validate`` as a subprocess (end to end, interpreter start-up included) and
prints records per second and the peak resident memory of the subprocess, for:

* the built-in rules (schema, taxonomy, messages, duplicates, overlap, file checks);
* all rules with a warm cache (lines that passed the personal-data gate before are
  not re-scanned: the usual case, since a pull request touches a few lines);
* all rules with a cold cache (every line scanned by the gate), on fewer records.

Figures are wall-clock (what a user waits) and records per CPU-second (user + system
time of the process and its workers), which does not depend on other load.

``--gate-only N`` instead times the personal-data gate alone on N generated records, in this
process, with the detector's exact shortcuts and the per-process ``detect`` memory against the
reference path (``fastpath.reference_path()``, no memory), alternating blocks of 500 records, and
prints records per CPU-second for both.

Usage::

    python bench/validate_throughput.py [--records 100000] [--repeat 3] [--cold-records 10000]
    python bench/validate_throughput.py --gate-only 4000
"""

from __future__ import annotations

import argparse
import os
import random
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
WORDS = ["invoice", "plan", "payment", "reminder", "export", "receipt", "currency", "customer", "refund", "tax", "ledger", "report"]


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


def timed_run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, str, float]:
    """Run ``command``; return (wall s, peak RSS MB, exit code, last stdout line, CPU s incl. workers)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = output.strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024, proc.returncode, lines[-1] if lines else "", cpu


def measure(label: str, command: list[str], cwd: Path, env: dict[str, str], records: int, repeat: int) -> None:
    """Run ``command`` ``repeat`` times and print the best throughput and the peak memory."""
    runs = [timed_run(command, cwd, env) for _ in range(repeat)]
    for _, _, code, last, _ in runs:
        if code != 0:
            sys.exit(f"{label}: validate failed (exit {code}): {last}")
    best = min(r[0] for r in runs)
    peak = max(r[1] for r in runs)
    cpu = min(r[4] for r in runs)
    print(f"{label:<40} {records / best:>9,.0f} records/s wall (best {best:5.2f} s of "
          f"[{', '.join(f'{r[0]:.2f}' for r in runs)}]), {records / cpu:>9,.0f} records/CPU-s, "
          f"peak RSS {peak:4.0f} MB")


def gate_only(count: int) -> None:
    """The PII gate alone: fast path vs reference path, alternating blocks, records per CPU-second."""
    sys.path.insert(0, str(ROOT / "tools"))
    from prodbench.data.anonymize import detect, gate
    from prodbench.data.anonymize.fastpath import reference_path

    detect("warm-up: Jane Roe, Paris")
    rng = random.Random(0)
    records = [make_record(i, rng) for i in range(count)]
    cpu = {"fast": 0.0, "reference": 0.0}
    for start in range(0, count, 500):
        block = records[start: start + 500]
        for mode in cpu:
            began = time.process_time()
            if mode == "fast":
                for record in block:
                    gate.scan_record(record)
            else:
                with reference_path():
                    for record in block:
                        for _, text in gate.record_texts(record):
                            detect(text, entities=gate.DEFAULT_GATE_ENTITIES)
            cpu[mode] += time.process_time() - began
    print(f"PII gate, {count:,} records, one process: fast {count / cpu['fast']:,.0f} records/CPU-s, "
          f"reference {count / cpu['reference']:,.0f} records/CPU-s ({cpu['reference'] / cpu['fast']:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode; the best one is reported")
    parser.add_argument("--cold-records", type=int, default=10_000,
                        help="records for the cold run of the (slow) PII gate; 0 skips it")
    parser.add_argument("--gate-only", type=int, default=0, metavar="N",
                        help="only time the PII gate on N records, fast vs reference path, in this process")
    args = parser.parse_args()
    if args.gate_only:
        gate_only(args.gate_only)
        return
    prodbench = shutil.which("prodbench") or sys.exit("prodbench is not installed (pip install -e .)")
    with tempfile.TemporaryDirectory(prefix="prodbench-bench-") as tmp:
        root = Path(tmp)
        build_project(root, args.records)
        size_mb = sum(p.stat().st_size for p in root.rglob("*.jsonl")) / 1e6
        print(f"{args.records:,} valid records ({size_mb:.1f} MB) in {root}; `prodbench validate` end to end "
              "(interpreter start-up, params.yaml and schema loading included)")
        env = dict(os.environ)
        # The golden lock (a project rule) needs a lock file; freeze the generated set.
        subprocess.run([prodbench, "golden", "freeze", "--reason", "benchmark"], cwd=root, env=env,
                       capture_output=True, check=False)
        core = {**env, "PRODBENCH_VALIDATE_RULE_MODULES": ""}
        start_up = min(timed_run([prodbench, "validate", "--help"], root, env)[0] for _ in range(args.repeat))
        print(f"CLI start-up (`prodbench validate --help`): {start_up:.2f} s")
        measure("built-in rules, auto jobs", [prodbench, "validate"], root, core, args.records, args.repeat)
        measure("built-in rules, --jobs 1", [prodbench, "validate", "--jobs", "1"], root, core, args.records, args.repeat)
        timed_run([prodbench, "validate"], root, env)  # fills cache/validate/ (cold: every line scanned)
        measure("all rules incl. PII gate, warm cache", [prodbench, "validate"], root, env, args.records, args.repeat)
        if args.cold_records:
            cold = Path(tmp) / "cold"
            cold.mkdir()
            build_project(cold, args.cold_records, seed=1)
            subprocess.run([prodbench, "golden", "freeze", "--reason", "benchmark"], cwd=cold, env=env,
                           capture_output=True, check=False)
            measure(f"all rules incl. PII gate, cold ({args.cold_records:,} records)",
                    [prodbench, "validate", "--no-cache"], cold, env, args.cold_records, 1)


if __name__ == "__main__":
    main()
