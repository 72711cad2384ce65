"""LLM-as-judge scorers (``judge`` and ``judge_pairwise``) through litellm.

* Rubrics are data files (see :mod:`prodbench.score.scorers.rubric`).
* Judge model, temperature, samples, timeout and endpoint come from ``score.judge`` in
  params; a check may override ``samples``.
* k samples per item: the score is the mean of the parsed samples, and the agreement
  (share of samples equal to the most common verdict) is reported in ``details``.
* Calls go through the model layer (:class:`prodbench.llm.client.LLMClient`): the same
  retries with backoff, timeouts, secret redaction, routers and embedded model as the run
  stage.
* Verdicts are read strictly from the reply's final line (:func:`parse_verdict`): an
  unparsable, ambiguous, out-of-scale or quoted verdict, a timeout or an API error is a judge
  *error* (score None), never a guess and never a zero. Successful verdicts are cached in ``cache/judge/`` (a
  :class:`~prodbench.llm.cache.ResponseCache` log) keyed by a hash of (judge config,
  rendered prompt, sample index); errors are not cached.
* Pairwise mode shows the two responses in an order randomised per item (seeded by the
  item id, so reruns are stable) and maps the verdict back.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from prodbench.llm.cache import ResponseCache, legacy_answer
from prodbench.llm.client import LLMClient
from prodbench.llm.config import ModelConfig, RetryPolicy
from prodbench.score.scorers import Context, Item, ScoreResult, SettingsError, register
from prodbench.score.scorers._util import check_keys, number_setting
from prodbench.score.scorers.rubric import Rubric, load_rubric, render

DEFAULT_JUDGE = {"model": "local/smollm2-135m", "temperature": 0.0, "samples": 1, "max_tokens": 96, "max_retries": 2,
                 "timeout_s": 60, "concurrency": 4}
# Settings of the judge itself, not of the model it calls (not part of its ModelConfig).
_JUDGE_ONLY_KEYS = ("samples", "max_retries", "timeout_s", "concurrency")


# ---------------------------------------------------------------- verdict parsing

_KEYS: dict[str, tuple[str, ...]] = {"pairwise": ("winner", "verdict"), "pass/fail": ("verdict", "result"),
                                     "numeric": ("score", "rating", "grade", "verdict")}
_LINE = re.compile(r"^[\W_]*(score|rating|grade|verdict|winner|result)[\W_]*?\s*[:=]\s*(.*)$", re.IGNORECASE)
_NUMBER_VALUE = re.compile(r"^(-?\d+(?:\.\d+)?)(?:\s*(?:/|out of)\s*(\d+(?:\.\d+)?))?(?![\d.]*\d)")
_TIES = ("tie", "a tie", "draw", "equal", "neither", "both")


def final_line(text: str) -> str:
    """The last non-empty line of a judge reply, ignoring a closing code fence."""
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    while lines and lines[-1].startswith("```") and not lines[-1].strip("`").strip().startswith("{"):
        lines.pop()
    return lines[-1].strip("`").strip() if lines else ""


def parse_verdict(text: str, scale: tuple[int, int] | str, quoted: tuple[str, ...] | list[str] = ()) -> Any:
    """Read the verdict from the *final line* of a judge's reply, strictly.

    The final line (a closing code fence is skipped) must be either a JSON object with the
    scale's key (``{"score": 4}``, ``{"verdict": "FAIL"}``, ``{"winner": "TIE"}``) or a fixed
    line ``Score: 4`` / ``Score: 4/5`` / ``Verdict: FAIL`` / ``Winner: B`` (text after the value
    is ignored). Anything earlier in the reply is ignored, so a verdict the judge quotes from
    the graded answer cannot win; a final line that appears verbatim in a graded response
    (``quoted``) is an error too. Ties are ties ("Winner: a tie" -> ``"TIE"``).

    Returns:
        An int/float within the scale, ``True``/``False`` for pass/fail, or ``"A"``/``"B"``/
        ``"TIE"`` for pairwise.

    Raises:
        ValueError: No verdict on the final line, an ambiguous or conflicting one, a score on
            another scale or outside this one, or a verdict line quoted from a graded response.
    """
    kind = scale if isinstance(scale, str) else "numeric"
    if kind not in _KEYS:
        raise ValueError(f"unknown rubric scale {scale!r}")
    line = final_line(text)
    if not line:
        raise ValueError("empty judge reply")
    folded = " ".join(line.casefold().split())
    if any(folded in " ".join(str(q).casefold().split()) for q in quoted if q):
        raise ValueError("the verdict line is quoted from the graded response")
    if line.startswith("{"):
        values = _json_values(line, kind)
    else:
        match = _LINE.match(line)
        if not match or match.group(1).lower() not in _KEYS[kind]:
            raise ValueError(f"no verdict on the final line ({_KEYS[kind][0]} expected): {line[:60]!r}")
        values = [match.group(2)]
    coerced = {_coerce(value, scale) for value in values}
    if len(coerced) != 1:
        raise ValueError(f"conflicting verdicts on the final line: {line[:60]!r}")
    return coerced.pop()


def _json_values(line: str, kind: str) -> list[Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        raise ValueError(f"the final line is not valid JSON: {line[:60]!r}") from None
    if not isinstance(obj, dict):
        raise ValueError("the final line is not a JSON object")
    lowered = {str(k).lower(): v for k, v in obj.items()}
    values = [lowered[k] for k in _KEYS[kind] if k in lowered]
    if not values:
        raise ValueError(f"the verdict object has no {_KEYS[kind][0]!r} key")
    return values


def _coerce(value: Any, scale: tuple[int, int] | str) -> Any:
    if scale == "pairwise":
        words = str(value).strip().strip('*"`\'').lower().replace("**", "").split()
        words = [w.strip('*"`\'.,;:!()') for w in words]
        if not words:
            raise ValueError("empty pairwise verdict")
        if " ".join(words[:2]) in _TIES or words[0] in _TIES:
            return "TIE"
        if words[0] == "response" and len(words) > 1:
            words = words[1:]
        if words[0] in ("a", "b") and not (len(words) > 1 and words[1] in ("or", "and", "/", "vs")):
            return words[0].upper()
        raise ValueError(f"pairwise verdict must be A, B or TIE, got {str(value)[:20]!r}")
    if scale == "pass/fail":
        if isinstance(value, bool):
            return value
        words = str(value).strip().strip('*"`\' ').split()
        verdict = words[0].strip('*"`\'.,;:!()').lower() if words else ""
        if verdict in ("pass", "passed", "passes"):
            return True
        if verdict in ("fail", "failed", "fails"):
            return False
        raise ValueError(f"pass/fail verdict expected, got {str(value)[:20]!r}")
    if isinstance(scale, str):
        raise ValueError(f"unknown rubric scale {scale!r}")
    low, high = scale
    if isinstance(value, bool):
        raise ValueError(f"numeric verdict expected, got {value!r}")
    if isinstance(value, (int, float)):
        number, denominator = float(value), None
    else:
        match = _NUMBER_VALUE.match(str(value).strip().strip('*"`\' '))
        if not match:
            raise ValueError(f"numeric verdict expected, got {str(value)[:20]!r}")
        number = float(match.group(1))
        denominator = float(match.group(2)) if match.group(2) else None
    if denominator is not None and denominator != high:
        raise ValueError(f"verdict {number:g}/{denominator:g} is on another scale than {low}-{high}")
    if not low <= number <= high or number != int(number):
        raise ValueError(f"verdict {number:g} is not on the scale {low}-{high}")
    return int(number)


# ---------------------------------------------------------------- judge client


def judge_config(context: Context, settings: dict[str, Any]) -> dict[str, Any]:
    """The judge settings: defaults < params ``score.judge`` < the check's ``samples``."""
    config = {**DEFAULT_JUDGE, **(context.score_params.get("judge") or {})}
    if "samples" in settings:
        config["samples"] = int(number_setting("judge", settings, "samples", 1, minimum=1) or 1)
    return config


def judge_model(config: Mapping[str, Any]) -> ModelConfig:
    """The judge as a :class:`ModelConfig` (problems are reported against ``score.judge``).

    Only what is sent to the model is part of it: the judge's own settings (samples, retries,
    timeout, concurrency) are not generation parameters.
    """
    raw = {k: v for k, v in config.items() if k not in _JUDGE_ONLY_KEYS}
    return ModelConfig.from_params("judge", raw, where="score.judge")


def judge_client(config: Mapping[str, Any], context: Context) -> LLMClient:
    """The judge's :class:`LLMClient` (one per judge config and stage run), cached in ``cache/judge``.

    Successful verdicts go through the same :class:`ResponseCache` as model responses, under
    the judge's cache directory; verdicts cached by earlier versions (one JSON file each)
    are still read (:func:`_legacy_cached`).
    """
    model = judge_model(config)
    retry = RetryPolicy(timeout_s=float(config.get("timeout_s", 60)), max_retries=int(config.get("max_retries", 2)),
                        backoff_base_s=0.5, backoff_max_s=10.0)
    clients: dict[tuple[str, RetryPolicy], LLMClient] = context.shared.setdefault("judge_clients", {})
    client = clients.get((model.hash, retry))
    if client is None:
        cache = (ResponseCache(Path(context.cache_dir), read=True, write=True, keep_open=False)
                 if context.cache_dir else None)
        client = clients[(model.hash, retry)] = LLMClient(model, retry, cache=cache)
    return client


def _cache_key(config: Mapping[str, Any], messages: list[dict[str, str]], sample: int) -> str:
    payload = {k: config.get(k) for k in ("model", "temperature", "max_tokens", "api_base", "extra")}
    blob = json.dumps({"config": payload, "messages": messages, "sample": sample}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _legacy_cached(context: Context, key: str) -> str | None:
    """A verdict text cached by earlier versions as ``cache/judge/<k[:2]>/<key>.json``, if any."""
    if not context.cache_dir:
        return None
    return legacy_answer(Path(context.cache_dir) / key[:2] / f"{key}.json", "text")


async def call_judge(messages: list[dict[str, str]], config: dict[str, Any], sample: int,
                     context: Context) -> dict[str, Any]:
    """One judge call through the model layer (cached, retried). Returns ``{"text": ...}`` or ``{"error": ...}``."""
    key = _cache_key(config, messages, sample)
    client = judge_client(config, context)
    if client.cached(key) is None:
        legacy = _legacy_cached(context, key)
        if legacy is not None:
            return {"text": legacy, "cached": True}
    semaphore = context.shared.setdefault("judge_semaphore", asyncio.Semaphore(int(config.get("concurrency", 4))))
    async with semaphore:
        # distinct samples where the provider honours seeds
        outcome = await client.complete(messages, key=key, overrides={"seed": sample} if sample else None)
    if outcome.response is None:
        error = outcome.error or {}
        kind = "timeout" if "timeout" in str(error.get("type", "")).lower() else error.get("type", "error")
        return {"error": f"judge {kind}: {str(error.get('message', ''))[:160]}"}
    result: dict[str, Any] = {"text": outcome.response.get("content") or ""}
    if outcome.cached:
        result["cached"] = True
    return result


def conversation_text(item: Item) -> str:
    """The prompt conversation as plain text for a judge (generated turns shown as such)."""
    lines = []
    for message in item.record.get("messages", []):
        content = message.get("content")
        if message.get("role") == "assistant" and content is None:
            continue
        lines.append(f"{message.get('role', 'user').upper()}: {content}")
    return "\n".join(lines)


def aggregate(verdicts: list[Any], errors: list[str], rubric: Rubric) -> ScoreResult:
    """Combine k judge samples into one result with the agreement in ``details``."""
    details: dict[str, Any] = {"samples": len(verdicts) + len(errors), "parsed": len(verdicts),
                               "errors": errors[:3], "verdicts": verdicts}
    if not verdicts:
        return ScoreResult(None, None, errors[0] if errors else "no judge verdict", error=errors[0] if errors else
                           "no judge verdict", details=details)
    counts = Counter(verdicts)
    modal, modal_count = counts.most_common(1)[0]
    details["agreement"] = round(modal_count / len(verdicts), 6)
    if isinstance(rubric.scale, str):  # pass/fail (the judge scorer refuses pairwise rubrics)
        value = sum(1.0 for v in verdicts if v) / len(verdicts)
        passed = value >= 0.5
        label = f"judge: {sum(1 for v in verdicts if v)}/{len(verdicts)} PASS"
    else:
        low, high = rubric.scale
        mean = sum(verdicts) / len(verdicts)
        value = (mean - low) / (high - low)
        passed = mean >= (rubric.pass_at if rubric.pass_at is not None else (low + high) / 2)
        label = f"judge ({rubric.name}): {mean:.2g}/{high}"
    if len(verdicts) > 1:
        label += f", agreement {details['agreement']:.0%}"
    return ScoreResult(round(value, 6), passed, label, details=details)


@register("judge")
def judge(settings: dict[str, Any], context: Context):
    """LLM-as-judge with a rubric data file (`rubric`), k samples (`samples`); needs a judge model."""
    check_keys("judge", settings, ["rubric", "samples"])
    rubric = load_rubric(str(settings.get("rubric", "accuracy")), context)
    if rubric.scale == "pairwise":
        raise SettingsError("scorer 'judge': rubric is pairwise; use the 'judge_pairwise' scorer")
    config = judge_config(context, settings)

    async def score(item: Item) -> ScoreResult:
        reference = ", ".join(item.references) or "(none)"
        messages = render(rubric, question=conversation_text(item), reference=reference, response=item.response)
        verdicts, errors = await sample_verdicts(messages, config, context, rubric.scale, (item.response,))
        return aggregate(verdicts, errors, rubric)

    return score


async def sample_verdicts(messages: list[dict[str, str]], config: dict[str, Any], context: Context,
                          scale: tuple[int, int] | str, graded: tuple[str, ...] = ()) -> tuple[list[Any], list[str]]:
    """Ask the judge ``config["samples"]`` times; return parsed verdicts and per-sample errors.

    An API error, a timeout or an unparsable reply is an error, never a verdict; ``graded`` are
    the graded responses (a verdict line quoted from one of them is an error).
    """
    replies = await asyncio.gather(*(call_judge(messages, config, i, context) for i in range(int(config["samples"]))))
    verdicts: list[Any] = []
    errors: list[str] = []
    for reply in replies:
        if "error" in reply:
            errors.append(reply["error"])
            continue
        try:
            verdicts.append(parse_verdict(reply["text"], scale, graded))
        except ValueError as exc:
            errors.append(f"unparsable judge verdict: {exc}")
    return verdicts, errors


def pairwise_order(item_id: str, salt: str = "") -> bool:
    """Whether to swap the two responses for this item (stable per id, ~50% of items)."""
    return random.Random(f"{salt}:{item_id}").random() < 0.5


@register("judge_pairwise")
def judge_pairwise(settings: dict[str, Any], context: Context):
    """A/B judge against `baseline` model's response on the same prompt (1 win, 0.5 tie, 0 loss), order randomised."""
    check_keys("judge_pairwise", settings, ["baseline", "rubric", "samples"])
    baseline = settings.get("baseline")
    if not isinstance(baseline, str) or not baseline:
        raise SettingsError("scorer 'judge_pairwise' needs `baseline`: the name of the model to compare against")
    rubric = load_rubric(str(settings.get("rubric", "pairwise")), context)
    if rubric.scale != "pairwise":
        raise SettingsError(f"scorer 'judge_pairwise': rubric {rubric.name!r} is not a pairwise rubric")
    config = judge_config(context, settings)

    async def score(item: Item) -> ScoreResult:
        responses = context.shared.get("responses", {}).get(baseline)
        if responses is None:
            return ScoreResult.failed(f"no results for baseline model {baseline!r}")
        if item.model == baseline:
            return ScoreResult(0.5, True, "baseline model (compared with itself)")
        other = responses.get(item.record.get("id"))
        if other is None:
            return ScoreResult.failed(f"baseline model {baseline!r} has no response for this prompt")
        return await compare(item, other, rubric, config, context)

    return score


async def compare(item: Item, baseline_response: str, rubric: Rubric, config: dict[str, Any],
                  context: Context) -> ScoreResult:
    """Judge ``item.response`` against ``baseline_response`` with a randomised A/B order."""
    swap = pairwise_order(str(item.record.get("id")), item.model)
    first, second = (baseline_response, item.response) if swap else (item.response, baseline_response)
    messages = render(rubric, question=conversation_text(item), reference=", ".join(item.references) or "(none)",
                      response_a=first, response_b=second)
    winners, errors = await sample_verdicts(messages, config, context, "pairwise", (first, second))
    mine = "B" if swap else "A"
    verdicts = [0.5 if winner == "TIE" else 1.0 if winner == mine else 0.0 for winner in winners]
    details: dict[str, Any] = {"swapped": swap, "samples": len(winners) + len(errors), "parsed": len(verdicts),
                               "errors": errors[:3], "verdicts": verdicts}
    if not verdicts:
        error = errors[0] if errors else "no judge verdict"
        return ScoreResult(None, None, error, error=error, details=details)
    counts = Counter(verdicts)
    details["agreement"] = round(counts.most_common(1)[0][1] / len(verdicts), 6)
    value = sum(verdicts) / len(verdicts)
    outcome = "win" if value > 0.5 else "loss" if value < 0.5 else "tie"
    return ScoreResult(round(value, 6), value >= 0.5, f"pairwise {outcome} vs baseline", details=details)
