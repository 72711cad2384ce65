"""``prodbench view`` in a real browser (headless Chromium): results, review, diff, the static export."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def open_view(driver: Any, server: Any, web: Any, tab: str = "results") -> None:
    driver.get(server.url + ("" if tab == "results" else "#" + tab))
    web.ready(driver, tab)


def test_results_show_every_model_side_by_side_and_payloads_stay_text(driver: Any, view_project: Path,
                                                                      serve: Callable, web: Any, payload: str) -> None:
    server = serve(view_project)
    open_view(driver, server, web)
    assert "token=" not in driver.current_url  # the token left the address bar for a cookie
    total = driver.execute_script("return document.querySelectorAll('#r-list article.row').length")
    assert total == 25  # one page
    web.set_value(driver, "r-search", "<img src=x")
    rows = driver.find_elements("css selector", "#r-list article.row")
    assert len(rows) == 3  # the changed and the added prompt hold the payload, one prompt's answers do
    rows = [r for r in rows if "onerror" in r.find_element("css selector", ".answer").text]
    assert len(rows) == 1
    answers = rows[0].find_elements("css selector", ".answer")
    assert [a.find_element("css selector", "strong").text for a in answers] == ["alpha", "beta"]
    assert payload.split("<script>")[0].strip() in answers[0].text  # shown as text
    rows[0].find_element("css selector", "details.scorers summary").click()
    web.wait_for(lambda: "onerror" in rows[0].find_element("css selector", ".rationale").text, what="rationale")
    assert "latency" in answers[0].find_element("css selector", ".meta").text
    web.assert_inert(driver)
    web.screenshot(driver, "view-results")
    # filters: model, outcome and score range give what the score rows say
    scores = [json.loads(line) for line in (view_project / "results" / "scores.jsonl").read_text().splitlines()]
    web.set_value(driver, "r-search", "")
    web.set_value(driver, "r-model", "beta")
    web.set_value(driver, "r-outcome", "fail")
    web.set_value(driver, "r-min", "0.2")
    expected = sum(1 for s in scores if s["model"] == "beta" and not s["passed"] and s["score"] >= 0.2)
    assert driver.find_element("id", "r-count").text.startswith(f"{expected} of ")
    assert len(driver.find_elements("css selector", "#r-list article.row:first-of-type .answer")) == 1


def test_multi_turn_prompts_are_shown_turn_by_turn(driver: Any, view_project: Path, serve: Callable, web: Any) -> None:
    server = serve(view_project)
    open_view(driver, server, web)
    web.set_value(driver, "r-task", "multi_turn")
    row = driver.find_element("css selector", "#r-list article.row")
    blocks = row.find_elements("css selector", ":scope > .msg, :scope > .answers")
    kinds = [b.get_attribute("class").split()[0] for b in blocks]
    assert kinds.count("answers") >= 2 and kinds[0] == "msg"
    assert "(turn 1)" in blocks[kinds.index("answers")].text


def test_review_filter_then_bulk_approve_changes_only_those_lines(driver: Any, view_project: Path,
                                                                  serve: Callable, web: Any) -> None:
    pool = view_project / "prompts" / "pool" / "view.jsonl"
    before = pool.read_bytes().splitlines()
    server = serve(view_project)
    open_view(driver, server, web, "review")
    web.set_value(driver, "v-task", "fact_recall")
    web.set_value(driver, "v-search", "invoice batch")
    shown = [e.get_attribute("data-id") for e in driver.find_elements("css selector", "#v-list article.item")]
    assert shown and driver.find_element("id", "v-count").text.startswith(f"{len(shown)} of ")
    web.screenshot(driver, "view-review")
    driver.find_element("id", "v-approve-all").click()
    web.wait_for(lambda: "approved" in driver.find_element("id", "status").text, what="approve answer")
    after = pool.read_bytes().splitlines()
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        record = json.loads(new)
        if record["id"] in shown:
            assert record["review"]["status"] == "approved" and record["review"]["reviewer"] == "Dana"
            assert {k: v for k, v in record.items() if k != "review"} == \
                {k: v for k, v in json.loads(old).items() if k != "review"}
        else:
            assert new == old  # byte-identical
    # the page reloaded the pool: pending filter now hides them
    web.wait_for(lambda: driver.find_element("id", "v-count").text.startswith("0 of "), what="refreshed list")


def test_an_edit_that_fails_validation_shows_the_error_at_the_field(driver: Any, view_project: Path,
                                                                    serve: Callable, web: Any) -> None:
    pool = view_project / "prompts" / "pool" / "view.jsonl"
    before = pool.read_bytes()
    server = serve(view_project)
    open_view(driver, server, web, "review")
    body = driver.find_element("tag name", "body")
    body.send_keys("j")  # keyboard: second item
    body.send_keys("e")  # keyboard: edit it
    form = web.wait_for(lambda: driver.find_element("css selector", "#v-list article.current form"), what="edit form")
    text = form.find_element("css selector", "textarea[name=message-0]")
    text.clear()
    text.send_keys("Mail the invoice to jane.doe@gmail.com please")
    form.find_element("css selector", "button.save").click()
    error = web.wait_for(lambda: form.find_element("id", "err-messages-0").text, what="field error")
    assert "personal data (EMAIL)" in error
    web.screenshot(driver, "view-review-edit-error")
    assert pool.read_bytes() == before  # nothing written
    text.clear()
    text.send_keys("How do I re-send invoice batch 2 in Ledgerly?")
    form.find_element("css selector", "textarea[name=reference]").send_keys("Open the batch and press Resend.")
    form.find_element("css selector", "button.save").click()
    web.wait_for(lambda: driver.find_element("id", "status").text.startswith("saved "), what="saved")
    changed = [(a, b) for a, b in zip(before.splitlines(), pool.read_bytes().splitlines(), strict=True) if a != b]
    assert len(changed) == 1  # a minimal diff: one line
    record = json.loads(changed[0][1])
    assert record["messages"][0]["content"].startswith("How do I re-send")
    assert record["reference"] == "Open the batch and press Resend."


def test_diff_view_shows_the_summary_text_diff_and_row_changes(driver: Any, view_project: Path,
                                                               serve: Callable, web: Any) -> None:
    server = serve(view_project)
    open_view(driver, server, web, "diff")
    summary = driver.find_element("id", "d-summary").text
    assert summary.startswith("Verdict:") and "base main" in summary
    assert "changed 1 · added 1 · removed 1" in driver.find_element("id", "d-counts").text
    added_lines = driver.find_elements("css selector", "#d-prompts .prompt-diff .add")
    assert any("<img src=x" in e.text for e in added_lines)  # the changed text, as text
    assert driver.find_elements("css selector", "#d-prompts .prompt-diff .del")  # the removed prompt
    assert driver.find_elements("css selector", "#d-rows tr[data-id]")
    web.assert_inert(driver)
    web.screenshot(driver, "view-diff")


def test_static_export_is_one_read_only_file_that_renders_offline(driver: Any, view_project: Path,
                                                                  invoke: Callable, tmp_path: Path, web: Any) -> None:
    result = invoke("view", "--export", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    files = list((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["prodbench-view.html"]
    html = files[0].read_text(encoding="utf-8")
    assert "<img src=x" not in html and "src=\"http" not in html and "href=\"http" not in html
    driver.get(files[0].as_uri())
    web.ready(driver, "results")
    assert driver.find_elements("css selector", "#tabbtn-review") == []  # read-only
    web.set_value(driver, "r-search", "<img src=x")
    assert len(driver.find_elements("css selector", "#r-list article.row")) == 3
    web.assert_inert(driver)
    driver.get(files[0].as_uri() + "#diff")
    web.ready(driver, "diff")
    assert driver.find_elements("css selector", "#d-prompts .prompt-diff .add")
    web.assert_inert(driver)


def test_reject_needs_a_second_click_and_removes_the_text(driver: Any, view_project: Path, serve: Callable,
                                                          web: Any) -> None:
    pool = view_project / "prompts" / "pool" / "view.jsonl"
    server = serve(view_project)
    open_view(driver, server, web, "review")
    web.set_value(driver, "v-search", "invoice batch 5 in")
    button = driver.find_element("css selector", "#v-list article.item button.reject")
    button.click()
    assert b"invoice batch 5 in" in pool.read_bytes()  # armed only
    button.click()
    web.wait_for(lambda: driver.find_element("id", "status").text.startswith("rejected 1"), what="rejected")
    assert b"invoice batch 5 in" not in pool.read_bytes()
    ledger = (view_project / "prompts" / "pii.ledger").read_text()
    assert '"tombstone": "pool-view-005"' in ledger.replace('":"', '": "')
