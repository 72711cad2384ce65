"""The prompt record schema: strict, and the fast and precise validators agree."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from prodbench.validate.schema import SchemaChecker

BASE = {
    "id": "fact-001",
    "messages": [{"role": "user", "content": "What does Pro cost?"}, {"role": "assistant", "content": None}],
    "task_type": "fact_recall",
    "difficulty": "easy",
    "source": "expert",
}


def with_(**changes) -> dict:
    record = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is ...:
            record.pop(key)
        else:
            record[key] = value
    return record


VALID = {
    "minimal": with_(),
    "all optional fields": with_(
        reference=["$29", 29], checks={"contains_any": {"any": ["29"]}, "length": False}, tags=["plans"],
        product_goal="pricing", synthetic_pii=False, origin={"log_id": "x", "anonymized": {"PERSON": 1}},
        review={"status": "pending", "reviewer": "qa", "date": "2026-01-02", "needs_attention": ["tag"]}, added="2026-11-27",
    ),
    "numeric reference": with_(reference=12.5),
    "system and named messages": with_(messages=[
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi", "name": "customer"},
        {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Price?"}]),
    "every source": with_(source="production"),
}
INVALID = {
    "unknown top-level key": (with_(notes="x"), "notes"),
    "missing id": (with_(id=...), "id"),
    "missing messages": (with_(messages=...), "messages"),
    "missing task_type": (with_(task_type=...), "task_type"),
    "missing difficulty": (with_(difficulty=...), "difficulty"),
    "missing source": (with_(source=...), "source"),
    "empty messages": (with_(messages=[]), "messages"),
    "unknown role": (with_(messages=[{"role": "tool", "content": "x"}]), "messages[0].role"),
    "unknown message key": (with_(messages=[{"role": "user", "content": "x", "extra": 1}]), "messages[0].extra"),
    "user content null": (with_(messages=[{"role": "user", "content": None}]), "messages[0].content"),
    "content not a string": (with_(messages=[{"role": "user", "content": 5}]), "messages[0].content"),
    "id with spaces": (with_(id="my id"), "id"),
    "uppercase task type": (with_(task_type="Fact"), "task_type"),
    "bad source": (with_(source="web"), "source"),
    "empty reference": (with_(reference=""), "reference"),
    "empty reference list": (with_(reference=[]), "reference"),
    "checks not an object": (with_(checks=["contains_any"]), "checks"),
    "check settings a string": (with_(checks={"regex": "x"}), "checks.regex"),
    "duplicate tags": (with_(tags=["a", "a"]), "tags"),
    "bad review status": (with_(review={"status": "done"}), "review.status"),
    "bad date": (with_(added="27/11/2026"), "added"),
    "synthetic_pii not a bool": (with_(synthetic_pii="yes"), "synthetic_pii"),
}


@pytest.fixture(scope="module")
def checker(repo_root: Path) -> SchemaChecker:
    schema = json.loads((repo_root / "schemas" / "prompt.schema.json").read_text(encoding="utf-8"))
    return SchemaChecker(schema)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_records(checker: SchemaChecker, name: str) -> None:
    assert checker.is_valid(VALID[name])


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_records_fail_fast_and_precisely(checker: SchemaChecker, name: str) -> None:
    record, field = INVALID[name]
    assert not checker.is_valid(record)
    errors = checker.errors(record)
    assert field in [f for f, _ in errors], errors
    assert all(message for _, message in errors)


def test_long_values_are_cut_in_messages(checker: SchemaChecker) -> None:
    errors = checker.errors(with_(source="x" * 500))
    assert errors[0][0] == "source"
    assert len(errors[0][1]) < 200
