"""Typed records at the stage boundaries, each with one builder.

The files on disk keep their JSON Schemas (``schemas/*.json``); these types describe the same
shapes to the type checker and give every record exactly one place where it is assembled:

- :class:`LoadedPrompt`: a prompt record as loaded from ``prompts/``, with where it came from
  (set, file, line) kept *beside* the public record, never inside it.
- :class:`Turn`, :class:`RunError`, :class:`RunRow` and :func:`build_run_row`: one line of
  ``results/run/<model>.jsonl``, built the same way by the run stage and by ``diff``.
- :class:`ScorerEntry`, :class:`ScoreRow` and :func:`build_score_row`: one line of
  ``results/scores.jsonl``.
- :class:`Stat` and :func:`build_stat`: a summary statistic in ``metrics/scores.json``.

TypedDicts cost nothing at run time (the records stay plain dicts, which ``orjson`` writes
directly and which keeps ``validate`` at its measured speed); the dataclass is frozen and
slotted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import orjson

PromptSet = Literal["golden", "rotating", "pool", "other"]


def canonical_json(obj: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, compact) used for hashing."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def content_hash(record: Any) -> str:
    """Hash of what a prompt asks and how it is judged (messages, reference, checks).

    Two records with the same id and content hash are the same benchmark item; a
    changed hash means the prompt was modified.
    """
    payload = {k: record.get(k) for k in ("messages", "reference", "checks")}
    return hashlib.sha256(canonical_json(payload)).hexdigest()[:16]


class Message(TypedDict, total=False):
    """One OpenAI chat message; ``content`` None on an assistant turn marks a turn to generate."""

    role: str
    content: Any
    name: str


class PromptRecord(TypedDict, total=False):
    """One JSONL line of a prompt file (``schemas/prompt.schema.json``)."""

    id: str
    messages: list[Message]
    task_type: str
    difficulty: str
    source: str
    reference: Any
    checks: dict[str, Any]
    tags: list[str]
    product_goal: str
    origin: dict[str, Any]
    review: dict[str, Any]
    added: str


@dataclass(frozen=True, slots=True)
class LoadedPrompt:
    """A prompt record and where it was loaded from.

    Attributes:
        record: The public record exactly as on disk (no bookkeeping keys).
        set: ``golden``, ``rotating``, ``pool`` or ``other``.
        file: The file's path relative to the project root (for ``file:line`` messages).
        line: 1-based line number in ``file``.
    """

    record: PromptRecord
    set: str
    file: str
    line: int

    @property
    def id(self) -> str:
        """The record's id."""
        return self.record["id"]

    @property
    def task_type(self) -> str | None:
        """The record's task type."""
        return self.record.get("task_type")

    @property
    def difficulty(self) -> str | None:
        """The record's difficulty."""
        return self.record.get("difficulty")

    @property
    def messages(self) -> list[Message]:
        """The record's chat messages."""
        return self.record["messages"]

    @property
    def location(self) -> str:
        """``file:line``, for messages."""
        return f"{self.file}:{self.line}"


class Usage(TypedDict):
    """Token counts of one call or summed over a row's turns."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class Turn(TypedDict, total=False):
    """One generated assistant turn (a cached turn keeps its original latency and cost)."""

    content: str | None
    finish_reason: str | None
    cached: bool
    latency_s: float
    usage: Usage | None
    cost_usd: float | None


class RunError(TypedDict, total=False):
    """Why a row has no response: exception type, redacted message, HTTP status if any."""

    type: str
    message: str
    status: int | None


class RunRow(TypedDict):
    """One line of ``results/run/<model>.jsonl`` (``schemas/result.schema.json``)."""

    id: str
    model: str
    set: str | None
    task_type: str | None
    difficulty: str | None
    prompt_hash: str
    config_hash: str
    turns: list[Turn]
    response: str | None
    usage: Usage | None
    cost_usd: float | None
    latency_s: float
    cached: bool
    attempts: int
    error: RunError | None


USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


def sum_usage(turns: list[Turn]) -> Usage | None:
    """Token counts summed over turns, or None when no turn reported usage."""
    usages: list[dict[str, Any]] = [dict(u) for t in turns if (u := t.get("usage"))]
    if not usages:
        return None
    prompt, completion, total = (sum(int(u.get(key) or 0) for u in usages) for key in USAGE_KEYS)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def build_run_row(prompt: LoadedPrompt, model: str, config_hash: str, turns: list[Turn], *,
                  attempts: int = 0, error: RunError | None = None) -> RunRow:
    """The one way a run result row is assembled (run stage and ``diff`` alike).

    Args:
        prompt: The prompt the row answers.
        model: Model name (a key of ``models`` in params.yaml).
        config_hash: Hash of the model config (:attr:`prodbench.llm.config.ModelConfig.hash`).
        turns: Generated turns, in order (cached ones flagged ``cached``).
        attempts: Calls made in this run (0 when every turn came from the cache).
        error: Why the row has no response, or None.

    Returns:
        The row; ``latency_s`` is the sum of the turns' latencies (cached turns keep their
        original latency), ``response`` the last turn's content unless there was an error.
    """
    costs = [t["cost_usd"] for t in turns if t.get("cost_usd") is not None]
    return {
        "id": prompt.id,
        "model": model,
        "set": prompt.set,
        "task_type": prompt.task_type,
        "difficulty": prompt.difficulty,
        "prompt_hash": content_hash(prompt.record),
        "config_hash": config_hash,
        "turns": turns,
        "response": turns[-1].get("content") if turns and error is None else None,
        "usage": sum_usage(turns),
        "cost_usd": round(sum(costs), 8) if costs else None,  # type: ignore[arg-type]
        "latency_s": round(sum(float(t.get("latency_s") or 0.0) for t in turns), 4),
        "cached": bool(turns) and all(t.get("cached") for t in turns) and error is None,
        "attempts": attempts,
        "error": error,
    }


class ScorerEntry(TypedDict, total=False):
    """One scorer's verdict on one row."""

    name: str
    weight: float
    score: float | None
    passed: bool | None
    rationale: str | None
    error: str | None
    details: dict[str, Any]


ErrorKind = Literal["run", "score"]


class ScoreRow(TypedDict):
    """One line of ``results/scores.jsonl``.

    ``error_kind`` says why ``score`` is None: ``run`` (the model call failed, nothing to
    score) or ``score`` (every scorer errored or none applied); None when scored.
    """

    model: str
    id: str
    set: str | None
    task_type: str | None
    difficulty: str | None
    prompt_hash: str
    score: float | None
    passed: bool | None
    error: str | None
    error_kind: ErrorKind | None
    scorers: list[ScorerEntry]


def build_score_row(prompt: LoadedPrompt, model: str, scorers: list[ScorerEntry], *, score: float | None,
                    passed: bool | None, error: str | None = None,
                    error_kind: ErrorKind | None = None) -> ScoreRow:
    """The one way a score row is assembled."""
    return {
        "model": model,
        "id": prompt.id,
        "set": prompt.set,
        "task_type": prompt.task_type,
        "difficulty": prompt.difficulty,
        "prompt_hash": content_hash(prompt.record),
        "score": score,
        "passed": passed,
        "error": error,
        "error_kind": error_kind if score is None else None,
        "scorers": scorers,
    }


class Stat(TypedDict):
    """A summary statistic: mean with its interval, count and pass rate (``ci_*`` None if n < 2)."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    pass_rate: float | None


STAT_DIGITS = 4


def build_stat(mean: float | None, ci_low: float | None, ci_high: float | None, n: int,
               passed: int) -> Stat:
    """The one way a :class:`Stat` is assembled (values rounded to :data:`STAT_DIGITS`)."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, STAT_DIGITS)

    return {"mean": rounded(mean), "ci_low": rounded(ci_low), "ci_high": rounded(ci_high), "n": n,
            "pass_rate": rounded(passed / n) if n else None}
