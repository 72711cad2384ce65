"""Tagging that fits the user's taxonomy: project rules, warnings, script-aware difficulty, the LLM tagger.

The LLM tagger runs against the local OpenAI-compatible test server (tests/llm_server.py)
through the real model layer; ingest runs through the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from llm_server import LLMServer, last_user_message
from prodbench.core.errors import UserError
from prodbench.core.params import edit_params, load_params
from prodbench.core.project import Project
from prodbench.data.tag_rules import load_rules, package_rules, parse_rules, rule_warnings, text_length
from prodbench.data.tagging import LLMTagger, Tagger, heuristic_tag, needs_attention

DIFFICULTIES = ["trivial", "easy", "medium", "hard"]
USER_TYPES = ["coding", "math", "creative_writing", "multi_turn"]
USER_RULES = """\
default: creative_writing
task_types:
  coding:
    - {pattern: '\\bpython\\b|\\bfunction\\b|```', weight: 3}
  math:
    - {pattern: '\\bsolve\\b|\\d+\\s*[-+*/]\\s*\\d', weight: 3}
  creative_writing:
    - {pattern: '\\b(?:poem|story)\\b', weight: 3}
"""


def _user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def _log(path: Path, *texts: str) -> Path:
    path.write_text("".join(json.dumps({"id": f"l{i}", "messages": _user(t)}) + "\n" for i, t in enumerate(texts)))
    return path


def test_the_example_project_tags_with_its_own_rules_file(project_dir: Path) -> None:
    params = load_params(Project(project_dir))
    rules = load_rules(project_dir, params)
    assert rules.source == "prompts/tagging_rules.yaml"
    assert rule_warnings(rules, list(params["taxonomy"]["task_types"])) == []


def test_a_user_taxonomy_with_its_own_rules_is_tagged_by_them(empty_project: Path, read_jsonl: Callable,
                                                               invoke: Callable[..., Result]) -> None:
    (empty_project / "prompts" / "tagging_rules.yaml").write_text(USER_RULES)
    with edit_params(Project(empty_project)) as tree:
        tree["taxonomy"]["task_types"] = {t: t for t in USER_TYPES}
        tree["coverage"]["task_type_share"] = {t: 0.25 for t in USER_TYPES}
    log = _log(empty_project / "log.jsonl", "Write a python function that reverses a list",
               "Solve 12 * 7 and show the steps", "A short poem about rain, please")
    result = invoke("ingest", str(log))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    rows = read_jsonl(empty_project / "prompts" / "pool" / "production.jsonl")
    assert [r["task_type"] for r in rows] == ["coding", "math", "creative_writing"]
    report = json.loads((empty_project / "reports" / "ingest.json").read_text())
    assert report["tagging"]["rules"] == "prompts/tagging_rules.yaml"


def test_task_types_no_rule_can_produce_are_a_warning(empty_project: Path, invoke: Callable[..., Result]) -> None:
    with edit_params(Project(empty_project)) as tree:
        tree["taxonomy"]["task_types"] = {t: t for t in USER_TYPES}
        tree["coverage"]["task_type_share"] = {t: 0.25 for t in USER_TYPES}
    result = invoke("ingest", str(_log(empty_project / "log.jsonl", "Write a python function")))
    assert result.exit_code == 0
    assert "cannot produce task type(s) coding, math, creative_writing" in result.output
    warnings = rule_warnings(package_rules(), USER_TYPES)
    assert any("not in params.yaml taxonomy" in w for w in warnings)


def test_a_missing_or_broken_rules_file_is_a_located_error(empty_project: Path,
                                                            invoke: Callable[..., Result]) -> None:
    rules = empty_project / "prompts" / "tagging_rules.yaml"
    rules.unlink()
    result = invoke("ingest", str(_log(empty_project / "log.jsonl", "hello there")))
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "ingest.tagging_rules: prompts/tagging_rules.yaml: file not found" in result.output
    assert "cp " in result.output  # says where the starting copy is
    rules.write_text("task_types:\n  coding:\n    - {pattern: 'python(', weight: 2}\n")
    with pytest.raises(UserError) as info:
        load_rules(empty_project, load_params(Project(empty_project)))
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.field) == ("prompts/tagging_rules.yaml", 3,
                                                           "task_types.coding[0].pattern")
    assert "invalid regular expression" in problem.message


def test_within_limits_a_rule_to_the_start_of_the_prompt() -> None:
    rules = parse_rules("task_types:\n  a:\n    - {pattern: 'numbers', weight: 2, within: 20}\n"
                        "  b:\n    - {pattern: 'text', weight: 1}\n", "r.yaml")
    early = heuristic_tag(_user("numbers first, then text"), ["a", "b"], DIFFICULTIES, rules)
    late = heuristic_tag(_user("some pasted text ......... with numbers"), ["a", "b"], DIFFICULTIES, rules)
    assert (early.task_type, late.task_type) == ("a", "b")


def test_confidence_is_low_without_evidence_and_flags_review() -> None:
    rules = parse_rules(USER_RULES, "r.yaml")
    unknown = heuristic_tag(_user("hello"), USER_TYPES, DIFFICULTIES, rules)
    clear = heuristic_tag(_user("```python\ndef f(): pass\n```"), USER_TYPES, DIFFICULTIES, rules)
    mixed = heuristic_tag(_user("a python story"), USER_TYPES, DIFFICULTIES, rules)
    assert unknown.task_type == "creative_writing" and unknown.confidence < 0.6
    assert "task_type" in needs_attention(unknown, 0.6)
    assert clear.confidence > 0.6 > mixed.confidence


def test_difficulty_counts_cjk_by_characters_not_spaces() -> None:
    chinese = "请用Java写一个根据不同难度自动生成数独的程序，难度的级别需要从1到999，生成的题目必须只有唯一解，并且解释算法的思路和复杂度"
    english = "Write a Java program that generates sudoku puzzles for difficulty levels from 1 to 999"
    assert len(chinese.split()) == 1 and text_length(chinese) > 25
    assert text_length(english) == len(english.split())
    assert text_length("진화론의 증거를 자세히 설명해 주세요") > len(["진화론의", "증거를", "자세히", "설명해", "주세요"])
    tags = heuristic_tag(_user(chinese), ["reasoning"], DIFFICULTIES)
    assert tags.difficulty in ("medium", "hard")


# ---------------------------------------------------------------- the LLM tagger on the local test server

KEY_ENV = "PRODBENCH_TEST_LLM_KEY"
TAXONOMY = {"task_types": {"coding": "programming tasks", "math": "calculations and proofs",
                           "creative_writing": "stories, poems, copy"}, "difficulties": DIFFICULTIES}
FAST = {"timeout_s": 5.0, "max_retries": 1, "backoff_base_s": 0.01, "backoff_max_s": 0.05}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(KEY_ENV, "test-key")
    with LLMServer() as srv:
        yield srv


def _tagger(server: LLMServer, cache_dir: Path) -> Tagger:
    cfg = {"model": "openai/tagger", "api_base": server.api_base, "api_key_env": KEY_ENV, "temperature": 0.0}
    llm = LLMTagger("tagger", cfg, cache_dir, TAXONOMY, run_params=FAST)
    return Tagger(parse_rules(USER_RULES, "r.yaml"), list(TAXONOMY["task_types"]), DIFFICULTIES, llm)


def test_llm_prompt_and_parsing(server: LLMServer, tmp_path: Path) -> None:
    server.responder = lambda body: ('Thinking... {"note": 1} then '
                                     '{"task_type": "math", "difficulty": "hard", "confidence": 0.42}')
    tagger = _tagger(server, tmp_path)
    tags = tagger.tag(_user("Prove that sqrt(2) is irrational"))
    assert (tags.task_type, tags.difficulty, tags.method) == ("math", "hard", "llm:tagger")
    assert tags.confidence == pytest.approx(0.42) and "task_type" in needs_attention(tags, 0.6)
    sent = last_user_message(server.requests[0])
    assert "Prove that sqrt(2) is irrational" in sent
    assert "- coding: programming tasks" in sent and "trivial, easy, medium, hard" in sent
    assert tagger.llm is not None and tagger.llm.failures == 0 and tagger.notices() == []


def test_unusable_answers_are_failures_and_fall_back_visibly(server: LLMServer, tmp_path: Path) -> None:
    answers = iter(["I think it is code.", '{"task_type": "poetry", "difficulty": "easy"}',
                    '{"task_type": "coding", "difficulty": "impossible"}'])
    server.responder = lambda body: next(answers)
    tagger = _tagger(server, tmp_path)
    texts = ["a python function please", "a story about the sea", "solve 3 + 4"]
    tags = [tagger.tag(_user(t)) for t in texts]
    assert [t.task_type for t in tags] == ["coding", "creative_writing", "math"]  # the rules' tags
    assert all(t.method == "heuristic" and "unusable" in str(t.fallback) for t in tags)
    assert all("llm_fallback" in t.origin() for t in tags)
    assert tagger.llm is not None and (tagger.llm.failures, tagger.llm.unusable, tagger.llm.calls) == (3, 3, 3)
    (notice,) = tagger.notices()
    assert "3 of 3 prompt(s) fell back to the rules (3 unusable answer(s), 0 failed call(s))" in notice


def test_failed_calls_are_failures_too(server: LLMServer, tmp_path: Path) -> None:
    server.fail("500", times=None)
    tagger = _tagger(server, tmp_path)
    tags = tagger.tag(_user("a python function please"))
    assert tags.task_type == "coding" and "call failed" in str(tags.fallback)
    assert tagger.llm is not None and (tagger.llm.failures, tagger.llm.call_errors) == (1, 1)
    assert tagger.report()["llm_fallbacks"] == 1


def test_ingest_reports_llm_fallbacks(empty_project: Path, server: LLMServer, read_jsonl: Callable,
                                      invoke: Callable[..., Result]) -> None:
    server.responder = lambda body: "no idea"
    cfg = {"model": "openai/tagger", "api_base": server.api_base, "api_key_env": KEY_ENV, "temperature": 0.0}
    with edit_params(Project(empty_project)) as tree:
        tree["models"]["tagger"] = cfg
        tree["ingest"]["llm_tagger"] = "tagger"
    result = invoke("ingest", str(_log(empty_project / "log.jsonl", "How do I export invoices?", "Hello?")))
    assert result.exit_code == 0
    assert "LLM tagger tagger: 2 of 2 prompt(s) fell back to the rules (2 unusable answer(s)" in result.output
    report = json.loads((empty_project / "reports" / "ingest.json").read_text())
    assert report["llm_tagger"]["failures"] == 2 and report["llm_tagger"]["unusable_answers"] == 2
    rows = read_jsonl(empty_project / "prompts" / "pool" / "production.jsonl")
    assert all(r["origin"]["tagger"]["llm_fallback"].startswith("llm:tagger answer unusable") for r in rows)


def test_labelled_set_is_big_varied_and_split(repo_root: Path) -> None:
    rows = [json.loads(line) for line in (repo_root / "bench" / "data" / "tagger_labels.jsonl").read_text().splitlines()]
    assert len(rows) >= 200 and len({r["id"] for r in rows if r["turns"] == 1}) == len([r for r in rows if r["turns"] == 1])
    assert len({r["label"] for r in rows} - {"other"}) >= 6
    assert {r["split"] for r in rows} == {"dev", "heldout"}
    # a source item is in one split only (its single- and multi-turn forms together)
    splits: dict[str, set[str]] = {}
    for row in rows:
        splits.setdefault(row["id"], set()).add(row["split"])
    assert all(len(s) == 1 for s in splits.values())
