"""The diff document -> PR comment: escaping of untrusted text, size limit, malformed input."""

from __future__ import annotations

import copy
import json
import re

import pytest
from click.testing import CliRunner

from github_server import GitHubServer
from prodbench.cli import cli
from prodbench.core.errors import UserError
from prodbench.core.markdown import GITHUB_COMMENT_LIMIT, MARKER, mermaid_bars
from prodbench.diff.format import changed_span
from prodbench.diff.parse import parse_document
from prodbench.diff.render import build_sections, render_comment
from prodbench.diff.stage import DiffSettings, compute_diff, config_changes


def _outside_code(markdown: str) -> str:
    """The comment minus fenced code blocks (whose content GitHub renders literally)."""
    return re.sub(r"^(`{3,})[a-z]*\n.*?\n\1$", "", markdown, flags=re.DOTALL | re.MULTILINE)


def test_comment_content_and_injection_is_inert(make_diff_doc):
    doc = make_diff_doc()
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


def test_oversized_comment_drops_least_important_sections_first(make_diff_doc):
    doc = make_diff_doc(n=200, output="x" * 1500 + make_diff_doc.payload, top_rows=100, models=4)
    full = "\n\n".join(section.text for section in build_sections(parse_document(doc)))
    assert len(full) > GITHUB_COMMENT_LIMIT
    comment = render_comment(doc)
    assert len(comment) <= 60_000
    assert "Scores per model" in comment and "Verdict" in comment and "Reproduce locally" in comment
    assert "Omitted to stay under GitHub's comment size limit: row-level changes" in comment
    assert comment.count(MARKER) == 1


def test_malicious_document_fields_are_escaped_not_executed(make_diff_doc):
    doc = make_diff_doc(n=6)
    doc["base"] = {"label": "@admin <script>", "sha": "not-a-sha; rm -rf /"}
    doc["models"]["@ghost <b>"] = copy.deepcopy(doc["models"]["model-0"])
    comment = render_comment(doc)
    text = _outside_code(comment)
    assert not re.search(r"@[A-Za-z]", text) and "<script" not in text and "<b>" not in text
    assert "rm -rf" not in comment.split("Reproduce locally")[1]  # a non-hex sha is not interpolated
    # text where a number belongs is rejected (naming the field), never rendered
    for key, value in (("base", "@team ![x](http://e/x.png)"), ("p_value", "0.0")):
        evil = copy.deepcopy(doc)
        evil["models"]["@ghost <b>"]["overall"][key] = value
        with pytest.raises(UserError, match=re.escape(f'models["@ghost <b>"].overall.{key}: expected a number '
                                                      "or null, got a string")):
            render_comment(evil)


@pytest.mark.parametrize("bad", [[], {"models": []}, "text", {"models": {"m": {"overall": []}}, "prompts": 5}])
def test_malformed_documents(bad):
    with pytest.raises(UserError):  # odd types are rejected by the strict parser, not rendered
        render_comment(bad)


def _break(doc: dict, path: list, value=None, delete: bool = False) -> dict:
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(("path", "value", "delete", "message"), [
    (["verdict"], None, True, "malformed diff document: verdict is missing"),
    (["prompts"], 5, False, "malformed diff document: prompts: expected an object, got a number"),
    (["schema_version"], 2, False, "unsupported diff document: schema_version 2"),
    (["cached_only"], "yes", False, "cached_only: expected a boolean, got a string"),
    (["verdict", "unevaluated"], True, False, "verdict.unevaluated: expected an integer, got a boolean"),
    (["models", "model-0", "overall"], [], False, 'models["model-0"].overall: expected an object, got an array'),
    (["models", "model-0", "status"], "weird", False, 'models["model-0"].status: expected one of changed'),
    (["models", "model-0", "rows", "top_improved", 0, "prompt"], 5, False,
     'models["model-0"].rows.top_improved[0].prompt: expected a string or null, got a number'),
    (["models", "model-0", "usage", "head", "latency_s"], None, True,
     'models["model-0"].usage.head.latency_s is missing'),
    (["coverage", "newly_below_min"], [["safety"]], False,
     "coverage.newly_below_min[0]: expected a [task type, difficulty] pair, got an array"),
    (["models", "a\nb`"], 5, False, 'models["a\\nb`"]: expected an object, got a number'),
])
def test_document_errors_name_the_field(make_diff_doc, path, value, delete, message):
    doc = make_diff_doc(n=6)
    parse_document(doc)  # the document compute_diff writes is valid
    with pytest.raises(UserError) as info:
        parse_document(_break(doc, path, value, delete))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_parsed_document_is_typed(make_diff_doc):
    doc = make_diff_doc(n=10)
    parsed = parse_document(json.loads(json.dumps(doc)))
    model = parsed.models["model-0"]
    assert model.status == "changed" and model.overall is not None
    assert model.overall.label == doc["models"]["model-0"]["overall"]["label"]
    assert [c.key for c in model.config_changes] == [c["key"] for c in doc["models"]["model-0"]["config_changes"]]
    assert parsed.coverage.newly_below_min == [tuple(c) for c in doc["coverage"]["newly_below_min"]]
    assert render_comment(parsed) == render_comment(doc)


def test_usage_uses_the_run_rows_latency(make_diff_doc):
    records = [make_diff_doc.prompt(i) for i in range(4)]
    data = make_diff_doc.revision("main", "d" * 40, make_diff_doc.params, records)
    evaluation = make_diff_doc.evaluation(records, "m", {r.id: 1.0 for r in records}, "ok", {"model": "x"})
    for row, latency in zip(evaluation.runs.values(), (1.0, 2.0, 3.0, 4.0), strict=True):
        row["latency_s"] = latency  # as build_run_row sums it over the turns
    doc = compute_diff(data, data, {"m": evaluation}, {"m": evaluation}, DiffSettings(resamples=200))
    assert doc["models"]["m"]["usage"]["head"]["latency_s"] == {"p50": 2.5, "p90": 3.7}


def test_comment_from_untrusted_diff_json(tmp_path, make_diff_doc):
    path = tmp_path / "diff.json"
    path.write_text(json.dumps(make_diff_doc(n=10)), encoding="utf-8")
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
    (tmp_path / "odd.json").write_text(json.dumps({**make_diff_doc(n=4), "verdict": {"kind": 1}}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["comment", "--repo", "octo/bench", "--pr", "3", "--diff-json",
                                      str(tmp_path / "odd.json"), "--dry-run"])
    assert result.exit_code == 1 and "verdict.kind: expected a string, got a number" in result.output
    assert "Traceback" not in result.output


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


def test_other_params_changes_are_shown(make_diff_doc):
    records = [make_diff_doc.prompt(i) for i in range(4)]
    head_params = {**make_diff_doc.params, "score": {"pass_threshold": 0.9}}
    base = make_diff_doc.revision("main", "b" * 40, make_diff_doc.params, records)
    head = make_diff_doc.revision("pr", None, head_params, records)
    evals = {"m": make_diff_doc.evaluation(records, "m", {r.id: 1.0 for r in records}, "ok", {"model": "x"})}
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


def test_added_and_removed_models_and_mixed_verdict(make_diff_doc):
    records = [make_diff_doc.prompt(i) for i in range(40)]
    base = make_diff_doc.revision("main", "c" * 40, make_diff_doc.params, records)
    head = make_diff_doc.revision("pr", None, make_diff_doc.params, records)
    evaluate = make_diff_doc.evaluation
    half = {r.id: float(i % 2) for i, r in enumerate(records)}
    ones = {r.id: 1.0 for r in records}
    zeros = {r.id: 0.0 for r in records}
    base_evals = {"up": evaluate(records, "up", half, "a", {"model": "x"}),
                  "down": evaluate(records, "down", half, "a", {"model": "x"}),
                  "old": evaluate(records, "old", half, "a", {"model": "old"})}
    head_evals = {"up": evaluate(records, "up", ones, "b", {"model": "x"}),
                  "down": evaluate(records, "down", zeros, "b", {"model": "x"}),
                  "new": evaluate(records, "new", ones, "b", {"model": "new"})}
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
