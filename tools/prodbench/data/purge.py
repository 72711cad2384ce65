"""Remove a record or a leaked value from the working tree, ledger it, and explain the history rewrite.

* :func:`purge_records`: removes records by id from every prompt file and tombstones them
  in the PII ledger (id + content hash), so a re-ingest never adds them back.
* :func:`purge_values`: replaces every occurrence of leaked values (case-insensitive, whole
  words, any punctuation or spacing between the words) in the free texts of every prompt
  record (message contents and names, references; ids and ``origin`` are untouched) with
  ``<REDACTED>``, and ledgers the values' keyed hashes so the validate gate catches them
  if they come back.
* :func:`history_steps`: the exact ``git filter-repo`` / BFG commands that remove the same
  texts from every commit. The texts go to a replacement file inside ``.git/`` (never
  committed, never on a command line), which the commands read.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import UserError
from prodbench.core.fsutil import atomic_write_bytes
from prodbench.core.project import Project
from prodbench.data.ledger import Ledger, words

REDACTED = "<REDACTED>"
REPLACEMENTS_NAME = "prodbench-purge-replacements.txt"


@dataclass
class PurgeResult:
    """What a purge changed (ids, files and counts only, never the values)."""

    removed: list[tuple[str, str]] = field(default_factory=list)  # (file, id)
    replaced: dict[str, int] = field(default_factory=dict)  # file -> occurrences replaced
    history_texts: list[str] = field(default_factory=list)  # literal texts for the history rewrite
    ledgered: int = 0


def prompt_files(project: Project) -> list[Path]:
    """Every prompt file of the working tree."""
    return sorted(project.prompts_dir.rglob("*.jsonl"))


def _lines(path: Path, label: str) -> Iterator[tuple[int, bytes, dict[str, Any] | None]]:
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            yield number, raw, None
            continue
        try:
            yield number, raw, orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise UserError(f"{label}:{number}: not valid JSON ({exc}); fix it before purging") from None


def _json_literal(text: str) -> str:
    """``text`` as it appears inside a JSON string in a committed file."""
    return orjson.dumps(text).decode("utf-8")[1:-1]


def purge_records(project: Project, ids: list[str], ledger: Ledger) -> PurgeResult:
    """Remove the records ``ids`` from every prompt file and tombstone them.

    Raises:
        UserError: An id is in no prompt file (nothing is changed then).
    """
    from prodbench.data.review import tombstone

    result = PurgeResult()
    wanted = set(ids)
    edits: dict[Path, list[bytes]] = {}
    for path in prompt_files(project):
        label = project.rel(path)
        kept: list[bytes] = []
        for _, raw, record in _lines(path, label):
            if record is not None and record.get("id") in wanted:
                result.removed.append((label, record["id"]))
                ledger.add_tombstone(record["id"], tombstone(record), "purged")
                result.history_texts += [_json_literal(t) for t in _record_texts(record) if len(t) >= 8]
                continue
            kept.append(raw)
        if len(kept) != len(path.read_bytes().split(b"\n")):
            edits[path] = kept
    missing = sorted(wanted - {rid for _, rid in result.removed})
    if missing:
        raise UserError(f"no prompt record with id {', '.join(map(repr, missing))} in prompts/", exit_code=2)
    ledger.save()
    for path, kept in edits.items():
        data = b"\n".join(kept)
        atomic_write_bytes(path, data if not data.strip() or data.endswith(b"\n") else data + b"\n")
    return result


def _record_texts(record: dict[str, Any]) -> list[str]:
    from prodbench.data.anonymize.gate import record_texts

    return [text for _, text in record_texts(record)]


def value_pattern(value: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive match of ``value`` with any punctuation or spacing between words."""
    tokens = words(value)
    if not tokens:
        raise UserError("a value to purge has no letters or digits", exit_code=2)
    return re.compile(r"(?<!\w)" + r"\W{0,3}".join(re.escape(t) for t in tokens) + r"(?!\w)", re.IGNORECASE)


def _redact(value: Any, patterns: list[re.Pattern[str]], counter: list[int]) -> Any:
    if isinstance(value, str):
        for pattern in patterns:
            value, n = pattern.subn(REDACTED, value)
            counter[0] += n
        return value
    if isinstance(value, list):
        return [_redact(v, patterns, counter) for v in value]
    return value


def purge_values(project: Project, values: list[tuple[str, str]], ledger: Ledger) -> PurgeResult:
    """Replace leaked ``(type, value)`` pairs in every prompt record's free texts and ledger them."""
    result = PurgeResult()
    patterns = [value_pattern(value) for _, value in values]
    for kind, value in values:
        result.ledgered += ledger.add_value(kind, value)
        result.history_texts.append(value)
    for path in prompt_files(project):
        label = project.rel(path)
        out: list[bytes] = []
        count = [0]
        for _, raw, record in _lines(path, label):
            if record is None:
                out.append(raw)
                continue
            before = count[0]
            for message in record.get("messages") or []:
                for key in ("content", "name"):
                    if isinstance(message, dict) and isinstance(message.get(key), str):
                        message[key] = _redact(message[key], patterns, count)
            if "reference" in record:
                record["reference"] = _redact(record["reference"], patterns, count)
            out.append(orjson.dumps(record) if count[0] > before else raw)
        if count[0]:
            result.replaced[label] = count[0]
            atomic_write_bytes(path, b"\n".join(out))
    ledger.save()
    return result


def replacements_file(project: Project, texts: list[str]) -> Path:
    """Write the texts to rewrite out of history to ``.git/`` (mode 600; never committed).

    One ``TEXT==>***REMOVED***`` line per text, the format both ``git filter-repo
    --replace-text`` and BFG ``--replace-text`` read (literal matches).
    """
    try:
        out = subprocess.run(["git", "rev-parse", "--absolute-git-dir"], cwd=project.root, capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UserError(f"git is needed to prepare the history rewrite ({exc})") from None
    if out.returncode != 0:
        raise UserError(f"{project.root} is not a git repository: {out.stderr.strip()}")
    path = Path(out.stdout.strip()) / REPLACEMENTS_NAME
    lines = sorted({t.replace("\n", " ") for t in texts if t.strip()})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(f"{line}==>***REMOVED***\n" for line in lines)
    return path


def history_steps(replacements: Path) -> str:
    """The commands that remove the purged texts from every commit of every branch and tag."""
    return f"""\
The working tree is clean now. If the texts were ever committed, rewrite history too.
The texts to remove are in {replacements} (not tracked; delete it when done).

  # 1. on a fresh mirror clone (filter-repo refuses to rewrite a working clone without --force)
  git clone --mirror <your remote URL> repo-purge.git && cd repo-purge.git
  # 2a. with git filter-repo (pip install git-filter-repo):
  git filter-repo --replace-text {replacements}
  # 2b. or with BFG (https://rtyley.github.io/bfg-repo-cleaner/):
  java -jar bfg.jar --replace-text {replacements} && git reflog expire --expire=now --all && git gc --prune=now --aggressive
  # 3. publish the rewritten history and make every clone re-clone
  git push --force --mirror
  # 4. ask the host to drop cached views of old commits and pull requests (GitHub: contact support),
  #    and delete the replacements file:
  rm {replacements}
"""
