"""Auto-tagging of ingested prompts: task type and difficulty, each with a confidence.

* Heuristic tagger (default, fast): the project's keyword rules (``ingest.tagging_rules``,
  see :mod:`prodbench.data.tag_rules`; the package copy ``data/tagging_rules.yaml`` is the
  fallback). A conversation with more than one user turn is ``multi_turn``. Difficulty
  counts length in script-aware word equivalents.
* LLM tagger (optional, ``ingest.llm_tagger: <name of a models entry>``): the prompt
  template ``data/tagging_prompt.md`` sent through the model layer (:mod:`prodbench.llm`:
  retries, timeouts, the embedded model, as for the run stage); answers are cached in
  ``cache/tagger/`` keyed by (model config, template, prompt text), so re-ingesting the
  same log makes no new calls. A failed call or an unusable answer is a failure: the
  prompt keeps the rules' tags, marked ``origin.tagger.llm_fallback``, and ingest says so.
* :class:`Tagger` is what ingest uses: rules + optional LLM, with the warnings to show.

Tags whose confidence is below ``ingest.review_confidence`` are marked for review.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import UserError
from prodbench.data.tag_rules import (
    MULTI_TURN,
    TagRules,
    load_rules,
    package_rules,
    rule_warnings,
    text_length,
)
from prodbench.llm.cache import ResponseCache, legacy_answer
from prodbench.llm.client import LLMClient
from prodbench.llm.config import ModelConfig, RunSettings, as_model_config

# The task type confidence: the margin of the winner over the runner-up (0..1) and the
# strength of its evidence (total rule weight, capped at STRONG_EVIDENCE).
CONFIDENCE_BASE, CONFIDENCE_MARGIN, CONFIDENCE_STRENGTH, STRONG_EVIDENCE = 0.25, 0.45, 0.25, 6.0


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
        fallback: Why the LLM tagger's answer was not used (these are then the heuristic tags), or None.
    """

    task_type: str
    difficulty: str
    confidence: float
    difficulty_confidence: float
    method: str = "heuristic"
    scores: dict[str, float] = field(default_factory=dict)
    fallback: str | None = None

    def origin(self) -> dict[str, Any]:
        """The ``origin.tagger`` entry of a record."""
        out: dict[str, Any] = {"method": self.method, "confidence": round(self.confidence, 3),
                               "difficulty_confidence": round(self.difficulty_confidence, 3)}
        if self.fallback:
            out["llm_fallback"] = self.fallback
        return out


def _data_text(name: str) -> str:
    return resources.files("prodbench.data").joinpath(name).read_text(encoding="utf-8")


def user_turns(messages: list[dict[str, Any]]) -> list[str]:
    """Contents of the user messages."""
    return [m["content"] for m in messages if m.get("role") == "user" and isinstance(m.get("content"), str)]


def heuristic_difficulty(text: str, difficulties: list[str], turns: int,
                         rules: TagRules | None = None) -> tuple[str, float]:
    """Difficulty from length (in script-aware word equivalents) and complexity cues.

    Returns:
        ``(difficulty, confidence)``.
    """
    rules = rules or package_rules()
    words = text_length(text)
    bounds = rules.length_bounds
    level = len(difficulties) - 1
    for index, name in enumerate(difficulties):
        bound = bounds.get(name)
        if bound is not None and words < bound:
            level = index
            break
    bumps = sum(1 for rx in rules.harder_if if rx.search(text)) + (1 if turns > 3 else 0)
    level = min(len(difficulties) - 1, level + bumps)
    # lengths near a bound are ambiguous
    nearest = min((abs(words - b) for b in bounds.values()), default=99)
    confidence = 0.5 if nearest <= 2 else 0.65
    return difficulties[level], confidence


def heuristic_tag(messages: list[dict[str, Any]], task_types: list[str], difficulties: list[str],
                  rules: TagRules | None = None) -> Tags:
    """Tag a conversation with the keyword rules.

    The task type with the highest total rule weight wins; the confidence grows with the
    margin over the runner-up and with the total. No match gives the rules' ``default``
    (or the taxonomy's first task type) with confidence 0.3, below any sensible review threshold.

    Args:
        messages: OpenAI-style messages (already anonymized).
        task_types: Allowed task types (params taxonomy), in params order.
        difficulties: Allowed difficulties, easiest first.
        rules: The project's rules (:func:`prodbench.data.tag_rules.load_rules`); the package copy if None.
    """
    rules = rules or package_rules()
    turns = user_turns(messages)
    text = "\n".join(turns)
    difficulty, d_conf = heuristic_difficulty(text, difficulties, len(turns), rules)
    if len(turns) > 1 and rules.multi_turn in task_types:
        return Tags(str(rules.multi_turn), difficulty, 0.95, d_conf, scores={str(rules.multi_turn): 1.0})
    scores: dict[str, float] = {}
    for task, task_rules in rules.task_types.items():
        if task in task_types and task != rules.multi_turn:
            scores[task] = sum(weight for rx, weight, within in task_rules if rx.search(text[:within] if within else text))
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], task_types.index(kv[0])))
    if not ranked or ranked[0][1] <= 0:
        fallback = rules.default if rules.default in task_types else task_types[0]
        return Tags(str(fallback), difficulty, 0.3, d_conf, scores=scores)
    best, best_score = ranked[0]
    runner_up = max(ranked[1][1], 0.0) if len(ranked) > 1 else 0.0
    margin = (best_score - runner_up) / best_score
    confidence = min(0.95, CONFIDENCE_BASE + CONFIDENCE_MARGIN * margin
                     + CONFIDENCE_STRENGTH * min(best_score, STRONG_EVIDENCE) / STRONG_EVIDENCE)
    return Tags(best, difficulty, confidence, d_conf, scores=scores)


def _cache_key(model_cfg: dict[str, Any], template: str, text: str) -> str:
    payload = orjson.dumps({"cfg": model_cfg, "template": template, "text": text}, option=orjson.OPT_SORT_KEYS,
                           default=lambda o: float(o) if isinstance(o, float) else str(o))
    return hashlib.sha256(payload).hexdigest()[:32]


def parse_llm_answer(answer: str, task_types: list[str], difficulties: list[str]) -> dict[str, Any] | None:
    """The JSON object in an LLM answer, if it names a valid task type and difficulty.

    The last JSON object of the answer that names both wins (a model may think aloud first);
    a missing or unreadable ``confidence`` is 0.5.
    """
    found = None
    for match in re.finditer(r"\{[^{}]*\}", answer or "", re.DOTALL):
        try:
            data = orjson.loads(match.group())
        except orjson.JSONDecodeError:
            continue
        if isinstance(data, dict) and data.get("task_type") in task_types and data.get("difficulty") in difficulties:
            found = data
    if found is None:
        return None
    try:
        found["confidence"] = max(0.0, min(1.0, float(found.get("confidence", 0.5))))
    except (TypeError, ValueError):
        found["confidence"] = 0.5
    return found


class LLMTagger:
    """Tags prompts with a model from params ``models`` through the model layer, with a cache.

    Calls go through :class:`prodbench.llm.client.LLMClient` (retries with backoff, the
    ``run`` section's timeout, secret redaction, the embedded model) and answers are kept in a
    :class:`~prodbench.llm.cache.ResponseCache` in ``cache_dir``; answers cached by earlier
    versions (one JSON file each) are still read.

    Counters: ``calls`` (made), ``cache_hits``, ``call_errors`` (the call failed after its
    retries), ``unusable`` (an answer that names no valid task type and difficulty) and
    ``failures`` (both: every prompt whose tags fell back to the heuristics).

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
        self.call_errors = 0
        self.unusable = 0
        # what the tagger has always sent: temperature, seed and at least 64 tokens for the JSON answer
        params = {k: self.model_cfg[k] for k in ("temperature", "seed") if self.model_cfg.get(k) is not None}
        params["max_tokens"] = max(64, int(self.model_cfg.get("max_tokens") or 96))
        settings = RunSettings.from_params(run_params, self.config)
        self.client = LLMClient(self.config, settings.retry, params=params,
                                cache=ResponseCache(cache_dir, read=True, write=True, keep_open=False))

    @property
    def failures(self) -> int:
        """Prompts whose LLM tags could not be used (call errors + unusable answers)."""
        return self.call_errors + self.unusable

    def render(self, text: str) -> str:
        """The prompt sent to the model for the user turns ``text``."""
        types_text = "\n".join(f"- {t}: {self.descriptions.get(t, '')}" for t in self.task_types)
        return self.template.format(task_types=types_text, difficulties=", ".join(self.difficulties), prompt=text)

    def _answer(self, text: str) -> str | None:
        """The model's answer for ``text`` (cached or called), or None if the call failed."""
        key = _cache_key(dict(self.model_cfg), self.template, text)
        legacy = legacy_answer(self.cache_dir / f"{key}.json", "answer") if self.client.cached(key) is None else None
        if legacy is not None:
            self.cache_hits += 1
            return legacy
        try:
            outcome = self.client.complete_sync([{"role": "user", "content": self.render(text)}], key=key)
        except UserError:
            raise
        except Exception:  # noqa: BLE001 - any other provider failure falls back to heuristics
            self.calls += 1
            return None
        if outcome.cached:
            self.cache_hits += 1
        else:
            self.calls += 1
        if outcome.response is None:
            return None
        return str(outcome.response.get("content") or "")

    def tag(self, messages: list[dict[str, Any]], fallback: Tags, multi_turn: str | None = MULTI_TURN) -> Tags:
        """LLM tags for a conversation; ``fallback`` (the heuristic tags, marked as such) if unusable.

        A conversation with more than one user turn keeps the ``multi_turn`` task type (the
        rules' multi-turn type) whatever the model says.

        Raises:
            UserError: The model's environment variables are missing.
        """
        turns = user_turns(messages)
        answer = self._answer("\n---\n".join(turns))
        if answer is None:
            self.call_errors += 1
            return replace(fallback, fallback=f"llm:{self.model_name} call failed")
        data = parse_llm_answer(answer, self.task_types, self.difficulties)
        if data is None:
            self.unusable += 1
            return replace(fallback, fallback=f"llm:{self.model_name} answer unusable (no valid task_type/difficulty)")
        if len(turns) > 1 and multi_turn in self.task_types:
            data["task_type"] = multi_turn
        return Tags(data["task_type"], data["difficulty"], data["confidence"], data["confidence"],
                    method=f"llm:{self.model_name}")

    def summary(self) -> dict[str, Any]:
        """Counters for the ingest report (``llm_tagger``)."""
        return {"model": self.model_name, "calls": self.calls, "cache_hits": self.cache_hits,
                "failures": self.failures, "call_errors": self.call_errors, "unusable_answers": self.unusable}


class Tagger:
    """What ingest tags with: the project's rules, optionally an LLM tagger in front of them.

    Attributes:
        rules: The compiled rules (the project's file, or the package copy).
        task_types: The taxonomy's task types. difficulties: Its difficulties, easiest first.
        llm: The LLM tagger, or None.
        warnings: What does not fit (task types no rule can produce, ...), to show the user.
        tagged: Prompts tagged. fallbacks: Prompts whose LLM tags fell back to the rules.
    """

    def __init__(self, rules: TagRules, task_types: list[str], difficulties: list[str],
                 llm: LLMTagger | None = None) -> None:
        self.rules = rules
        self.task_types = task_types
        self.difficulties = difficulties
        self.llm = llm
        self.warnings = rule_warnings(rules, task_types)
        self.tagged = 0
        self.fallbacks = 0

    @classmethod
    def from_params(cls, root: Path, params: Mapping[str, Any], llm: LLMTagger | None = None) -> Tagger:
        """The tagger of a project: rules from ``ingest.tagging_rules`` (or the package copy).

        Raises:
            UserError: The taxonomy is empty, or the rules file is missing or invalid.
        """
        taxonomy = params.get("taxonomy") or {}
        task_types = list(taxonomy.get("task_types") or {})
        difficulties = list(taxonomy.get("difficulties") or [])
        if not task_types or not difficulties:
            raise UserError("params.yaml taxonomy has no task_types or difficulties; cannot tag")
        return cls(load_rules(root, dict(params)), task_types, difficulties, llm)

    def tag(self, messages: list[dict[str, Any]]) -> Tags:
        """Tags for one conversation (the LLM's when usable, else the rules')."""
        tags = heuristic_tag(messages, self.task_types, self.difficulties, self.rules)
        if self.llm is not None:
            tags = self.llm.tag(messages, tags, self.rules.multi_turn)
            self.fallbacks += tags.fallback is not None
        self.tagged += 1
        return tags

    def report(self) -> dict[str, Any]:
        """The ``tagging`` entry of the ingest report: rules used, warnings, LLM fallbacks."""
        out: dict[str, Any] = {"rules": self.rules.source, "warnings": self.notices(), "tagged": self.tagged}
        if self.llm is not None:
            out["llm_fallbacks"] = self.fallbacks
        return out

    def notices(self) -> list[str]:
        """Warnings for the terminal, including an LLM tagger that fell back (never silently)."""
        out = list(self.warnings)
        if self.llm is not None and self.fallbacks:
            llm = self.llm
            out.append(f"LLM tagger {llm.model_name}: {self.fallbacks} of {self.tagged} prompt(s) fell back to the "
                       f"rules ({llm.unusable} unusable answer(s), {llm.call_errors} failed call(s)); "
                       "see origin.tagger.llm_fallback")
        return out


def needs_attention(tags: Tags, threshold: float) -> list[str]:
    """Fields whose confidence is below ``threshold`` (``review.needs_attention``)."""
    out = []
    if tags.confidence < threshold:
        out.append("task_type")
    if tags.difficulty_confidence < threshold:
        out.append("difficulty")
    return out
