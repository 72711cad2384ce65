"""`prodbench ingest` reads every log shape people have: one real file per shape, every user turn kept.

Table-driven: each row is a log file written into tmp_path (JSONL, a pretty-printed JSON array, CSV,
gzip) and the user turns it must give, in order. One real CLI ingest reads them all; then each
file's pool records are checked turn by turn (count, order, text), and the per-format counts in
the report. The readers are also checked one by one without the pipeline, so a failure names the shape.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result

from prodbench.core.params import edit_params
from prodbench.core.project import Project
from prodbench.data.logs import iter_log, shape_messages


def jl(*rows: object) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


@dataclass
class Case:
    name: str              # file name (its suffix picks the file reader)
    data: bytes            # the file's bytes
    turns: list[list[str]]  # per record, in file order: the user turns (each a substring of its user message)
    fmt: str               # the format the report counts it under
    context: str = ""      # tool context that must be kept in the first user turn
    lines: tuple[int, ...] = ()  # the line each record starts at (when it matters: CSV, JSON arrays)


TOOL_CALL = {"id": "call_1", "type": "function",
             "function": {"name": "get_invoice", "arguments": "{\"number\": 1043}"}}

CASES = [
    Case("openai_parts.jsonl", jl({"id": "op-1", "messages": [
        {"role": "developer", "content": "You are the billing assistant."},
        {"role": "user", "content": [{"type": "text", "text": "What does this chart of late payments show?"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
        {"role": "assistant", "content": [{"type": "text", "text": "It shows rising late payments."}]},
        {"role": "user", "content": [{"type": "text", "text": "Which quarter had the steepest rise?"}]}]}),
        [["What does this chart of late payments show?", "Which quarter had the steepest rise?"]], "openai"),
    Case("openai_tools.jsonl", jl({"request_id": "ot-1", "messages": [
        {"role": "system", "content": "Use the tools."},
        {"role": "user", "content": "Is invoice 1043 paid already or still open?"},
        {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": "{\"status\": \"open\", \"due\": \"2026-11-30\"}"},
        {"role": "assistant", "content": "It is still open, due on 30 November."},
        {"role": "user", "content": "Then send a reminder to the customer about the overdue amount."}]}),
        [["Is invoice 1043 paid already", "send a reminder to the customer"]], "openai",
        context="[tool call] get_invoice"),
    Case("request_response.jsonl", jl({"request": {"model": "gpt-4o-mini", "messages": [
        {"role": "user", "content": "Explain the difference between a credit note and a refund."}]},
        "response": {"choices": [{"message": {"role": "assistant", "content": "A credit note ..."}}]}}),
        [["difference between a credit note and a refund"]], "request_response"),
    Case("batch_input.jsonl", jl({"custom_id": "req-7", "method": "POST", "url": "/v1/chat/completions",
                                  "body": {"model": "gpt-4o", "messages": [
                                      {"role": "user", "content": "List three ways to shorten our payment terms."}]}}),
         [["three ways to shorten our payment terms"]], "batch_input"),
    Case("responses.jsonl", jl(
        {"instructions": "Be concise.", "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "How many seats does the Team plan include?"}]},
            {"type": "function_call", "call_id": "fc1", "name": "plan_info", "arguments": "{\"plan\": \"team\"}"},
            {"type": "function_call_output", "call_id": "fc1", "output": "{\"seats\": 10}"}],
         "output": [{"type": "message", "role": "assistant",
                     "content": [{"type": "output_text", "text": "Ten seats."}]}]},
        {"instructions": "Be concise.", "input": "Can I pay the yearly subscription by bank transfer?"}),
        [["How many seats does the Team plan include?"], ["pay the yearly subscription by bank transfer"]],
        "responses", context="[tool call] plan_info"),
    Case("anthropic.jsonl", jl({"id": "an-1", "system": [{"type": "text", "text": "You help with invoices."}],
                                "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Find my unpaid invoices from March."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Let me search."},
                                          {"type": "tool_use", "id": "tu1", "name": "search_invoices",
                                           "input": {"month": "2026-03", "status": "unpaid"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "tu1",
                                      "content": [{"type": "text", "text": "2 invoices: 1043, 1051"}]}]},
        {"role": "assistant", "content": [{"type": "text", "text": "You have two unpaid invoices."}]},
        {"role": "user", "content": [{"type": "text", "text": "Add a late fee of five percent to both of them."}]}]}),
        [["Find my unpaid invoices from March.", "late fee of five percent"]], "anthropic",
        context="[tool result] 2 invoices: 1043, 1051"),
    Case("sharegpt.jsonl", jl({"id": "sg-1", "conversations": [
        {"from": "system", "value": "You are helpful."},
        {"from": "human", "value": "Write a short poem about autumn bookkeeping."},
        {"from": "gpt", "value": "Leaves fall, ledgers close..."},
        {"from": "human", "value": "Now translate the poem into French."},
        {"from": "gpt", "value": "Les feuilles tombent..."}]}),
        [["poem about autumn bookkeeping", "translate the poem into French"]], "sharegpt"),
    Case("trace.jsonl", jl({"trace_id": "tr-9", "name": "chat", "input": {"messages": [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "Why was my card declined when paying the annual plan?"}]},
        "output": {"role": "assistant", "content": "Card declines usually ..."}}),
        [["Why was my card declined"]], "trace"),
    Case("turns.jsonl", jl({"question_id": 81, "turns": [
        "Compose a travel blog post about a recent trip to Hawaii.",
        "Rewrite your previous response so that every sentence starts with the letter A."]}),
        [["travel blog post about a recent trip", "every sentence starts with the letter A"]], "turns"),
    Case("prompt_response.jsonl", jl({"uid": "u-55", "prompt": "Draft an apology email for a double charge.",
                                      "response": "Dear customer, ..."}),
         [["apology email for a double charge"]], "prompt_response"),
    Case("conversation.jsonl", jl({"conversation_id": "cv-3", "turns": [
        {"speaker": "customer", "text": "My export to CSV has broken umlauts in the names column."},
        {"speaker": "agent", "text": "Which program opens the file?"},
        {"speaker": "customer", "text": "Excel on Windows, the German version from last year."}]}),
        [["export to CSV has broken umlauts", "Excel on Windows"]], "conversation"),
    Case("cjk.jsonl", jl({"id": "zh-1", "messages": [{"role": "user", "content": "请用三句话解释什么是增值税发票。"}]},
                         {"id": "ja-1", "messages": [{"role": "user", "content": "請求書の支払期限を延長する方法を教えてください。"}]}),
         [["请用三句话解释什么是增值税发票"], ["請求書の支払期限を延長する方法"]], "openai"),
    Case("chat_array.json", json.dumps([
        {"id": "ar-1", "messages": [{"role": "user", "content": "Summarise our refund policy in two lines."}]},
        {"id": "ar-2", "messages": [{"role": "user", "content": "What is the cheapest plan with API access?"}]},
    ], indent=2).encode(), [["refund policy in two lines"], ["cheapest plan with API access"]], "openai",
         lines=(2, 11)),
    Case("prompts.csv", b'id,question,answer\nq-1,"How do I merge two customer accounts,\nkeeping both histories?",ok\n'
         b'q-2,Which currencies can one invoice be issued in?,many\n',
         [["merge two customer accounts,\nkeeping both histories"], ["Which currencies can one invoice"]],
         "prompt_response", lines=(2, 4)),
    Case("sharegpt_export.jsonl.gz", gzip.compress(jl({"id": "gz-1", "conversations": [
        {"from": "human", "value": "Give me a regular expression for German VAT numbers."},
        {"from": "gpt", "value": "DE[0-9]{9}"}]})), [["regular expression for German VAT numbers"]], "sharegpt"),
]


def user_turns(messages: list[dict]) -> list[str]:
    return [m["content"] for m in messages if m["role"] == "user"]


def check_turns(case: Case, records: list[list[str]]) -> None:
    assert len(records) == len(case.turns), f"{case.name}: {len(records)} record(s), expected {len(case.turns)}"
    for got, expected in zip(records, case.turns, strict=True):
        assert len(got) == len(expected), f"{case.name}: user turns {got!r}, expected {expected!r}"
        for text, want in zip(got, expected, strict=True):
            assert want in text, f"{case.name}: {want!r} not in user turn {text!r}"
    if case.context:
        assert case.context in records[0][0], f"{case.name}: tool context {case.context!r} lost: {records[0][0]!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_reader_gives_every_user_turn_in_order(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.data)
    items = list(iter_log(path))
    bad = [i for i in items if isinstance(i, tuple)]
    assert not bad, f"{case.name}: {bad}"
    assert {i.fmt for i in items} == {case.fmt}  # type: ignore[union-attr]
    check_turns(case, [user_turns(shape_messages(i.messages)) for i in items])  # type: ignore[union-attr]
    if case.lines:
        assert tuple(i.line for i in items) == case.lines  # type: ignore[union-attr]


def test_one_ingest_of_every_shape_keeps_every_user_turn(empty_project: Path, tmp_path: Path,
                                                          read_jsonl: Callable[..., list],
                                                          invoke: Callable[..., Result]) -> None:
    for case in CASES:
        (tmp_path / case.name).write_bytes(case.data)
    result = invoke("ingest", *(str(tmp_path / c.name) for c in CASES))
    assert result.exit_code == 0, result.output
    report = json.loads((empty_project / "reports" / "ingest.json").read_text())
    assert report["malformed"] == 0 and report["dropped_total"] == 0, report
    expected_formats: dict[str, int] = {}
    for case in CASES:
        expected_formats[case.fmt] = expected_formats.get(case.fmt, 0) + len(case.turns)
    assert report["formats"] == expected_formats
    assert report["dropped_parts"] == {"image": 1}
    pool = read_jsonl(empty_project / "prompts" / "pool" / "production.jsonl")
    for case in CASES:
        records = [r for r in pool if r["origin"]["log_file"] == case.name]
        check_turns(case, [user_turns(r["messages"]) for r in records])
        for record in records:  # every user turn is answered by the model: no user turn became an assistant one
            roles = [m["role"] for m in record["messages"]]
            assert roles == ["user" if i % 2 == 0 else "assistant" for i in range(len(roles))], (case.name, roles)
            assert all(m["content"] is None for m in record["messages"] if m["role"] == "assistant")
    by_id = {r["origin"]["log_id"]: r for r in pool}
    assert {"req-7", "u-55", "tr-9", "ot-1", "81"} <= set(by_id)  # custom_id, uid, trace_id, request_id, question_id
    assert by_id["op-1"]["origin"]["dropped_parts"] == {"image": 1}
    assert "formats: " in result.output and "non-text parts dropped: image 1" in result.output
    assert invoke("validate").exit_code == 0


def test_field_mapping_for_any_other_shape(empty_project: Path, tmp_path: Path, read_jsonl: Callable[..., list],
                                           invoke: Callable[..., Result]) -> None:
    log = tmp_path / "custom.jsonl"
    log.write_bytes(jl({"meta": {"uid": "m-1"}, "data": {"chat": [
        {"role": "user", "content": "How do I reopen a closed accounting period?"},
        {"role": "assistant", "content": "Go to ..."},
        {"role": "user", "content": "And who is allowed to do that in a team?"}]}},
        {"meta": {"uid": "m-2"}, "data": {}}))
    result = invoke("ingest", str(log), "--map", "messages=data.chat,id=meta.uid")
    assert result.exit_code == 0, result.output
    assert "custom.jsonl:2: --map messages=data.chat: no such field" in result.output
    (row,) = read_jsonl(empty_project / "prompts" / "pool" / "production.jsonl")
    assert row["origin"]["log_id"] == "m-1" and row["origin"]["format"] == "mapped"
    assert len(user_turns(row["messages"])) == 2
    bad = invoke("ingest", str(log), "--map", "question=data.q")
    assert bad.exit_code == 2 and "'question' is not a mapping target; use messages, prompt, turns" in bad.output
    # the same mapping from params.yaml ingest.map (a wrong target there is a params error at its line)
    with edit_params(Project(empty_project)) as tree:
        tree["ingest"]["map"] = {"prompt": "data.chat.2.content", "id": "meta.uid"}
    other = tmp_path / "other.jsonl"
    other.write_bytes(jl({"meta": {"uid": "m-3"}, "data": {"chat": [{}, {}, {"content": "Can two people "
                                                                          "approve one expense claim?"}]}}))
    assert invoke("ingest", str(other)).exit_code == 0
    assert read_jsonl(empty_project / "prompts" / "pool" / "production.jsonl")[-1]["origin"]["log_id"] == "m-3"
    with edit_params(Project(empty_project)) as tree:
        tree["ingest"]["map"] = {"question": "q"}
    wrong = invoke("ingest", str(other))
    assert wrong.exit_code != 0 and "params.yaml:" in wrong.output and "ingest.map" in wrong.output
    unknown = invoke("ingest", str(log), "--format", "parquet")
    assert unknown.exit_code == 2 and "'parquet' is not one of 'auto', 'csv', 'anthropic'" in unknown.output


def test_bad_lines_are_reported_and_a_file_with_nothing_usable_fails(empty_project: Path, tmp_path: Path,
                                                                     invoke: Callable[..., Result]) -> None:
    good = tmp_path / "good.jsonl"
    good.write_bytes(jl({"id": "g1", "prompt": "How can I change the due date of a recurring invoice?"})
                     + b"{broken\n" + jl({"id": "g3", "messages": [{"role": "wizard", "content": "x"}]}))
    result = invoke("ingest", str(good))
    assert result.exit_code == 0, result.output
    assert f"{good}:2: malformed JSON" in result.output
    assert f"{good}:3: messages[1] has an unknown role" not in result.output
    assert f"{good}:3: messages[0] has an unknown role" in result.output
    outputs = tmp_path / "batch_output.jsonl"
    outputs.write_bytes(jl({"id": "batch_req_1", "custom_id": "r1", "response": {"status_code": 200, "body": {}}},
                           {"id": "batch_req_2", "custom_id": "r2", "response": {"status_code": 200, "body": {}}}))
    shapeless = tmp_path / "unknown.jsonl"
    shapeless.write_bytes(jl({"payload": {"q": "hello"}}))
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"[]\n")
    result = invoke("ingest", str(outputs), str(shapeless), str(empty))
    assert result.exit_code == 1
    assert f"{outputs}:1: no usable log entry in 2 record(s); first problem: a Batch API output line holds only " \
           "the reply" in result.output
    assert f"{shapeless}:1: no usable log entry in 1 record(s); first problem: cannot tell the log format " \
           "(top-level keys: payload); use --format or --map" in result.output
    assert f"{empty}:1: no usable log entry in 0 record(s)" in result.output
    assert "3 log file(s) yielded nothing usable" in result.output and "Traceback" not in result.output
    report = json.loads((empty_project / "reports" / "ingest.json").read_text())
    assert [u["file"] for u in report["unusable"]] == [str(outputs), str(shapeless), str(empty)]
    # not remembered as read: the next run fails the same way until the log (or --format/--map) is fixed
    assert invoke("ingest", str(shapeless)).exit_code == 1
    assert invoke("ingest", str(shapeless), "--map", "prompt=payload.q").exit_code == 0


def test_an_unknown_shape_names_only_field_like_keys(tmp_path: Path) -> None:
    log = tmp_path / "odd.jsonl"
    log.write_bytes(jl({"jane.doe@example.com": {"q": "hi"}, "Jane Doe": 1, "payload": {}}))
    ((line, reason),) = list(iter_log(log))
    assert line == 1 and reason == "cannot tell the log format (top-level keys: payload (+2 more)); " \
                                   "use --format or --map"
