"""The built-in rules of ``prodbench validate``.

Record rules (applied, in this order, to every schema-valid record): taxonomy membership
of ``task_type`` and ``difficulty``, then non-empty messages and a conversation ending
with a turn for the model. Project rules (run once, after streaming): params.yaml
``coverage`` shares name taxonomy entries and sum to 1. Rules registered by other modules
run after these (see :mod:`prodbench.validate.rules`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prodbench.core.errors import Problem
from prodbench.validate.rules import FileContext, ProjectRule, RecordRule, RunContext, did_you_mean


def rule_taxonomy(record: dict[str, Any], ctx: FileContext) -> Iterable[tuple[str, str]]:
    """Task type and difficulty must be listed in params.yaml ``taxonomy``."""
    task_type = record["task_type"]
    difficulty = record["difficulty"]
    if task_type in ctx.task_types and difficulty in ctx.difficulties:
        return ()
    found = []
    if task_type not in ctx.task_types:
        choices = sorted(ctx.task_types)
        found.append(
            (
                "task_type",
                f"unknown task type {task_type!r} (params.yaml taxonomy.task_types: "
                f"{', '.join(choices)}){did_you_mean(task_type, choices)}",
            )
        )
    if difficulty not in ctx.difficulties:
        choices = list((ctx.params.get("taxonomy") or {}).get("difficulties") or ())
        found.append(
            (
                "difficulty",
                f"unknown difficulty {difficulty!r} (params.yaml taxonomy.difficulties: "
                f"{', '.join(choices)}){did_you_mean(difficulty, choices)}",
            )
        )
    return found


def rule_messages(record: dict[str, Any], ctx: FileContext) -> Iterable[tuple[str, str]]:
    """Messages are not empty and the conversation ends with a turn for the model.

    A turn for the model is an assistant message with ``content: null``; it must follow
    a user message. The last message must be such a turn or a user message (which
    implies one).
    """
    messages = record["messages"]
    last = messages[-1]
    previous_role = None
    for message in messages:
        content = message["content"]
        if content is None:
            if previous_role != "user":
                break
        elif not content or content.isspace():
            break
        previous_role = message["role"]
    else:
        if last["role"] == "user" or (last["content"] is None and last["role"] == "assistant"):
            return ()
    found = []
    previous_role = None
    for index, message in enumerate(messages):
        content = message["content"]
        role = message["role"]
        if content is None:
            if previous_role != "user":
                found.append(
                    (
                        f"messages[{index}]",
                        "a turn for the model (assistant, content null) must follow a user message",
                    )
                )
        elif not content or content.isspace():
            found.append((f"messages[{index}].content", "empty or whitespace-only message"))
        previous_role = role
    if not (last["role"] == "user" or (last["role"] == "assistant" and last["content"] is None)):
        found.append(
            (
                f"messages[{len(messages) - 1}]",
                "the conversation must end with a turn for the model (an assistant message with "
                "content null, or a user message), not "
                + ("an assistant message with content" if last["role"] == "assistant" else f"a {last['role']} message"),
            )
        )
    return found


#: Built-in per-record rules, applied to schema-valid records in this order.
RECORD_RULES: list[RecordRule] = [rule_taxonomy, rule_messages]


def rule_coverage_params(run: RunContext) -> list[Problem]:
    """params.yaml ``coverage`` shares name only taxonomy entries and sum to about 1.

    A typo in a share key (``fact_recal: 0.2``) would otherwise silently drop a target.
    """
    from prodbench.core.params import locate_params_problems

    params = run.params
    taxonomy = params.get("taxonomy") or {}
    coverage = params.get("coverage") or {}
    label = run.project.rel(run.project.params_path)
    problems = []
    for key, known in (
        ("task_type_share", list(taxonomy.get("task_types") or {})),
        ("difficulty_share", list(taxonomy.get("difficulties") or [])),
    ):
        shares = coverage.get(key)
        if not shares:
            continue
        for name in shares:
            if name not in known:
                problems.append(
                    Problem(
                        label,
                        0,
                        f"coverage.{key}.{name}",
                        f"{name!r} is not in the taxonomy ({', '.join(known)}){did_you_mean(name, known)}",
                    )
                )
        total = sum(float(v) for v in shares.values())
        if abs(total - 1.0) > 0.01:
            problems.append(Problem(label, 0, f"coverage.{key}", f"shares sum to {total:g}, not 1"))
    return locate_params_problems(problems, run.project.params_path)


#: Built-in whole-run rules, run before :data:`~prodbench.validate.rules.EXTRA_PROJECT_RULES`.
PROJECT_RULES: list[ProjectRule] = [rule_coverage_params]
