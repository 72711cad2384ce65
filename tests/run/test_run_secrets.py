"""Secrets by value: a key stored under an innocuous name never reaches any file prodbench writes.

The provider (the local test server) echoes the key in its error message and a model echoes it
in its answer; the key is longer than the 500-character error cut would need to straddle it.
Every file under the project is then searched for the key and for its first 12 characters.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from llm_server import LLMServer
from prodbench.core.secrets import redact, redact_obj, register_config, secret_values

KEY = "zq9Xk2LmPp4Rt7Vw8Yb3Nc6Dh1Fj5Gs0Q"  # no provider shape: only its value identifies it
INNOCUOUS = "LLM_ACCESS_VALUE"


def _all_bytes(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and "schemas" not in p.parts}


def test_key_under_innocuous_name_is_masked_in_results_and_cache(tmp_path, fake_model, make_project,
                                                                          prompt, subprocess_env):
    def responder(body):
        text = str(body["messages"][-1]["content"])
        if "fail" in text:  # a provider error that echoes the key, placed across character 500
            raise RuntimeError("x" * 480 + f" invalid api key {KEY} for this project")
        return f"the key is {KEY}"  # a model that repeats what it saw

    with LLMServer(responder=responder) as server:
        model = fake_model(server.api_base, api_key_env=INNOCUOUS)
        records = [prompt(1), prompt(2, messages=[{"role": "user", "content": "please fail"}])]
        root = make_project(tmp_path / "proj", {"m": model}, records, run={"max_retries": 0})
        env = subprocess_env(root)
        env[INNOCUOUS] = KEY
        proc = subprocess.run([sys.executable, "-m", "prodbench.cli", "run"], cwd=root, env=env,
                              capture_output=True, timeout=180)
        assert b"Traceback" not in proc.stderr, proc.stderr.decode()
        assert KEY[:12].encode() not in proc.stdout + proc.stderr
    files = _all_bytes(root)
    results = root / "results" / "run" / "m.jsonl"
    assert results in files and b"***" in files[results]
    assert any(p.parent.name == "m" and p.suffix == ".jsonl" for p in files)  # the cache was written
    leaks = [str(p) for p, data in files.items() if KEY[:12].encode() in data]
    assert leaks == []


def test_redaction_happens_before_truncation_and_covers_router_refs(monkeypatch):
    from prodbench.llm.retry import error_record

    monkeypatch.setenv("ROUTER_THING", "r0uterVal-1234567890abcdef")
    monkeypatch.setenv(INNOCUOUS, KEY)
    register_config({"api_key_env": INNOCUOUS,
                     "router": {"model_list": [{"litellm_params": {"api_key": "os.environ/ROUTER_THING"}}]}})
    assert KEY in secret_values() and "r0uterVal-1234567890abcdef" in secret_values()
    message = "y" * 490 + KEY
    record = error_record(RuntimeError(message))
    assert KEY[:8] not in record["message"]
    assert redact("token r0uterVal-1234567890abcdef and ghp_" + "a" * 30) == "token *** and ***"
    row = {"id": "a", "turns": [{"content": f"echo {KEY}"}], "n": 3}
    assert redact_obj(row) == {"id": "a", "turns": [{"content": "echo ***"}], "n": 3}
    clean = {"id": "a", "turns": [{"content": "fine"}]}
    assert redact_obj(clean) is clean
