"""Anonymizer speed per core: MB/s on the dev corpus, on one long text, and through the streaming CLI.

Three figures, each in one process on one core:

1. ``corpus``: the independent dev corpus texts (bench/pii_eval/data/dev.jsonl), repeated to about
   ``--mb`` MB, anonymized one record at a time (``Anonymizer.text``, reset per record).
2. ``one text``: the dev texts joined into one ``--single-kb`` KB text (where overlap resolution
   used to be quadratic: 44 s of 78 s on 400 KB).
3. ``cli``: ``prodbench anonymize --jsonl`` on the same records written as JSONL, in a fresh
   subprocess, with its peak resident memory (flat memory: it must not grow with the file).
4. ``overlaps``: ``resolve_overlaps`` alone on ``--findings`` dense random findings.

5. ``--check``: the fast path against the reference path (every shortcut of
   ``data/anonymize/fastpath.py`` off) on every dev and PII-free dev text, alternating text by
   text in one process: the number of texts whose findings or anonymized text differ (must be
   0) and both speeds in MB per CPU-second (CPU time does not depend on other load).

``--tools DIR`` measures another copy of the package (e.g. ``git archive HEAD~3 tools``) for
before/after figures; the cli figure needs a copy that has ``data/anonymize/stream.py``.

Usage::

    python bench/anonymize_speed.py --mb 20 --single-kb 400
    python bench/anonymize_speed.py --mb 2 --tools /tmp/old/tools --no-cli
    python bench/anonymize_speed.py --check --mb 0 --no-cli
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEV = REPO / "bench" / "pii_eval" / "data" / "dev.jsonl"


def dev_texts() -> list[str]:
    return [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus(texts: list[str], mb: float) -> list[str]:
    out: list[str] = []
    size = 0
    while size < mb * 1e6:
        for text in texts:
            out.append(text)
            size += len(text.encode("utf-8"))
            if size >= mb * 1e6:
                break
    return out


def peak_cli(path: Path, tools: Path) -> tuple[float, float]:
    """Run ``prodbench anonymize --jsonl`` in a subprocess; return (seconds, peak RSS in MB)."""
    code = (
        "import resource, sys, time\n"
        f"sys.path.insert(0, {str(tools)!r})\n"
        "from prodbench.cli import cli\n"
        "t = time.perf_counter()\n"
        "try:\n"
        f"    cli(['anonymize', '--jsonl', {str(path)!r}, '-o', {str(path) + '.out'!r}])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=tempfile.gettempdir()).stdout.split()
    return float(out[-2]), float(out[-1])


def check(texts: list[str]) -> None:
    """Fast vs reference path on the dev and PII-free dev texts, alternating text by text."""
    from prodbench.data.anonymize import Anonymizer, detect
    from prodbench.data.anonymize.fastpath import reference_path

    negatives = REPO / "bench" / "pii_eval" / "data" / "negative_dev.jsonl"
    texts = texts + [json.loads(line)["text"] for line in negatives.read_text(encoding="utf-8").splitlines() if line]
    anon = Anonymizer()
    cpu = {"fast": 0.0, "reference": 0.0}
    differ = 0
    for text in texts:
        results = {}
        for mode in ("fast", "reference"):
            started = time.process_time()
            if mode == "fast":
                anon.reset()
                results[mode] = (detect(text), anon.text(text))
            else:
                with reference_path():
                    anon.reset()
                    results[mode] = (detect(text), anon.text(text))
            cpu[mode] += time.process_time() - started
        differ += results["fast"] != results["reference"]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"check    {len(texts):>7} texts   {mb:8.2f} MB: {differ} differ; detect + anonymize "
          f"fast {mb / cpu['fast']:.3f} MB/CPU-s, reference {mb / cpu['reference']:.3f} MB/CPU-s "
          f"({cpu['reference'] / cpu['fast']:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--single-kb", type=float, default=400.0, help="size of the one long text (default 400)")
    parser.add_argument("--tools", type=Path, default=REPO / "tools", help="package source to measure")
    parser.add_argument("--findings", type=int, default=20_000, help="dense findings for the overlap figure")
    parser.add_argument("--no-cli", action="store_true", help="skip the streaming CLI figure")
    parser.add_argument("--check", action="store_true", help="fast path vs reference path: equal? how much faster?")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tools))
    from prodbench.data.anonymize import ENTITY_TYPES, Anonymizer, Finding, detect, resolve_overlaps

    print(f"$ python {' '.join(shlex.quote(a) for a in sys.argv)}")
    print(f"date: {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}   package: {args.tools}")
    detect("warm-up: Jane Roe, Paris, +44 20 7946 1234")  # lexicons load once, not timed
    texts = dev_texts()
    if args.check:
        check(texts)
    if not args.mb:
        return

    records = corpus(texts, args.mb)
    size = sum(len(t.encode("utf-8")) for t in records) / 1e6
    anon = Anonymizer()
    started = time.perf_counter()
    for text in records:
        anon.reset()
        anon.text(text)
    seconds = time.perf_counter() - started
    print(f"corpus   {len(records):>7} records {size:8.2f} MB {seconds:8.1f} s {size / seconds:7.3f} MB/s per core")

    single = "\n\n".join(texts)
    while len(single.encode("utf-8")) < args.single_kb * 1000:
        single += "\n\n" + single
    single = single.encode("utf-8")[: int(args.single_kb * 1000)].decode("utf-8", "ignore")
    started = time.perf_counter()
    Anonymizer().text(single)
    seconds = time.perf_counter() - started
    kb = len(single.encode("utf-8")) / 1e3
    print(f"one text {kb:>8.0f} KB {'':>15} {seconds:8.1f} s {kb / 1e3 / seconds:7.3f} MB/s per core")

    rng = random.Random(3)  # overlap resolution alone, on dense findings (a log full of ids and IPs)
    dense = [Finding(s, s + rng.randint(1, 12), rng.choice(ENTITY_TYPES)) for s in range(0, 5 * args.findings, 5)]
    started = time.perf_counter()
    resolve_overlaps(dense)
    print(f"overlaps {len(dense):>7} findings {'':>14} {time.perf_counter() - started:8.2f} s")

    if not args.no_cli:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "corpus.jsonl"
            with path.open("w", encoding="utf-8") as handle:
                for i, text in enumerate(records):
                    handle.write(json.dumps({"id": f"r{i}", "text": text}, ensure_ascii=False) + "\n")
            file_mb = path.stat().st_size / 1e6
            seconds, rss = peak_cli(path, args.tools)
            print(f"cli      {len(records):>7} records {file_mb:8.2f} MB {seconds:8.1f} s "
                  f"{file_mb / seconds:7.3f} MB/s per core, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
