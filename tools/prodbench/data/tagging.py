"""Auto-tagging of ingested prompts: task type and difficulty, each with a confidence.

* Heuristic tagger (default, fast): keyword rules from ``data/tagging_rules.yaml``.
  A conversation with more than one user turn is ``multi_turn``.
* LLM tagger (optional, ``ingest.llm_tagger: <name of a models entry>``): the prompt
  template ``data/tagging_prompt.md`` sent through the model layer (:mod:`prodbench.llm`:
  retries, timeouts, the embedded model, as for the run stage); answers are cached in
  ``cache/tagger/`` keyed by (model config, template, prompt text), so re-ingesting the
  same log makes no new calls.

Tags whose confidence is below ``ingest.review_confidence`` are marked for review.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import UserError
from prodbench.llm.cache import ResponseCache, legacy_answer
from prodbench.llm.client import LLMClient
from prodbench.llm.config import ModelConfig, RunSettings, as_model_config

MULTI_TURN = "multi_turn"


@dataclass(frozen=True)
class Tags:
    """Result of tagging one prompt.

    Attributes:
        task_type: Chosen task type (a key of params ``taxonomy.task_types``).
        difficulty: Chosen difficulty (one of ``taxonomy.difficulties``).
        confidence: Confidence in the task type, in [0, 1].
        difficulty_confidence: Confidence in the difficulty, in [0, 1].
        method: ``heuristic`` or ``llm:<model name>``.
        scores: Per-task-type rule scores (heuristic only).
    """

    task_type: str
    difficulty: str
    confidence: float
    difficulty_confidence: float
    method: str = "heuristic"
    scores: dict[str, float] = field(default_factory=dict)

    def origin(self) -> dict[str, Any]:
        """The ``origin.tagger`` entry of a record."""
        return {"method": self.method, "confidence": round(self.confidence, 3),
                "difficulty_confidence": round(self.difficulty_confidence, 3)}


def _data_text(name: str) -> str:
    return resources.files("prodbench.data").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def heuristic_rules() -> dict[str, Any]:
    """The compiled rules of ``data/tagging_rules.yaml``."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(_data_text("tagging_rules.yaml"))
    task_rules = {
        task: [(re.compile(r["pattern"], re.IGNORECASE | re.MULTILINE), float(r.get("weight", 1))) for r in rules]
        for task, rules in (data.get("task_types") or {}).items()
    }
    diff = data.get("difficulty") or {}
    return {
        "task_types": task_rules,
        "length_bounds": dict(diff.get("length_bounds") or {}),
        "harder_if": [re.compile(p, re.IGNORECASE) for p in diff.get("harder_if") or []],
    }


def user_turns(messages: list[dict[str, Any]]) -> list[str]:
    """Contents of the user messages."""
    return [m["content"] for m in messages if m.get("role") == "user" and isinstance(m.get("content"), str)]


def heuristic_difficulty(text: str, difficulties: list[str], turns: int) -> tuple[str, float]:
    """Difficulty from length and complexity cues; returns ``(difficulty, confidence)``."""
    rules = heuristic_rules()
    words = len(text.split())
    bounds = rules["length_bounds"]
    level = len(difficulties) - 1
    for index, name in enumerate(difficulties):
        bound = bounds.get(name)
        if bound is not None and words < bound:
            level = index
            break
    bumps = sum(1 for rx in rules["harder_if"] if rx.search(text)) + (1 if turns > 3 else 0)
    level = min(len(difficulties) - 1, level + bumps)
    # lengths near a bound are ambiguous
    nearest = min((abs(words - b) for b in bounds.values()), default=99)
    confidence = 0.5 if nearest <= 2 else 0.65
    return difficulties[level], confidence


def heuristic_tag(messages: list[dict[str, Any]], task_types: list[str], difficulties: list[str]) -> Tags:
    """Tag a conversation with the keyword rules.

    Args:
        messages: OpenAI-style messages (already anonymized).
        task_types: Allowed task types (params taxonomy), in params order.
        difficulties: Allowed difficulties, easiest first.
    """
    turns = user_turns(messages)
    text = "\n".join(turns)
    difficulty, d_conf = heuristic_difficulty(text, difficulties, len(turns))
    if len(turns) > 1 and MULTI_TURN in task_types:
        return Tags(MULTI_TURN, difficulty, 0.95, d_conf, scores={MULTI_TURN: 1.0})
    scores: dict[str, float] = {}
    for task, rules in heuristic_rules()["task_types"].items():
        if task in task_types and task != MULTI_TURN:
            scores[task] = sum(weight for rx, weight in rules if rx.search(text))
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], task_types.index(kv[0])))
    if not ranked or ranked[0][1] == 0:
        fallback = "fact_recall" if "fact_recall" in task_types else task_types[0]
        return Tags(fallback, difficulty, 0.3, d_conf, scores=scores)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (best_score - runner_up) / best_score
    confidence = min(0.95, 0.35 + 0.4 * margin + 0.05 * min(best_score, 4))
    return Tags(best, difficulty, confidence, d_conf, scores=scores)


def _cache_key(model_cfg: dict[str, Any], template: str, text: str) -> str:
    payload = orjson.dumps({"cfg": model_cfg, "template": template, "text": text}, option=orjson.OPT_SORT_KEYS,
                           default=lambda o: float(o) if isinstance(o, float) else str(o))
    return hashlib.sha256(payload).hexdigest()[:32]


def parse_llm_answer(answer: str, task_types: list[str], difficulties: list[str]) -> dict[str, Any] | None:
    """The JSON object in an LLM answer, if it names a valid task type and difficulty."""
    match = re.search(r"\{.*?\}", answer or "", re.DOTALL)
    if not match:
        return None
    try:
        data = orjson.loads(match.group())
    except orjson.JSONDecodeError:
        return None
    if data.get("task_type") not in task_types or data.get("difficulty") not in difficulties:
        return None
    try:
        data["confidence"] = max(0.0, min(1.0, float(data.get("confidence", 0.5))))
    except (TypeError, ValueError):
        data["confidence"] = 0.5
    return data


class LLMTagger:
    """Tags prompts with a model from params ``models`` through the model layer, with a cache.

    Calls go through :class:`prodbench.llm.client.LLMClient` (retries with backoff, the
    ``run`` section's timeout, secret redaction, the embedded model) and answers are kept in a
    :class:`~prodbench.llm.cache.ResponseCache` in ``cache_dir``; answers cached by earlier
    versions (one JSON file each) are still read.

    Args:
        model_name: Key of the ``models`` section.
        model_cfg: Its config (the params.yaml entry or a :class:`ModelConfig`).
        cache_dir: Where answers are cached (``cache/tagger``).
        taxonomy: params ``taxonomy`` (task type descriptions are shown to the model).
        run_params: params ``run`` (timeout, retries, backoff); defaults if None.
    """

    def __init__(self, model_name: str, model_cfg: ModelConfig | Mapping[str, Any], cache_dir: Path,
                 taxonomy: Mapping[str, Any], run_params: Mapping[str, Any] | None = None):
        self.model_name = model_name
        self.config = as_model_config(model_name, model_cfg)
        self.model_cfg = self.config.raw
        self.cache_dir = cache_dir
        self.task_types = list(taxonomy.get("task_types") or {})
        self.difficulties = list(taxonomy.get("difficulties") or [])
        self.descriptions = taxonomy.get("task_types") or {}
        self.template = _data_text("tagging_prompt.md")
        self.calls = 0
        self.cache_hits = 0
        self.failures = 0
        # what the tagger has always sent: temperature, seed and at least 64 tokens for the JSON answer
        params = {k: self.model_cfg[k] for k in ("temperature", "seed") if self.model_cfg.get(k) is not None}
        params["max_tokens"] = max(64, int(self.model_cfg.get("max_tokens") or 96))
        settings = RunSettings.from_params(run_params, self.config)
        self.client = LLMClient(self.config, settings.retry, params=params,
                                cache=ResponseCache(cache_dir, read=True, write=True, keep_open=False))

    def _answer(self, text: str) -> str | None:
        """The model's answer for ``text`` (cached or called), or None if the call failed."""
        key = _cache_key(dict(self.model_cfg), self.template, text)
        legacy = legacy_answer(self.cache_dir / f"{key}.json", "answer") if self.client.cached(key) is None else None
        if legacy is not None:
            self.cache_hits += 1
            return legacy
        types_text = "\n".join(f"- {t}: {self.descriptions.get(t, '')}" for t in self.task_types)
        prompt = self.template.format(task_types=types_text, difficulties=", ".join(self.difficulties), prompt=text)
        try:
            outcome = self.client.complete_sync([{"role": "user", "content": prompt}], key=key)
        except UserError:
            raise
        except Exception:  # noqa: BLE001 - any other provider failure falls back to heuristics
            self.calls += 1
            self.failures += 1
            return None
        if outcome.cached:
            self.cache_hits += 1
        else:
            self.calls += 1
        if outcome.response is None:
            self.failures += 1
            return None
        return str(outcome.response.get("content") or "")

    def tag(self, messages: list[dict[str, Any]], fallback: Tags) -> Tags:
        """LLM tags for a conversation; ``fallback`` (the heuristic tags) if the answer is unusable.

        Raises:
            UserError: The model's environment variables are missing.
        """
        answer = self._answer("\n---\n".join(user_turns(messages)))
        if answer is None:
            return fallback
        data = parse_llm_answer(answer, self.task_types, self.difficulties)
        if data is None:
            return fallback
        if len(user_turns(messages)) > 1 and MULTI_TURN in self.task_types:
            data["task_type"] = MULTI_TURN
        return Tags(data["task_type"], data["difficulty"], data["confidence"], data["confidence"],
                    method=f"llm:{self.model_name}")


def needs_attention(tags: Tags, threshold: float) -> list[str]:
    """Fields whose confidence is below ``threshold`` (``review.needs_attention``)."""
    out = []
    if tags.confidence < threshold:
        out.append("task_type")
    if tags.difficulty_confidence < threshold:
        out.append("difficulty")
    return out
