"""`prodbench anonymize` streams files line by line, keeps structured fields and fails cleanly on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

LS, PS = "\u2028", "\u2029"


def test_jsonl_splits_on_newline_only_and_keeps_ids_and_origin_byte_identical(
        project_dir: Path, invoke: Callable[..., Result]) -> None:
    records = [
        {"id": "log-Jane_Roe-7", "messages": [{"role": "user", "content": f"I am Jane Roe{LS}call +44 20 7946 1234"}],
         "origin": {"log_id": "jane.roe@corp.io#81.2.69.160", "user_id": "Okafor"}, "n": 1.5},
        {"id": "b", "messages": [{"role": "user", "content": f"plain{PS}text, nothing personal"}]},
    ]
    src = project_dir / "in.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = project_dir / "out.jsonl"
    result = invoke("anonymize", "--jsonl", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    written = out.read_bytes().split(b"\n")
    assert len(written) == 3 and written[2] == b""  # two records, U+2028/U+2029 did not split them
    first = json.loads(written[0])
    assert first["id"] == "log-Jane_Roe-7" and first["origin"] == records[0]["origin"]
    assert first["messages"][0]["content"] == f"I am <PERSON_1>{LS}call <PHONE_1>"
    assert first["messages"][0]["role"] == "user" and first["n"] == 1.5
    assert written[1] == lines[1].encode()  # nothing found: the line is copied byte for byte

    again = project_dir / "again.jsonl"
    assert invoke("anonymize", "--jsonl", str(out), "-o", str(again)).exit_code == 0
    assert again.read_bytes() == out.read_bytes()  # a second run changes nothing


def test_keep_field_and_plain_text_streaming(project_dir: Path, invoke: Callable[..., Result]) -> None:
    src = project_dir / "in.jsonl"
    src.write_text(json.dumps({"id": "x", "author": "Jane Roe", "text": "Jane Roe wrote"}) + "\n")
    result = invoke("anonymize", "--jsonl", "--keep-field", "author", str(src))
    assert json.loads(result.output) == {"id": "x", "author": "Jane Roe", "text": "<PERSON_1> wrote"}

    notes = project_dir / "notes.txt"
    notes.write_text("Jane Roe called.\r\nLater Jane Roe wrote from jane@corp.io\nno newline at the end")
    result = invoke("anonymize", str(notes))
    assert result.exit_code == 0
    # one mapping for the whole file; line endings as they were
    assert result.stdout_bytes == (b"<PERSON_1> called.\r\nLater <PERSON_1> wrote from <EMAIL_1>\n"
                                   b"no newline at the end")
    result = invoke("anonymize", "--detect-only", str(notes))
    assert result.output.splitlines() == ["1:0-8: PERSON", "2:6-14: PERSON", "2:26-38: EMAIL"]


@pytest.mark.parametrize(("content", "expected"), [
    (b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "x\x00\x01\x02"}\n', "bad.jsonl:2: binary data"),
    (b'{"id": "a", "text": "ok"}\n\n{"id": "c", "text": "caf\xe9"}\n', "bad.jsonl:3: not valid UTF-8"),
    (b'{"id": "a"}\n' + b"[" * 5000 + b"]" * 5000 + b"\n", "bad.jsonl:2: malformed JSON"),
    (b'{"id": "a"}\n' + b'{"a":' * 200 + b'"x"' + b"}" * 200 + b"\n", "bad.jsonl:2: JSON nested deeper"),
    (b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "cut', "bad.jsonl:2: malformed JSON"),
])
def test_bad_input_is_a_located_error_and_the_old_output_survives(
        project_dir: Path, invoke: Callable[..., Result], content: bytes, expected: str) -> None:
    bad = project_dir / "bad.jsonl"
    bad.write_bytes(content)
    out = project_dir / "out.jsonl"
    out.write_text("previous result\n")
    result = invoke("anonymize", "--jsonl", str(bad), "-o", str(out))
    assert result.exit_code == 1 and expected in result.output, result.output
    assert out.read_text() == "previous result\n"  # atomic: the earlier output is not lost
    assert [p.name for p in project_dir.iterdir() if p.name.startswith(".out.jsonl")] == []  # no temp left


def test_a_50_mb_single_line_fails_fast_without_a_traceback(project_dir: Path) -> None:
    big = project_dir / "big.txt"
    with big.open("wb") as handle:
        handle.write(b"Jane Roe was here\n")
        for _ in range(50):
            handle.write(b"x" * (1024 * 1024))
    out = project_dir / "out.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run([sys.executable, "-m", "prodbench.cli", "anonymize", str(big), "-o", str(out)],
                         cwd=project_dir, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert f"{big}:2: line longer than 16 MB" in run.stderr + run.stdout
    assert "Traceback" not in run.stderr
    assert not out.exists()

    run = subprocess.run([sys.executable, "-m", "prodbench.cli", "anonymize", "--jsonl"],
                         cwd=project_dir, env=env, input="\x00\x01", capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "Traceback" not in run.stderr


def test_stdin_streams_to_stdout(project_dir: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("anonymize", "--jsonl", input='{"id": "1", "text": "mail jane@corp.io"}\n')
    assert result.exit_code == 0
    assert json.loads(result.output) == {"id": "1", "text": "mail <EMAIL_1>"}
