"""End to end: a temp git repo with real commits, `prodbench diff --base` against each.

Commit 1 is the base benchmark; commit 2 edits prompts (modify, add, remove, and one
golden prompt); commit 3 changes one model's system prompt. Models are served by the
local OpenAI-compatible test server (tests/llm_server.py) through litellm; the repository
builders are the ``diff_kit`` fixture (tests/diff/conftest.py).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodbench.cli import cli
from prodbench.core.markdown import MARKER

pytestmark = pytest.mark.e2e

DIFFICULTIES = ["easy", "medium", "hard"]


@pytest.fixture(scope="module")
def server(diff_llm_server):
    return diff_llm_server


@pytest.fixture(scope="module")
def kit(diff_kit):
    return diff_kit


@pytest.fixture(scope="module")
def repo(tmp_path_factory, server, kit):
    """Three commits: base, prompt edits, system-prompt change."""
    record, git, write_jsonl = kit.record, kit.git, kit.write_jsonl
    root = tmp_path_factory.mktemp("diffrepo") / "bench"
    golden = [record(i, difficulty=DIFFICULTIES[i % 3]) for i in range(1, 31)]
    rotating = [record(i, task_type="reasoning", difficulty="medium") for i in range(31, 41)]
    kit.init_repo(root, server.api_base, golden, rotating)
    shas = [git(root, "rev-parse", "HEAD")]
    # commit 2: modify two rotating prompts, remove one, add three safety prompts, touch one golden prompt
    rotating2 = [r for r in rotating if r["id"] != "q-040"]
    rotating2[0]["messages"][0]["content"] += " Answer briefly."
    rotating2[1]["reference"] = ["code-32", "thirty-two"]
    rotating2 += [record(i, task_type="safety", difficulty="hard") for i in range(41, 44)]
    write_jsonl(root / "prompts" / "rotating" / kit.period / "slice.jsonl", rotating2)
    golden[0]["messages"][0]["content"] += " (reworded)"
    write_jsonl(root / "prompts" / "golden" / "core.jsonl", golden)
    shas.append(kit.commit(root, "edit prompts"))
    # commit 3: the support model gets a better system prompt
    kit.write_params(root, {"plain": kit.model_cfg(server.api_base),
                            "support": kit.model_cfg(server.api_base, "You are a CAREFUL support bot.")})
    shas.append(kit.commit(root, "support: careful system prompt"))
    return root, shas


def _diff(kit, root: Path, *args: str, key: bool = True):
    key_env = kit.key_env
    env = {key_env: "test-key"} if key else {}
    old = os.getcwd()
    os.chdir(root)
    saved = os.environ.pop(key_env, None)
    try:
        result = CliRunner().invoke(cli, ["diff", *args], env=env)
    finally:
        os.chdir(old)
        if saved is not None:
            os.environ[key_env] = saved
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    doc = json.loads((root / "reports" / "diff.json").read_text()) if result.exit_code in (0, 3) else None
    comment = (root / "reports" / "pr-comment.md").read_text() if doc else ""
    return result, doc, comment


def test_prompt_edits(repo, kit):
    root, shas = repo
    git = kit.git
    status_before = git(root, "status", "--porcelain")
    result, doc, comment = _diff(kit, root, "--base", shas[0], "--head", shas[1])
    assert result.exit_code == 0, result.output
    counts = doc["prompts"]["counts"]
    assert (counts["added"], counts["removed"], counts["modified"]) == (3, 1, 3)
    assert counts["unchanged"] == 40 - 1 - 3
    assert doc["prompts"]["golden_changes"] == [{"id": "q-001", "change": "modified", "set": "golden"}]
    # configs unchanged, so unchanged rows give identical cached responses: no effect at all
    for name in ("plain", "support"):
        overall = doc["models"][name]["overall"]
        assert overall["delta"] == 0 and overall["label"] == "within noise"
        assert overall["n"] == counts["unchanged"]
        assert doc["models"][name]["config_changes"] == []
        assert doc["models"][name]["unpaired"]["added"]["n"] == 3
    cells = {(c["task_type"], c["difficulty"]): c for c in doc["coverage"]["cells"]}
    assert cells[("safety", "hard")]["delta"] == 3
    assert cells[("reasoning", "medium")]["delta"] == -1
    assert doc["verdict"]["kind"] == "no significant change"
    assert comment.startswith(MARKER) and comment.count(MARKER) == 1
    assert "> [!WARNING]" in comment and "golden set changed" in comment
    assert "**3 modified**, **3 added**, **1 removed**" in comment
    assert "**0 → 3 (+3)**" in comment  # the coverage cell of the new safety prompts
    assert git(root, "status", "--porcelain") == status_before  # the user's tree is untouched
    assert git(root, "rev-parse", "HEAD") == shas[2]


def test_system_prompt_change_is_a_significant_improvement(repo, server, kit):
    root, shas = repo
    calls_before = server.total_calls
    summary = root.parent / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result, doc, comment = _diff(kit, root, "--base", shas[1], "--summary", str(summary))  # head = working tree
    assert result.exit_code == 0, result.output
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + comment + "\n"
    assert list((root / "reports" / "diff-plots").glob("*.png"))
    support, plain = doc["models"]["support"], doc["models"]["plain"]
    assert support["config_changes"] == [{"key": "system_prompt", "base": "You are a support bot.",
                                          "head": "You are a CAREFUL support bot."}]
    assert plain["config_changes"] == [] and plain["overall"]["label"] == "within noise"
    overall = support["overall"]
    # the fake model is wrong exactly when i % 3 == 0 without CAREFUL
    rows = [i for i in range(1, 44) if i != 40]
    expected_base = sum(1 for i in rows if i % 3 != 0) / len(rows)
    assert overall["base"] == pytest.approx(expected_base, abs=1e-6)
    assert overall["head"] == pytest.approx(1.0)
    assert overall["label"] == "significant improvement" and overall["p_value"] < 0.05
    assert support["rows"]["improved"] == sum(1 for i in rows if i % 3 == 0)
    assert support["rows"]["regressed"] == 0
    assert doc["verdict"]["kind"] == "improvement"
    assert doc["prompts"]["counts"]["modified"] == 0
    # only the support model's head rows were new calls: everything else came from the shared cache
    assert server.total_calls - calls_before == len(rows)
    assert re.search(r"Verdict: 🟢 significant improvement\*\* — support", comment)
    assert "| support | system\\_prompt | You are a support bot\\. | You are a CAREFUL support bot\\. |" in comment
    assert "```mermaid" in comment


def test_regression_fails_when_asked_and_cached_only_lists_missing_rows(repo, server, kit):
    root, shas = repo
    kit.write_params(root, {"plain": kit.model_cfg(server.api_base),
                            "support": kit.model_cfg(server.api_base, "You are a SLOPPY support bot.")})
    try:
        result, doc, comment = _diff(kit, root, "--base", shas[2], "--fail-on-regression")
        assert result.exit_code == 3, result.output
        assert doc["models"]["support"]["overall"]["label"] == "significant regression"
        assert "significant regression" in comment.splitlines()[3]
        # new prompt in the working tree, no API key: cached-only evaluates what it can and lists the rest
        extra = root / "prompts" / "rotating" / kit.period / "extra.jsonl"
        kit.write_jsonl(extra, [kit.record(99, task_type="safety", difficulty="hard")])
        calls_before = server.total_calls
        result, doc, comment = _diff(kit, root, "--base", shas[2], "--cached-only", key=False)
        assert result.exit_code == 0, result.output
        assert server.total_calls == calls_before
        assert doc["cached_only"] is True
        for name in ("plain", "support"):
            assert {"id": "q-099", "reason": "no cached response (cached-only run)"} in \
                doc["models"][name]["unevaluated"]["head"]
        assert doc["verdict"]["unevaluated"] == 2
        assert "> [!CAUTION]" in comment and "2 row(s) could not be evaluated" in comment
        assert "q\\-099" in comment
        # the PR workflow's mode: models whose key is missing fall back to the cache, and say why
        result, doc, _ = _diff(kit, root, "--base", shas[2], "--cached-only-without-keys", key=False)
        assert result.exit_code == 0, result.output
        assert server.total_calls == calls_before and doc["cached_only"] is True
        reasons = {item["id"]: item["reason"] for item in doc["models"]["support"]["unevaluated"]["head"]}
        assert kit.key_env in reasons["q-099"] and "cannot be called" in reasons["q-099"]
        assert doc["models"]["support"]["overall"]["n"] == 42
    finally:
        kit.write_params(root, {"plain": kit.model_cfg(server.api_base),
                                "support": kit.model_cfg(server.api_base, "You are a CAREFUL support bot.")})
        (root / "prompts" / "rotating" / kit.period / "extra.jsonl").unlink(missing_ok=True)


def test_unknown_revision_is_a_clear_error(repo, kit):
    root, _ = repo
    result, _, _ = _diff(kit, root, "--base", "no-such-branch")
    assert result.exit_code == 2
    assert "unknown git revision 'no-such-branch'" in result.output
    assert "Traceback" not in result.output
