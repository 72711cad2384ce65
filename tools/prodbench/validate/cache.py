"""The verdict cache of the extra record rules (``cache/validate/``, git-ignored).

Extra rules (the personal-data gate above all) are far slower than the built-in ones, so
lines and whole files that passed them are remembered across runs under a fingerprint of
params.yaml, prodbench's version and the source code of the rules (see
:func:`rule_source_files`). ``prodbench validate --no-cache`` bypasses the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.fsutil import atomic_write_bytes
from prodbench.validate.rules import RecordRule


class RuleCache:
    """Remembers, across runs, the lines that passed every extra record rule.

    Extra rules (the personal-data gate above all) are far slower than the built-in
    ones. A line whose exact bytes passed them before, under the same params.yaml and
    the same rule code (the rule modules and, inside prodbench, their subpackage are
    fingerprinted), is not re-scanned. Lines with findings are never cached.
    The cache lives in ``cache/validate/`` (git-ignored); ``--no-cache`` bypasses it.

    Args:
        directory: Cache directory.
        params: Loaded params.yaml (part of the fingerprint).
        rules: The extra record rules (their modules are part of the fingerprint).
    """

    def __init__(self, directory: Path, params: dict[str, Any], rules: Sequence[RecordRule]):
        self.directory = directory
        self.path = directory / f"extra-rules-{_fingerprint(params, rules)}.bin"
        self.known: set[int] = set()
        self.new: list[int] = []
        with contextlib.suppress(OSError, ValueError):  # no cache yet, or a torn file
            self.known = set(array("Q", self.path.read_bytes()))
        # Whole files that passed, by (size, mtime_ns) as git's index does: an unchanged file
        # is not even hashed line by line. Entries whose mtime is too close to the moment they
        # were recorded are never written (a same-tick edit could keep size and mtime).
        self.files_path = self.path.with_suffix(".files.json")
        self.clean_files: dict[str, list[int]] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded = orjson.loads(self.files_path.read_bytes())
            if isinstance(loaded, dict):
                self.clean_files = loaded
        self.files_changed = False

    RACY_NS = 2_000_000_000  # files modified less than 2 s before the check are not remembered

    def file_is_clean(self, label: str, stat: os.stat_result) -> bool:
        """Whether ``label`` is byte-for-byte (by size and mtime) a file that passed before."""
        return self.clean_files.get(label) == [stat.st_size, stat.st_mtime_ns]

    def remember_file(self, label: str, stat: os.stat_result, clean: bool) -> None:
        """Record that ``label`` passed every extra rule (or forget it when it did not)."""
        entry = [stat.st_size, stat.st_mtime_ns]
        if clean and time.time_ns() - stat.st_mtime_ns > self.RACY_NS:
            if self.clean_files.get(label) != entry:
                self.clean_files[label] = entry
                self.files_changed = True
        elif self.clean_files.pop(label, None) is not None:
            self.files_changed = True

    @staticmethod
    def key(raw: bytes) -> int:
        """The cache key of one line."""
        return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "little")

    def save(self) -> None:
        """Write the cache (only if new lines passed), dropping caches of other fingerprints."""
        if self.files_changed:
            with contextlib.suppress(OSError):
                atomic_write_bytes(self.files_path, orjson.dumps(self.clean_files, option=orjson.OPT_SORT_KEYS))
        if not self.new:
            return
        keys = array("Q", sorted(self.known.union(self.new)))
        try:
            atomic_write_bytes(self.path, keys.tobytes())
            for stale in self.directory.glob("extra-rules-*"):
                if stale not in (self.path, self.files_path):
                    stale.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only checkout still validates, just without the cache


def rule_source_files(rules: Sequence[RecordRule]) -> set[Path]:
    """The source files whose content decides the verdicts of ``rules``.

    A rule's own module always counts. A rule inside a prodbench subpackage (e.g.
    ``prodbench.data.anonymize.gate``) brings every file of its folder (its detectors,
    word lists), so that editing any of them invalidates the cache; a module directly
    under the package root, or outside prodbench, only itself.
    """
    import prodbench

    package_root = Path(prodbench.__file__).resolve().parent
    files: set[Path] = set()
    for rule in rules:
        module_file = getattr(sys.modules.get(rule.__module__), "__file__", None)
        if not module_file:
            continue
        module_path = Path(module_file).resolve()
        files.add(module_path)
        if module_path.parent != package_root and package_root in module_path.parents:
            files.update(p for p in module_path.parent.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return files


def _fingerprint(params: dict[str, Any], rules: Sequence[RecordRule]) -> str:
    """Digest of params, prodbench's version, the rules' names and their source files."""
    import prodbench

    digest = hashlib.blake2b(digest_size=12)
    digest.update(prodbench.__version__.encode())
    digest.update(orjson.dumps(params, option=orjson.OPT_SORT_KEYS, default=str))
    for rule in rules:
        digest.update(f"{rule.__module__}.{getattr(rule, '__qualname__', rule)}".encode())
        token = getattr(rule, "cache_token", None)  # data a rule reads besides params (the PII ledger)
        if callable(token):
            digest.update(str(token(params)).encode())
    for path in sorted(rule_source_files(rules)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
