"""Every validation rule: good fixtures pass, each bad input gets its own file:line message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prodbench.core.errors import Problem
from prodbench.core.project import Project
from prodbench.validate import rules, stage


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory: pytest.TempPathFactory, make_project, no_extra_rules_env: dict[str, str]) -> dict:
    """Run `prodbench validate --format json` once on all bad fixtures (subprocess)."""
    root = make_project(tmp_path_factory.mktemp("bad") / "project", "bad")
    env = no_extra_rules_env
    text = subprocess.run([sys.executable, "-m", "prodbench.cli", "validate"], cwd=root, env=env,
                          capture_output=True, text=True)
    as_json = subprocess.run([sys.executable, "-m", "prodbench.cli", "validate", "--format", "json"], cwd=root,
                             env=env, capture_output=True, text=True)
    return {"root": root, "text": text, "json": as_json, "report": json.loads(as_json.stdout)}


@pytest.mark.usefixtures("builtin_rules_only")
def test_good_fixtures_pass(tmp_path: Path, make_project) -> None:
    root = make_project(tmp_path / "project", "good", rotation="2026Q4")
    report = stage.validate_paths(Project(root), _params(root))
    assert report.problems == []
    assert report.ok
    assert report.records == 9
    assert {f.set_name for f in report.files} == {"golden", "rotating", "pool"}


def test_each_bad_input_has_its_own_located_message(bad_run: dict, expected_problem: dict) -> None:
    expected = expected_problem  # one entry of fixtures/validate/bad/expected.json (see conftest)
    problems = bad_run["report"]["problems"]
    matches = [p for p in problems if p["file"] == expected["file"] and p["line"] == expected["line"]
               and p["field"] == expected["field"] and expected["message"] in p["message"]]
    assert matches, f"no problem like {expected} in:\n" + "\n".join(map(str, problems))
    field = f" {expected['field']}:" if expected["field"] else ""
    assert f"{expected['file']}:{expected['line']}:{field} " in bad_run["text"].stdout


def test_bad_run_reports_all_problems_at_once_and_nothing_else(bad_run: dict, expected_problems: list) -> None:
    problems = bad_run["report"]["problems"]
    assert len(problems) == len(expected_problems), "\n".join(map(str, problems))
    assert bad_run["text"].returncode == 1
    assert bad_run["json"].returncode == 1
    assert "Traceback" not in bad_run["text"].stderr + bad_run["text"].stdout
    assert bad_run["report"]["ok"] is False
    assert bad_run["text"].stdout.strip().splitlines()[-1].endswith(f"{len(expected_problems)} problem(s)")


def test_records_after_a_bad_line_are_still_checked(bad_run: dict) -> None:
    files = {f["file"]: f for f in bad_run["report"]["files"]}
    assert files["prompts/golden/malformed_json.jsonl"]["records"] == 2  # lines 1 and 3 parsed
    assert files["prompts/golden/malformed_json.jsonl"]["problems"] == 1


def test_json_report_is_deterministic(bad_run: dict, tmp_path: Path, no_extra_rules_env: dict[str, str]) -> None:
    env = no_extra_rules_env
    out = tmp_path / "validation.json"
    result = subprocess.run([sys.executable, "-m", "prodbench.cli", "validate", "--format", "json", "--output", str(out)],
                            cwd=bad_run["root"], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert out.read_text(encoding="utf-8") == bad_run["json"].stdout
    problems = bad_run["report"]["problems"]
    keys = [(p["file"], p["line"], p["field"], p["message"]) for p in problems]
    assert keys == sorted(keys)
    assert list(bad_run["report"]) == sorted(bad_run["report"])


@pytest.mark.usefixtures("builtin_rules_only")
def test_paths_argument_limits_the_run(bad_run: dict) -> None:
    root = bad_run["root"]
    report = stage.validate_paths(Project(root), _params(root), [root / "prompts/golden/taxonomy.jsonl"])
    assert [p.line for p in report.problems] == [1, 2]
    assert {p.file for p in report.problems} == {"prompts/golden/taxonomy.jsonl"}


@pytest.mark.usefixtures("builtin_rules_only")
def test_record_rule_hook_is_called_with_context(tmp_path: Path, monkeypatch, make_project) -> None:
    root = make_project(tmp_path / "project", "good", rotation="2026Q4")
    seen = []

    def no_questions(record, ctx):
        seen.append((ctx.file, ctx.set_name, ctx.scope))
        if "Question" in record["messages"][0]["content"]:
            return [("messages[0].content", "custom rule says no")]
        return ()

    def project_rule(run):
        assert run.full_scan
        return [Problem("prompts/golden.lock", 0, "", f"{len(run.files)} files seen")]

    monkeypatch.setattr(rules, "EXTRA_RECORD_RULES", [no_questions])
    monkeypatch.setattr(rules, "EXTRA_PROJECT_RULES", [project_rule])
    report = stage.validate_paths(Project(root), _params(root))
    assert ("prompts/rotating/2026Q4/slice.jsonl", "rotating", "rotating/2026Q4") in seen
    assert len(seen) == 9
    custom = [p for p in report.problems if p.message == "custom rule says no"]
    assert {(p.file, p.line) for p in custom} >= {("prompts/golden/fact_recall.jsonl", 1), ("prompts/pool/pool.jsonl", 2)}
    assert Problem("prompts/golden.lock", 0, "", "4 files seen") in report.problems


def test_rule_modules_missing_are_skipped_but_broken_ones_raise(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rules, "_loaded_rule_modules", set())
    monkeypatch.delenv("PRODBENCH_VALIDATE_RULE_MODULES", raising=False)
    monkeypatch.setattr(rules, "RULE_MODULES", ["prodbench.no_such_module_xyz"])
    rules.load_rule_modules()  # a module that does not exist is skipped
    (tmp_path / "validate_test_broken_rules.py").write_text("import no_such_dependency_xyz\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(rules, "RULE_MODULES", ["validate_test_broken_rules"])
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency_xyz"):
        rules.load_rule_modules()  # a module that exists but fails to import is an error


def test_usage_errors_exit_2(tmp_path: Path, make_project, no_extra_rules_env: dict[str, str]) -> None:
    root = make_project(tmp_path / "project", "good")
    env = no_extra_rules_env
    missing = subprocess.run([sys.executable, "-m", "prodbench.cli", "validate", "prompts/nope.jsonl"], cwd=root, env=env,
                             capture_output=True, text=True)
    assert missing.returncode == 2
    assert "nope.jsonl" in missing.stderr
    bad_format = subprocess.run([sys.executable, "-m", "prodbench.cli", "validate", "--format", "xml"], cwd=root, env=env,
                                capture_output=True, text=True)
    assert bad_format.returncode == 2
    outside = subprocess.run([sys.executable, "-m", "prodbench.cli", "validate"], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert outside.returncode == 2
    assert "params.yaml" in outside.stderr
    for result in (missing, bad_format, outside):
        assert "Traceback" not in result.stderr


def test_clean_run_exits_0(tmp_path: Path, make_project, no_extra_rules_env: dict[str, str]) -> None:
    root = make_project(tmp_path / "project", "good", rotation="2026Q4")
    env = no_extra_rules_env
    result = subprocess.run([sys.executable, "-m", "prodbench.cli", "validate"], cwd=root, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "9 records in 4 files: no problems"


def _params(root: Path) -> dict:
    from prodbench.core.params import load_params

    return load_params(Project(root))


@pytest.mark.usefixtures("builtin_rules_only")
def test_parallel_workers_find_the_same_problems(bad_run: dict, expected_problems: list, monkeypatch) -> None:
    root = bad_run["root"]
    params = _params(root)
    monkeypatch.setattr(stage, "BATCH_LINES", 2)  # many batches, several in flight
    sequential = stage.validate_paths(Project(root), params, jobs=1)
    parallel = stage.validate_paths(Project(root), params, jobs=2)
    assert parallel.sorted_problems() == sequential.sorted_problems()
    assert len(sequential.problems) == len(expected_problems)
    assert [(f.file, f.records, f.problems) for f in parallel.files] == [
        (f.file, f.records, f.problems) for f in sequential.files]


def _install_code_flagging_rule(monkeypatch) -> list[str]:
    """Make a slow-rule stand-in the only extra rule; returns the ids it is called for."""
    calls: list[str] = []

    def flag_code(record, ctx):
        calls.append(record["id"])
        return [("messages", "mentions a code")] if "BLUE-42" in str(record["messages"]) else ()

    monkeypatch.setattr(rules, "RULE_MODULES", [])
    monkeypatch.setattr(rules, "EXTRA_RECORD_RULES", [flag_code])
    monkeypatch.setattr(rules, "EXTRA_PROJECT_RULES", [])
    return calls


def test_extra_rule_verdicts_are_cached_per_line(tmp_path: Path, monkeypatch, make_project) -> None:
    root = make_project(tmp_path / "project", "good", rotation="2026Q4")
    calls = _install_code_flagging_rule(monkeypatch)
    first = stage.validate_paths(Project(root), _params(root))
    assert len(calls) == 9 and len(first.problems) == 1
    assert list((root / "cache" / "validate").glob("extra-rules-*.bin"))
    calls.clear()
    second = stage.validate_paths(Project(root), _params(root))
    assert calls == ["good-003"]  # only the line with a finding is re-checked
    assert second.sorted_problems() == first.sorted_problems()
    calls.clear()
    stage.validate_paths(Project(root), _params(root), use_cache=False)
    assert len(calls) == 9
    calls.clear()
    params = _params(root)
    params["validate"]["pii_allowlist"].append("changed.example")  # other params: new fingerprint
    stage.validate_paths(Project(root), params)
    assert len(calls) == 9


def test_unchanged_clean_files_skip_the_extra_rules_but_edits_do_not(tmp_path: Path, monkeypatch, make_project) -> None:
    root = make_project(tmp_path / "project", "good", rotation="2026Q4")
    calls = _install_code_flagging_rule(monkeypatch)
    files = sorted((root / "prompts").rglob("*.jsonl"))
    past = 1_000_000_000  # seconds since the epoch: far from "just modified"
    for path in files:
        os.utime(path, (past, past))
    stage.validate_paths(Project(root), _params(root))
    calls.clear()
    stage.validate_paths(Project(root), _params(root))
    assert calls == ["good-003"]  # clean files are skipped whole; only the file with a finding is read
    calls.clear()
    # A fresh edit (new mtime) is always checked again, line by line.
    clean_file = next(p for p in files if "BLUE-42" not in p.read_text())
    clean_file.write_text(clean_file.read_text().replace("?", " BLUE-42?", 1))
    third = stage.validate_paths(Project(root), _params(root))
    assert any(p.file.endswith(clean_file.name) and "mentions a code" in p.message for p in third.problems)
    # A file modified moments ago is never remembered as clean (same-tick edits keep mtime).
    clean_file.write_text(clean_file.read_text().replace(" BLUE-42?", "?", 1))
    stage.validate_paths(Project(root), _params(root))
    import orjson

    (remembered,) = (root / "cache" / "validate").glob("extra-rules-*.files.json")
    clean_files = orjson.loads(remembered.read_bytes())
    assert not any(label.endswith(clean_file.name) for label in clean_files)
    assert len(clean_files) >= 1  # the untouched clean files are still remembered


@pytest.mark.usefixtures("builtin_rules_only")
def test_coverage_share_typos_in_params_are_located(tmp_path: Path, make_project) -> None:
    root = make_project(tmp_path / "project", "good", rotation="2026Q4")
    params_path = root / "params.yaml"
    text = params_path.read_text(encoding="utf-8")
    text = text.replace("    reasoning: 0.2\n", "    reasonig: 0.2\n", 1).replace("    hard: 0.2\n", "    hard: 0.3\n", 1)
    params_path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    report = stage.validate_paths(Project(root), _params(root))
    found = {(p.field, p.line): p.message for p in report.problems}
    typo_line = lines.index("    reasonig: 0.2") + 1
    assert "did you mean 'reasoning'" in found[("coverage.task_type_share.reasonig", typo_line)]
    share_line = lines.index("  difficulty_share:") + 1
    assert found[("coverage.difficulty_share", share_line)] == "shares sum to 1.1, not 1"
    assert all(p.file == "params.yaml" for p in report.problems)


def test_rules_register_once_through_the_public_face(monkeypatch) -> None:
    import prodbench.validate as public

    monkeypatch.setattr(rules, "EXTRA_RECORD_RULES", [])
    monkeypatch.setattr(rules, "EXTRA_PROJECT_RULES", [])

    def record_rule(record, ctx):
        return ()

    def project_rule(run):
        return ()

    for _ in range(2):  # a module imported twice (or reloaded) must not run its rule twice
        public.register_record_rule(record_rule)
        public.register_project_rule(project_rule)
    assert list(rules.EXTRA_RECORD_RULES) == [record_rule]
    assert list(rules.EXTRA_PROJECT_RULES) == [project_rule]
    assert all(hasattr(public, name) for name in public.__all__)
