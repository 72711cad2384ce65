"""What the hardening costs: alias-bomb refusal, the load-time record check, masking on write.

Prints three figures (medians of 5 repeats):

* the time to refuse a YAML alias bomb (9 levels of 10 aliases: 10^10 nodes once expanded);
* microseconds per prompt record for the schema + depth check every loader now runs;
* milliseconds per MB for masking secrets in a JSONL write (``redact_bytes``), with 3 secrets set.

Run: ``python bench/harden_costs.py``
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import orjson

from prodbench.core.errors import UserError
from prodbench.core.limits import check_depth, check_yaml_expansion
from prodbench.core.prompts import check_record
from prodbench.core.secrets import redact_bytes

ROOT = Path(__file__).resolve().parents[1]


def _median(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    bomb = "b0: &b0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 10) + "]\n" for i in range(1, 10))
    bomb = bomb * 1 + "# " + "pad " * max(0, (6700 - len(bomb)) // 4) + "\n"

    def refuse() -> None:
        try:
            check_yaml_expansion(bomb, "params.yaml")
        except UserError:
            return
        raise AssertionError("the bomb was accepted")

    print(f"alias bomb ({len(bomb) / 1024:.1f} KB) refused in {_median(refuse) * 1000:.1f} ms")

    lines = [line for path in sorted((ROOT / "prompts" / "golden").glob("*.jsonl"))
             for line in path.read_bytes().splitlines() if line.strip()]
    records = [orjson.loads(line) for line in lines] * 50

    def check_all() -> None:
        for number, (raw, record) in enumerate(zip(lines * 50, records, strict=True)):
            check_depth(record, "x", number, raw)
            check_record(record, "x", number)

    check_record(records[0], "x", 1)  # compile the schema once
    per = _median(check_all) / len(records) * 1e6
    print(f"load-time record check: {per:.1f} us per record ({len(records)} records)")

    os.environ.update({"BENCH_KEY_A": "zq9Xk2LmPp4Rt7Vw8Yb3", "OPENAI_API_KEY": "sk-bench-" + "x" * 30,
                       "LLM_TOKEN": "tok-" + "y" * 24})
    data = b"".join(orjson.dumps({"id": f"p-{i}", "response": "an answer " * 40}) + b"\n" for i in range(2500))
    per_mb = _median(lambda: redact_bytes(data)) / (len(data) / 1e6) * 1000
    print(f"masking on write: {per_mb:.1f} ms per MB ({len(data) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
