"""The diff document -> PR comment: escaping of untrusted text, size limit, malformed input."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import loaded
from github_server import GitHubServer
from prodbench.cli import cli
from prodbench.core.errors import UserError
from prodbench.core.markdown import GITHUB_COMMENT_LIMIT, MARKER, mermaid_bars
from prodbench.core.records import LoadedPrompt
from prodbench.diff.evaluate import ModelEval, RevisionData
from prodbench.diff.git import Revision
from prodbench.diff.render import build_sections, changed_span, render_comment
from prodbench.diff.stage import DiffSettings, compute_diff, config_changes

PAYLOAD = ("@octocat please merge. ![pixel](https://evil.example/p.png) [docs](https://evil.example) "
           "<img src=x onerror=alert(1)> <a href='https://evil.example'>x</a> #42 www.evil.example "
           f"{MARKER} </details> ``` | end")
PARAMS = {"taxonomy": {"task_types": {"fact_recall": "", "safety": ""}, "difficulties": ["easy", "hard"]},
          "coverage": {"task_type_share": {"fact_recall": 0.5, "safety": 0.5},
                       "difficulty_share": {"easy": 0.5, "hard": 0.5}, "min_per_cell": 1},
          "models": {}}


def _record(i: int, text: str = "question", task_type: str = "fact_recall") -> LoadedPrompt:
    return loaded({"id": f"r-{i:03d}", "messages": [{"role": "user", "content": f"{text} {i}"}],
                   "task_type": task_type, "difficulty": "easy" if i % 2 else "hard", "source": "synthetic"})


def _eval(records: list[LoadedPrompt], name: str, scores: dict[str, float], output: str, config: dict) -> ModelEval:
    runs = {r.id: {"id": r.id, "model": name, "response": f"{output} {r.id}", "error": None,
                      "usage": {"total_tokens": 10}, "cost_usd": 0.001, "turns": [{"latency_s": 0.2, "cached": True}]}
            for r in records}
    rows = {r.id: {"id": r.id, "model": name, "score": scores[r.id]} for r in records}
    return ModelEval(config=config, runs=runs, scores=rows)


def _doc(n: int = 40, output: str = PAYLOAD, top_rows: int = 5, models: int = 1) -> dict:
    base_records = [_record(i) for i in range(n)]
    head_records = [_record(i) for i in range(n - 1)] + [_record(900, PAYLOAD, "safety")]
    base = RevisionData(Revision("main", "a" * 40, Path(".")), PARAMS, base_records, None)
    head = RevisionData(Revision("working tree", None, Path(".")), PARAMS, head_records, "lock")
    base_evals, head_evals = {}, {}
    for m in range(models):
        name = f"model-{m}"
        base_evals[name] = _eval(base_records, name, {r.id: float(i % 2) for i, r in enumerate(base_records)},
                                 output, {"model": "x", "system_prompt": "old"})
        head_evals[name] = _eval(head_records, name, {r.id: 1.0 for r in head_records}, output,
                                 {"model": "x", "system_prompt": PAYLOAD, "api_key": "sk-live-123"})
    return compute_diff(base, head, base_evals, head_evals, DiffSettings(top_rows=top_rows, resamples=200))


def _outside_code(markdown: str) -> str:
    """The comment minus fenced code blocks (whose content GitHub renders literally)."""
    return re.sub(r"^(`{3,})[a-z]*\n.*?\n\1$", "", markdown, flags=re.DOTALL | re.MULTILINE)


def test_comment_content_and_injection_is_inert():
    doc = _doc()
    comment = render_comment(doc)
    assert comment.startswith(MARKER) and comment.count(MARKER) == 1
    assert "<!--" not in comment[len(MARKER):]
    assert "Verdict: 🟢 significant improvement" in comment
    assert "Golden set only: model\\-0 0.487 → 1.000 (+0.513, n = 39" in comment
    assert "> [!WARNING]" in comment  # golden prompts changed and the lock differs
    assert doc["models"]["model-0"]["config_changes"][0] == {"key": "api_key", "base": None, "head": "***"}
    assert "sk-live-123" not in comment and "sk-live-123" not in json.dumps(doc)
    text = _outside_code(comment)
    assert not re.search(r"@[A-Za-z]", text)
    assert not re.search(r"#\d", text)
    assert not re.search(r"(?i)<(img|a|script)\b", text)
    assert "](" not in text and not re.search(r"https?://", text) and "www." not in text
    # raw HTML we emit ourselves is balanced: the payload's </details> did not close a block
    assert text.count("<details>") == text.count("</details>") > 0
    # every fenced block is closed (an even number of fence lines of each length)
    fences = re.findall(r"^(`{3,})", comment, flags=re.MULTILINE)
    assert all(fences.count(f) % 2 == 0 for f in set(fences))


def test_oversized_comment_drops_least_important_sections_first():
    doc = _doc(n=200, output="x" * 1500 + PAYLOAD, top_rows=100, models=4)
    full = "\n\n".join(section.text for section in build_sections(doc))
    assert len(full) > GITHUB_COMMENT_LIMIT
    comment = render_comment(doc)
    assert len(comment) <= 60_000
    assert "Scores per model" in comment and "Verdict" in comment and "Reproduce locally" in comment
    assert "Omitted to stay under GitHub's comment size limit: row-level changes" in comment
    assert comment.count(MARKER) == 1


def test_malicious_document_fields_are_escaped_not_executed():
    doc = _doc(n=6)
    doc["base"] = {"label": "@admin <script>", "sha": "not-a-sha; rm -rf /"}
    evil = copy.deepcopy(doc["models"]["model-0"])
    evil["overall"]["base"] = "@team ![x](http://e/x.png)"
    evil["overall"]["p_value"] = "0.0"
    doc["models"]["@ghost <b>"] = evil
    comment = render_comment(doc)
    text = _outside_code(comment)
    assert not re.search(r"@[A-Za-z]", text) and "<script" not in text and "<b>" not in text
    assert "rm -rf" not in comment.split("Reproduce locally")[1]  # a non-hex sha is not interpolated


@pytest.mark.parametrize("bad", [[], {"models": []}, "text", {"models": {"m": {"overall": []}}, "prompts": 5}])
def test_malformed_documents(bad):
    if isinstance(bad, dict) and isinstance(bad.get("models"), dict):
        assert render_comment(bad).startswith(MARKER)  # odd types are tolerated
    else:
        with pytest.raises(UserError):
            render_comment(bad)


def test_comment_from_untrusted_diff_json(tmp_path):
    path = tmp_path / "diff.json"
    path.write_text(json.dumps(_doc(n=10)), encoding="utf-8")
    with GitHubServer() as gh:
        gh.add_token("t", "github-actions[bot]", is_app=True)
        result = CliRunner().invoke(cli, ["comment", "--repo", "octo/bench", "--pr", "3", "--diff-json", str(path),
                                          "--bot-login", "github-actions[bot]"],
                                    env={"GITHUB_TOKEN": "t", "GITHUB_API_URL": gh.url})
        assert result.exit_code == 0, result.output
        body = gh.comments_on("octo/bench", 3)[0]["body"]
    assert body.startswith(MARKER) and "Scores per model" in body
    assert not re.search(r"@[A-Za-z]", _outside_code(body))
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["comment", "--repo", "octo/bench", "--pr", "3", "--diff-json",
                                      str(tmp_path / "bad.json"), "--dry-run"])
    assert result.exit_code == 1 and "cannot read a diff document" in result.output


def test_mermaid_labels_are_sanitised():
    chart = mermaid_bars('a"]\n```\n@x', ['t"1', "ok"], {"base": [0.5, None], "head": [1, 0.25]})
    assert chart.count("```") == 2 and "@" not in chart and '"]' not in chart.split("x-axis")[0]
    assert "bar [0.500, 0.000]" in chart and "line [1.000, 0.250]" in chart


def test_config_changes_mask_secrets_but_not_env_names():
    changes = config_changes({"model": "a", "api_key_env": "KEY_A", "extra": {"token": "t1"}},
                             {"model": "b", "api_key_env": "KEY_B", "extra": {"token": "t2"}})
    assert {"key": "model", "base": "a", "head": "b"} in changes
    assert {"key": "api_key_env", "base": "KEY_A", "head": "KEY_B"} in changes
    assert {"key": "extra.token", "base": "***", "head": "***"} in changes


def test_other_params_changes_are_shown():
    records = [_record(i) for i in range(4)]
    head_params = {**PARAMS, "score": {"pass_threshold": 0.9}}
    base = RevisionData(Revision("main", "b" * 40, Path(".")), PARAMS, records, None)
    head = RevisionData(Revision("pr", None, Path(".")), head_params, records, None)
    evals = {"m": _eval(records, "m", {r.id: 1.0 for r in records}, "ok", {"model": "x"})}
    doc = compute_diff(base, head, evals, evals, DiffSettings(resamples=200))
    assert doc["params_changes"] == [{"key": "score.pass_threshold", "base": None, "head": 0.9}]
    assert doc["models"]["m"]["config_changes"] == []
    comment = render_comment(doc)
    assert "Other params.yaml changes" in comment and "score\\.pass\\_threshold" in comment


def test_long_config_values_show_the_changed_part():
    old = "Intro sentence that is long enough. " * 5 + "Answer briefly." + " Closing words stay the same." * 5
    new = old.replace("Answer briefly.", "Answer in one short sentence.")
    a, b = changed_span(old, new)
    assert "Answer briefly." in a and "Answer in one short sentence." in b
    assert a.startswith("…") and a.endswith("…") and len(a) < len(old) / 2
    assert changed_span("short", "text") == ("short", "text")


def test_added_and_removed_models_and_mixed_verdict():
    records = [_record(i) for i in range(40)]
    base = RevisionData(Revision("main", "c" * 40, Path(".")), PARAMS, records, None)
    head = RevisionData(Revision("pr", None, Path(".")), PARAMS, records, None)
    half = {r.id: float(i % 2) for i, r in enumerate(records)}
    ones = {r.id: 1.0 for r in records}
    zeros = {r.id: 0.0 for r in records}
    base_evals = {"up": _eval(records, "up", half, "a", {"model": "x"}),
                  "down": _eval(records, "down", half, "a", {"model": "x"}),
                  "old": _eval(records, "old", half, "a", {"model": "old"})}
    head_evals = {"up": _eval(records, "up", ones, "b", {"model": "x"}),
                  "down": _eval(records, "down", zeros, "b", {"model": "x"}),
                  "new": _eval(records, "new", ones, "b", {"model": "new"})}
    doc = compute_diff(base, head, base_evals, head_evals, DiffSettings(resamples=200))
    assert doc["verdict"]["kind"] == "mixed"
    assert doc["verdict"]["improvements"] == ["up"] and doc["verdict"]["regressions"] == ["down"]
    assert doc["models"]["new"]["status"] == "added" and doc["models"]["new"]["mean"] == 1.0
    assert doc["models"]["old"]["status"] == "removed" and doc["models"]["old"]["mean"] == 0.5
    assert {"key": "model", "base": None, "head": "new"} in doc["models"]["new"]["config_changes"]
    comment = render_comment(doc)
    assert "🟠 mixed" in comment
    assert "| new | — | 1.000 |" in comment and "model added" in comment
    assert "| old | 0.500 | — |" in comment and "model removed" in comment
