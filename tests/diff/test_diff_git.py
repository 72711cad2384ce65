"""Revision loading (git archive into a temp dir) and id/content pairing."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from prodbench.core.errors import UserError
from prodbench.core.records import LoadedPrompt
from prodbench.diff.git import materialise, resolve
from prodbench.diff.pairing import pair_records


@pytest.fixture
def nested_repo(tmp_path, diff_kit):
    """A git repo whose prodbench project lives in a subdirectory."""
    top = tmp_path / "mono"
    project = top / "bench"
    (project / "prompts" / "golden").mkdir(parents=True)
    (project / "params.yaml").write_text("models: {}\n", encoding="utf-8")
    (project / "prompts" / "golden" / "a.jsonl").write_text('{"id": "a"}\n', encoding="utf-8")
    (top / "other.txt").write_text("not benchmark data", encoding="utf-8")
    os.symlink("/etc/passwd", project / "prompts" / "golden" / "link.jsonl")
    diff_kit.git(top, "init", "-q", "-b", "main")
    diff_kit.git(top, "add", "-A")
    diff_kit.git(top, "commit", "-q", "-m", "one")
    (project / "prompts" / "golden" / "a.jsonl").write_text('{"id": "a", "v": 2}\n', encoding="utf-8")
    return top, project


def test_materialise_subdirectory_project_without_touching_the_tree(nested_repo, tmp_path, diff_kit):
    top, project = nested_repo
    revision = materialise(project, "HEAD", tmp_path / "out")
    assert revision.sha == diff_kit.git(top, "rev-parse", "HEAD")
    assert (revision.root / "params.yaml").read_text() == "models: {}\n"
    assert (revision.root / "prompts" / "golden" / "a.jsonl").read_text() == '{"id": "a"}\n'
    assert not (revision.root / "other.txt").exists()
    assert not (revision.root / "prompts" / "golden" / "link.jsonl").exists()  # symlinks are not extracted
    # the working tree keeps its uncommitted edit
    assert "v" in json.loads((project / "prompts" / "golden" / "a.jsonl").read_text())
    assert diff_kit.git(top, "status", "--porcelain") == "M bench/prompts/golden/a.jsonl"


def test_revision_errors(nested_repo, tmp_path, diff_kit):
    top, project = nested_repo
    with pytest.raises(UserError, match="unknown git revision 'nope'"):
        resolve(project, "nope")
    with pytest.raises(UserError, match="invalid revision"):
        resolve(project, "--output=/tmp/x")
    empty_tree = subprocess.run(["git", "mktree"], cwd=top, input="", capture_output=True, text=True,
                                check=True).stdout.strip()
    bare = diff_kit.git(top, "commit-tree", empty_tree, "-m", "before prodbench")
    with pytest.raises(UserError, match="has no bench/params.yaml"):
        materialise(project, bare, tmp_path / "out2")
    not_git = tmp_path / "plain"
    not_git.mkdir()
    with pytest.raises(UserError):
        materialise(not_git, "HEAD", tmp_path / "out3")


def _rec(rid: str, text: str, set_name: str = "rotating") -> LoadedPrompt:
    return LoadedPrompt({"id": rid, "messages": [{"role": "user", "content": text}]}, set_name, "x.jsonl", 1)


def test_pairing_by_id_and_content():
    base = [_rec("same", "x"), _rec("edited", "old"), _rec("gone", "y"), _rec("g1", "golden", "golden"),
            _rec("promoted", "p")]
    head = [_rec("same", "x"), _rec("edited", "new"), _rec("new", "z"), _rec("g1", "golden!", "golden"),
            _rec("promoted", "p", "golden")]
    pairing = pair_records(base, head, golden_lock_changed=True)
    assert pairing.unchanged == ["promoted", "same"]
    assert pairing.modified == ["edited", "g1"]
    assert pairing.added == ["new"] and pairing.removed == ["gone"]
    assert pairing.moved == ["promoted"]
    assert {g["id"]: g["change"] for g in pairing.golden_changes} == {"g1": "modified",
                                                                      "promoted": "moved rotating -> golden"}
    assert pairing.golden_lock_changed
    assert pairing.counts() == {"unchanged": 2, "modified": 2, "added": 1, "removed": 1, "moved": 1}
