"""`prodbench anonymize` command and the optional Presidio engine's error path."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from prodbench.core.errors import UserError
from prodbench.data.anonymize import detect


def test_text_jsonl_and_detect_only(project_dir: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("anonymize", "--text", "I'm Jane Roe, mail jane.roe@corp.io or support@ledgerly.example")
    assert result.exit_code == 0
    assert result.output == "I'm <PERSON_1>, mail <EMAIL_1> or support@ledgerly.example"  # allowlisted

    src = project_dir / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "Call +44 20 7946 1234, ask Ms. Okafor"}) + "\n"
                   + json.dumps({"id": "b", "text": "Nothing here"}) + "\n")
    out = project_dir / "out.jsonl"
    result = invoke("anonymize", "--jsonl", str(src), "-o", str(out))
    assert result.exit_code == 0 and "PHONE 1" in result.output and "PERSON 1" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["text"] == "Call <PHONE_1>, ask Ms. <PERSON_1>" and rows[1]["text"] == "Nothing here"  # title kept

    result = invoke("anonymize", "--detect-only", "--text", "ip 81.2.69.160")
    assert result.output.strip() == "1:3-14: IP_ADDRESS"
    assert "81.2" not in result.output.replace("1:3-14", "")

    bad = project_dir / "bad.jsonl"
    bad.write_text("{oops\n")
    result = invoke("anonymize", "--jsonl", str(bad))
    assert result.exit_code == 1 and "bad.jsonl:1" in result.output


@pytest.mark.skipif(importlib.util.find_spec("presidio_analyzer") is not None, reason="presidio installed")
def test_presidio_engine_without_the_package_is_a_clear_user_error() -> None:
    with pytest.raises(UserError, match="presidio"):
        detect("Jane Roe", engine="presidio")
    with pytest.raises(UserError, match="unknown anonymize engine"):
        detect("Jane Roe", engine="spacy")
