"""Bad input to ``prodbench anonymize --jsonl --jobs 2``: a located error, exit 1, no traceback,
and the earlier output file untouched (atomic), also when the bad line sits in a later chunk
while worker processes are busy with the chunks before it. Big inputs are generated here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import Result

from prodbench.data.anonymize import parallel as par

GOOD = b"".join(orjson.dumps({"id": f"r{i}", "text": f"Hi, I'm Jane Roe #{i}"}) + b"\n" for i in range(12))


@pytest.mark.parametrize(("bad", "expected"), [
    (b'{"id": "b", "text": "x\x00\x01\x02"}', ":13: binary data (NUL byte"),
    (b'{"id": "c", "text": "caf\xe9"}', ":13: not valid UTF-8 (byte 0xe9"),
    (b"[" * 5000 + b"]" * 5000, ":13: malformed JSON"),
    (b'{"a":' * 200 + b'"x"' + b"}" * 200, ":13: JSON nested deeper than 64 levels"),
])
def test_bad_line_in_a_later_chunk(project_dir: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
                                   bad: bytes, expected: str) -> None:
    monkeypatch.setattr(par, "CHUNK_ITEMS", 3)
    source = project_dir / "in.jsonl"
    source.write_bytes(GOOD + bad + b"\n" + GOOD)
    out = project_dir / "out.jsonl"
    out.write_text("previous result\n")
    result = invoke("anonymize", "--jsonl", str(source), "-o", str(out), "--jobs", "2")
    assert result.exit_code == 1, result.output
    assert f"{source}{expected}" in result.output and "Traceback" not in result.output
    assert out.read_text() == "previous result\n"
    assert [p.name for p in project_dir.iterdir() if p.name.startswith(".out.jsonl")] == []


def test_a_50_mb_single_line(project_dir: Path, invoke: Callable[..., Result]) -> None:
    source = project_dir / "big.jsonl"
    with source.open("wb") as handle:
        handle.write(GOOD)
        handle.write(b'{"id": "big", "text": "')
        for _ in range(50):
            handle.write(b"x" * (1024 * 1024))
        handle.write(b'"}\n')
    out = project_dir / "out.jsonl"
    out.write_text("previous result\n")
    result = invoke("anonymize", "--jsonl", str(source), "-o", str(out), "--jobs", "2")
    assert result.exit_code == 1 and f"{source}:13: line longer than 16 MB" in result.output, result.output
    assert out.read_text() == "previous result\n"
