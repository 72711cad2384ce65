"""Launch history: which benchmark scores each shipped model version had.

``prodbench launch record --model NAME --version V`` copies the model's current
benchmark scores from ``metrics/scores.json`` (overall, golden, rotating, per task
type, per difficulty) together with the benchmark's own version (golden lock version,
rotating period, git commit) into ``metrics/history.jsonl``. The version is the one the
scores were computed from (``benchmark`` in scores.json, written by ``prodbench score``),
not the checkout ``launch record`` runs in; only a scores.json without it falls back to
the checkout (``"from": "checkout"``). The history is committed to git and joined with
production metrics by ``prodbench correlate``.

One history line::

    {"model": "smollm2-support", "version": "2026.03", "date": "2026-03-02",
     "benchmark": {"golden_version": "3", "rotation": "2026Q1", "commit": "…"},
     "scores": {"overall": STAT, "golden": STAT, "rotating": STAT|null,
                "by_task_type": {TT: STAT}, "by_difficulty": {D: STAT}}}
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import Problem, UserError
from prodbench.core.fsutil import parse_jsonl_objects, write_jsonl
from prodbench.core.project import Project

HISTORY_FILE = "history.jsonl"
SCORE_KEYS = ("overall", "golden", "rotating", "by_task_type", "by_difficulty")
STAT_KEYS = ("mean", "ci_low", "ci_high", "n", "pass_rate")


@dataclass(frozen=True)
class RecordResult:
    """Outcome of :func:`record_launch`.

    Attributes:
        entry: The history entry that was written.
        replaced: The entry it replaced (same model and version), or None.
        history_path: Where the history was written.
    """

    entry: dict[str, Any]
    replaced: dict[str, Any] | None
    history_path: Path


def history_path(project: Project) -> Path:
    """Path of the launch history file (``metrics/history.jsonl``)."""
    return project.metrics_dir / HISTORY_FILE


def parse_date(value: str | None, today: dt.date | None = None) -> str:
    """Validate an ISO date (``YYYY-MM-DD``); default to today (UTC).

    Raises:
        UserError: The value is not a valid ISO date.
    """
    if value is None:
        return (today or dt.datetime.now(dt.timezone.utc).date()).isoformat()
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise UserError(f"--date {value!r} is not a date; use YYYY-MM-DD (e.g. 2026-03-02)", exit_code=2) from None


def golden_lock_version(lock_path: Path) -> str | None:
    """Read the ``version`` key of the golden lock (JSON or YAML), or None.

    The lock is written by ``prodbench golden``; this reader is defensive and never
    fails: a missing, unreadable or version-less lock gives None.
    """
    if not lock_path.is_file():
        return None
    try:
        text = lock_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    data: Any = None
    try:
        data = json.loads(text)
    except ValueError:
        try:
            from ruamel.yaml import YAML

            data = YAML(typ="safe", pure=True).load(text)
        except Exception:  # any YAML failure means "no version"
            return None
    if isinstance(data, dict) and data.get("version") is not None:
        return str(data["version"])
    return None


def git_commit(root: Path) -> str | None:
    """The current git commit of ``root`` (None outside git or when git is missing)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    return sha if out.returncode == 0 and len(sha) >= 7 else None


def load_scores(path: Path, label: str) -> dict[str, Any]:
    """Load ``metrics/scores.json`` and return its ``models`` mapping.

    Raises:
        UserError: Missing file, invalid JSON or no ``models`` object.
    """
    return load_scores_document(path, label)["models"]


def load_scores_document(path: Path, label: str) -> dict[str, Any]:
    """Load ``metrics/scores.json`` (``models`` checked to be an object, ``benchmark`` kept if any).

    Raises:
        UserError: Missing file, invalid JSON or no ``models`` object.
    """
    if not path.is_file():
        raise UserError(
            "",
            [Problem(label, 0, "", "file not found: run `dvc repro` (or `prodbench score`) first, "
                     "so the launched model has benchmark scores to record")],
        )
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise UserError("", [Problem(label, 0, "", f"invalid JSON: {exc}")]) from None
    models = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(models, dict):
        raise UserError("", [Problem(label, 0, "models", "expected an object {model name: scores}")])
    return doc


def scores_benchmark(doc: dict[str, Any], project: Project, params: dict[str, Any]) -> dict[str, Any]:
    """The benchmark version of a launch: what the scores were computed from.

    Read from the ``benchmark`` entry of scores.json (commit, golden lock version, rotation,
    whether inputs had uncommitted changes, the prompts hash); a document without one falls
    back to the current checkout, marked ``"from": "checkout"``.
    """
    recorded = doc.get("benchmark")
    if isinstance(recorded, dict) and recorded.get("prompts_hash"):
        out = {"golden_version": recorded.get("golden_version"), "rotation": recorded.get("rotation"),
               "commit": recorded.get("commit"), "from": "scores"}
        for key in ("uncommitted_changes", "prompts_hash", "judge"):
            if recorded.get(key) is not None:
                out[key] = recorded[key]
        return out
    return {"golden_version": golden_lock_version(project.golden_lock),
            "rotation": (params.get("rotation") or {}).get("current"),
            "commit": git_commit(project.root), "from": "checkout"}


def _clean_stat(stat: Any) -> dict[str, Any] | None:
    """Keep the documented STAT keys of a score summary (None stays None)."""
    if not isinstance(stat, dict):
        return None
    return {key: stat.get(key) for key in STAT_KEYS}


def extract_scores(model_scores: dict[str, Any]) -> dict[str, Any]:
    """Pick the slices a launch records from one model's entry in scores.json."""
    return {
        "overall": _clean_stat(model_scores.get("overall")),
        "golden": _clean_stat(model_scores.get("golden")),
        "rotating": _clean_stat(model_scores.get("rotating")),
        "by_task_type": {
            str(k): _clean_stat(v) for k, v in sorted((model_scores.get("by_task_type") or {}).items())
        },
        "by_difficulty": {
            str(k): _clean_stat(v) for k, v in sorted((model_scores.get("by_difficulty") or {}).items())
        },
    }


def build_entry(
    models: dict[str, Any],
    model: str,
    version: str,
    date: str,
    benchmark: dict[str, Any],
    scores_label: str,
) -> dict[str, Any]:
    """Build one history entry for ``model`` at ``version``.

    Raises:
        UserError: The model has no scores in scores.json, or the version is empty.
    """
    if not version.strip():
        raise UserError("--version must not be empty", exit_code=2)
    if model not in models:
        known = ", ".join(sorted(models)) or "none"
        raise UserError(
            "", [Problem(scores_label, 0, f"models.{model}", f"no scores for model {model!r} (scored models: {known})")]
        )
    return {
        "model": model,
        "version": version.strip(),
        "date": date,
        "benchmark": benchmark,
        "scores": extract_scores(models[model] or {}),
    }


def read_history(path: Path, label: str) -> list[dict[str, Any]]:
    """Read the launch history; a missing file is an empty history.

    Raises:
        UserError: A line is not JSON or lacks ``model``/``version``/``scores``
            (located by file and line).
    """
    if not path.is_file():
        return []
    entries: list[dict[str, Any]] = []
    rows, problems = parse_jsonl_objects(path.read_bytes(), label)
    for number, entry in rows:
        for key in ("model", "version", "scores"):
            if key not in entry:
                problems.append(Problem(label, number, key, "missing (re-record this launch with `prodbench launch record`)"))
        entry["_line"] = number
        entries.append(entry)
    if problems:
        raise UserError(f"{len(problems)} problem(s) in the launch history", problems)
    return entries


def upsert(entries: list[dict[str, Any]], entry: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Append ``entry``, or replace the entry with the same model and version in place.

    Returns:
        The new list and the replaced entry (or None).
    """
    out: list[dict[str, Any]] = []
    replaced = None
    for old in entries:
        if old.get("model") == entry["model"] and str(old.get("version")) == entry["version"]:
            if replaced is None:
                replaced = old
                out.append(entry)
            continue  # drop any further duplicates of the same launch
        out.append(old)
    if replaced is None:
        out.append(entry)
    return [{k: v for k, v in e.items() if k != "_line"} for e in out], replaced


def record_launch(
    project: Project,
    params: dict[str, Any],
    model: str,
    version: str,
    date: str | None = None,
    scores_path: Path | None = None,
    history: Path | None = None,
) -> RecordResult:
    """Record ``model`` at ``version`` in the launch history (atomic rewrite).

    Args:
        project: The prodbench project.
        params: Validated params (``rotation.current`` is recorded).
        model: Model name as it appears in ``metrics/scores.json``.
        version: The launched version (the join key with production metrics).
        date: Launch date ``YYYY-MM-DD`` (default: today, UTC).
        scores_path: Scores document (default ``metrics/scores.json``).
        history: History file (default ``metrics/history.jsonl``).

    Raises:
        UserError: Missing scores, unknown model, bad date or a corrupt history.
    """
    scores_path = scores_path or project.metrics_dir / "scores.json"
    history = history or history_path(project)
    doc = load_scores_document(scores_path, project.rel(scores_path))
    benchmark = scores_benchmark(doc, project, params)
    entry = build_entry(doc["models"], model, version, parse_date(date), benchmark, project.rel(scores_path))
    entries, replaced = upsert(read_history(history, project.rel(history)), entry)
    write_jsonl(history, entries)
    return RecordResult(entry=entry, replaced=replaced, history_path=history)
