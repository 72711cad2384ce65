"""The verdict cache's fingerprint covers the code the extra rules run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import prodbench
from prodbench.data.anonymize.gate import rule_pii
from prodbench.validate.cache import _fingerprint, rule_source_files

PARAMS = {"taxonomy": {"task_types": {"a": "A"}, "difficulties": ["easy"]}}


def test_the_pii_gate_brings_its_whole_folder_and_nothing_of_validate() -> None:
    files = rule_source_files([rule_pii])
    anonymize = Path(prodbench.__file__).resolve().parent / "data" / "anonymize"
    assert anonymize / "gate.py" in files
    assert anonymize / "lexicon.py" in files  # detectors and word lists decide the verdicts
    assert all(anonymize in path.parents for path in files)
    assert not any("__pycache__" in path.parts for path in files)


def test_a_rule_outside_prodbench_brings_only_its_module() -> None:
    def local_rule(record, ctx):
        return ()

    assert rule_source_files([local_rule]) == {Path(__file__).resolve()}


def test_editing_a_file_beside_a_rule_changes_the_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "fakebench"
    (root / "stage").mkdir(parents=True)
    (root / "__init__.py").write_text("", encoding="utf-8")
    (root / "stage" / "rule.py").write_text("def rule(record, ctx):\n    return ()\n", encoding="utf-8")
    (root / "stage" / "words.txt").write_text("alpha\n", encoding="utf-8")
    (root / "elsewhere.py").write_text("", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("fakebench_stage_rule", root / "stage" / "rule.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "fakebench_stage_rule", module)
    monkeypatch.setattr(prodbench, "__file__", str(root / "__init__.py"))  # the package root
    assert rule_source_files([module.rule]) == {root / "stage" / "rule.py", root / "stage" / "words.txt"}
    before = _fingerprint(PARAMS, [module.rule])
    assert _fingerprint(PARAMS, [module.rule]) == before
    (root / "elsewhere.py").write_text("x = 1\n", encoding="utf-8")  # outside the rule's folder
    assert _fingerprint(PARAMS, [module.rule]) == before
    (root / "stage" / "words.txt").write_text("alpha\nbeta\n", encoding="utf-8")
    assert _fingerprint(PARAMS, [module.rule]) != before
    assert _fingerprint({**PARAMS, "validate": {"pii_allowlist": ["x"]}}, [module.rule]) != _fingerprint(PARAMS, [module.rule])
