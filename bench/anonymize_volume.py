"""A production-size log through ``prodbench anonymize --jsonl``: time, MB/s per core, peak memory.

Generates a deterministic JSONL chat log of ``--mb`` MB (default 100) in a temporary directory:
each line is an OpenAI-style record (``id``, ``origin``, ``messages`` with a system prompt, the
user's text and the assistant's reply) whose user text is drawn (seeded) from the independent
PII corpus (``bench/pii_eval/data/dev.jsonl``, share ``--pii-share``) or from its PII-free
prompts (``negative_dev.jsonl``), with the record number appended so no two lines are equal.
Then runs ``prodbench anonymize --jsonl LOG -o OUT --jobs N`` for each N of ``--jobs`` (default:
1 and every core), alternating and repeated ``--repeat`` times, and prints per run: wall time,
MB/s, MB/s per core (wall MB/s / N), the CPU seconds of the whole process tree, and peak memory
(the largest single process, from getrusage of the children, and the sum over the process tree,
sampled every 0.2 s). Every run's output must be byte-identical to the first one's.

Usage::

    python bench/anonymize_volume.py                       # 100 MB, jobs 1 and all cores
    python bench/anonymize_volume.py --mb 10 --jobs 2 --repeat 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "pii_eval" / "data"
REPLIES = ["Sure, here is how to do that.", "I can help with that.", "Thanks, I have updated the ticket."]


def texts(name: str) -> list[str]:
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["text"] for row in rows]


def write_log(path: Path, mb: float, pii_share: float, seed: int = 5) -> int:
    """Write the log; return the number of records."""
    rng = random.Random(seed)
    pii, clean = texts("dev.jsonl"), texts("negative_dev.jsonl")
    target = int(mb * 1e6)
    size = count = 0
    with path.open("wb") as handle:
        while size < target:
            text = rng.choice(pii) if rng.random() < pii_share else rng.choice(clean)
            record = {"id": f"log-{count:08d}", "origin": {"log_id": f"req-{count}", "line": count + 1},
                      "messages": [{"role": "system", "content": "You are Ledgerly's support assistant."},
                                   {"role": "user", "content": f"{text} (ref {count})"},
                                   {"role": "assistant", "content": rng.choice(REPLIES)}]}
            line = json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"
            handle.write(line)
            size += len(line)
            count += 1
    return count


def tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return 0


def run_once(log: Path, out: Path, jobs: int) -> tuple[float, float, float, float]:
    """(wall s, CPU s of the tree, peak RSS MB of the largest process, peak summed RSS MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [sys.executable, "-m", "prodbench.cli", "anonymize", "--jsonl", str(log), "-o", str(out),
               "--jobs", str(jobs)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "tools")}
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=log.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if proc.returncode:
        sys.exit(f"anonymize failed (exit {proc.returncode}): {err.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024, peak[0] / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=100.0, help="log size in MB (default 100)")
    parser.add_argument("--pii-share", type=float, default=0.5, help="share of records with personal data")
    parser.add_argument("--jobs", type=int, nargs="+", default=None, help="job counts (default: 1 and all cores)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per job count (alternated; medians printed)")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    jobs_list = args.jobs or sorted({1, cores})
    print(f"$ python {' '.join(shlex.quote(a) for a in sys.argv)}")
    print(f"date: {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}   cores: {cores}   "
          f"load average: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="prodbench-volume-") as tmp:
        log = Path(tmp) / "log.jsonl"
        records = write_log(log, args.mb, args.pii_share)
        mb = log.stat().st_size / 1e6
        print(f"log: {records:,} records, {mb:.1f} MB, {args.pii_share:.0%} with personal data")
        results: dict[int, list[tuple[float, float, float, float]]] = {j: [] for j in jobs_list}
        digest = None
        for _ in range(args.repeat):
            for jobs in jobs_list:
                out = Path(tmp) / f"out-{jobs}.jsonl"
                results[jobs].append(run_once(log, out, jobs))
                h = hashlib.sha256(out.read_bytes()).hexdigest()
                if digest not in (None, h):
                    sys.exit(f"--jobs {jobs} wrote different output")
                digest = h
                out.unlink()
        print(f"{'jobs':>4} {'wall s':>8} {'MB/s':>7} {'MB/s/core':>9} {'CPU s':>8} {'MB/CPU-s':>8} "
              f"{'peak RSS (largest process)':>27} {'peak RSS (all processes)':>25}")
        for jobs, runs in results.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            print(f"{jobs:>4} {wall:>8.1f} {mb / wall:>7.3f} {mb / wall / jobs:>9.3f} {cpu:>8.1f} {mb / cpu:>8.3f} "
                  f"{max(r[2] for r in runs):>24.0f} MB {max(r[3] for r in runs):>22.0f} MB")
        print("outputs identical across job counts: yes")


if __name__ == "__main__":
    main()
