"""Review operations and the spreadsheet round trip, through the CLI and the functions the page calls."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from prodbench.core.errors import UserError
from prodbench.core.params import load_params
from prodbench.core.project import Project

POOL = "prompts/pool/view.jsonl"


def rows(root: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (root / POOL).read_text().splitlines())}


def test_bulk_reject_is_prodbench_review_reject(view_project: Path, invoke: Callable) -> None:
    from prodbench.view.pool import decide_items

    project = Project(view_project)
    summary = decide_items(project, load_params(project), [(POOL, "pool-view-001"), (POOL, "pool-view-002")],
                           "rejected", "Dana")
    assert summary["rejected"] == 2
    left = rows(view_project)
    assert "pool-view-001" not in left and "pool-view-002" not in left
    assert b"invoice batch 1?" not in (view_project / POOL).read_bytes()  # the text is gone
    ledger = [json.loads(line) for line in (view_project / "prompts" / "pii.ledger").read_text().splitlines()]
    assert {e.get("tombstone") for e in ledger} >= {"pool-view-001", "pool-view-002"}
    result = invoke("validate", "prompts/pool")
    assert result.exit_code == 0, result.output


def test_an_edit_keeps_the_line_style_and_changes_one_line(view_project: Path) -> None:
    from prodbench.view.pool import edit_item

    project = Project(view_project)
    before = (view_project / POOL).read_bytes().splitlines()
    record, problems = edit_item(project, load_params(project), POOL, "pool-view-003",
                                 {"task_type": "fact_recall", "tags": ["view", "checked"]})
    assert problems == [] and record is not None
    after = (view_project / POOL).read_bytes().splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [2] and after[2].startswith(b'{"id": "pool-view-003", "messages": [{"role": "user"')
    saved = json.loads(after[2])
    assert saved["tags"] == ["view", "checked"] and "needs_attention" not in saved["review"]  # corrected: no flag


def test_invalid_edits_name_the_field_and_write_nothing(view_project: Path) -> None:
    from prodbench.view.pool import edit_item

    project = Project(view_project)
    before = (view_project / POOL).read_bytes()
    _, problems = edit_item(project, load_params(project), POOL, "pool-view-001",
                            {"difficulty": "impossible", "id": "new-id",
                             "messages": [{"role": "system", "content": "x"}, {"role": "assistant", "content": None}]})
    fields = {f for f, _ in problems}
    assert fields == {"difficulty", "id", "messages"}
    assert (view_project / POOL).read_bytes() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheet_round_trip(view_project: Path, invoke: Callable, fmt: str, tmp_path: Path) -> None:
    sheet = tmp_path / f"pool.{fmt}"
    result = invoke("view", "--pool-export", str(sheet), "--status", "pending", "--task-type", "fact_recall")
    assert result.exit_code == 0, result.output
    assert "wrote 6 pool items" in result.output
    header, data = _read(sheet)
    assert header[:4] == ["file", "id", "status", "decision"]
    by_id = {r["id"]: r for r in data}
    by_id["pool-view-001"]["decision"] = "approve"
    by_id["pool-view-003"]["decision"] = "reject"
    by_id["pool-view-005"]["difficulty"] = "hard"
    by_id["pool-view-005"]["text"] = "How do I merge two invoice batches in Ledgerly?"
    by_id["pool-view-007"]["reference"] = '["Open Settings", "Use the menu"]'
    _write(sheet, header, list(by_id.values()))
    result = invoke("view", "--pool-import", str(sheet))
    assert result.exit_code == 0, result.output
    assert "edited 2, approved 1, rejected 1" in result.output
    after = rows(view_project)
    assert after["pool-view-001"]["review"]["status"] == "approved"
    assert after["pool-view-001"]["review"]["reviewer"] == "Dana"
    assert "pool-view-003" not in after
    assert after["pool-view-005"]["difficulty"] == "hard"
    assert after["pool-view-005"]["messages"][0]["content"].startswith("How do I merge")
    assert after["pool-view-007"]["reference"] == ["Open Settings", "Use the menu"]
    assert after["pool-view-009"] == json.loads((view_project / POOL).read_text().splitlines()[7])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_errors_name_the_sheet_row_and_nothing_is_written(view_project: Path, invoke: Callable,
                                                                 fmt: str, tmp_path: Path) -> None:
    sheet = tmp_path / f"pool.{fmt}"
    assert invoke("view", "--pool-export", str(sheet), "--source", "production").exit_code == 0
    header, data = _read(sheet)
    data[0]["decision"] = "approve"  # fine alone, but the sheet has errors below: nothing is written
    data[2]["task_type"] = "poetry"
    data[4]["checks"] = "{not json"
    data[5]["text"] = "Write to jane.doe@gmail.com"
    data[6]["decision"] = "maybe"
    data[7]["id"] = "no-such-id"
    _write(sheet, header, data)
    before = (view_project / POOL).read_bytes()
    result = invoke("view", "--pool-import", str(sheet))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    where = (lambda n: f"pool.xlsx:pool:row {n}") if fmt == "xlsx" else (lambda n: f"pool.csv:{n}")
    assert any(line.startswith(f"{where(4)}: task_type: unknown task type 'poetry'") for line in lines), lines
    assert any(line.startswith(f"{where(6)}: checks: not a JSON object") for line in lines)
    assert any(line.startswith(f"{where(7)}: messages[0].content: personal data (EMAIL)") for line in lines)
    assert any(line.startswith(f"{where(8)}: decision: 'maybe'") for line in lines)
    assert any(line.startswith(f"{where(9)}: id: no pool item 'no-such-id'") for line in lines)
    assert "Traceback" not in result.output
    assert (view_project / POOL).read_bytes() == before


def test_exported_cells_are_text_never_formulas(view_project: Path, tmp_path: Path) -> None:
    from prodbench.view.pool import edit_item
    from prodbench.view.sheet import export_sheet, read_sheet

    project = Project(view_project)
    formula = "=HYPERLINK(\"https://evil.example\",\"x\")"
    assert edit_item(project, load_params(project), POOL, "pool-view-001",
                     {"messages": [{"role": "user", "content": formula}, {"role": "assistant", "content": None}]})[1] == []
    from prodbench.view.pool import load_pool

    items = [i for i in load_pool(project) if i.record["id"] == "pool-view-001"]
    text = export_sheet(items, "csv").decode()
    assert "'=HYPERLINK" in text
    assert read_sheet(text.encode(), "p.csv")[0][1]["text"] == formula
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export_sheet(items, "xlsx")))
    cell = book.active.cell(row=2, column=11)
    assert cell.value == formula and cell.data_type == "s"


def test_import_of_other_files_is_a_clear_error(view_project: Path, tmp_path: Path) -> None:
    from prodbench.view.sheet import import_sheet

    project = Project(view_project)
    with pytest.raises(UserError, match="import a .csv or .xlsx file"):
        import_sheet(project, load_params(project), b"x", "pool.txt", "Dana")
    with pytest.raises(UserError, match="not a readable .xlsx file"):
        import_sheet(project, load_params(project), b"not a zip", "pool.xlsx", "Dana")
    with pytest.raises(UserError, match="missing file, id"):
        import_sheet(project, load_params(project), b"a,b\n1,2\n", "pool.csv", "Dana")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if path.suffix == ".csv":
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        return list(reader.fieldnames or []), list(reader)
    from openpyxl import load_workbook

    values = list(load_workbook(path).active.iter_rows(values_only=True))
    header = [str(v) for v in values[0]]
    return header, [{h: "" if v is None else str(v) for h, v in zip(header, row, strict=False)} for row in values[1:]]


def _write(path: Path, header: list[str], data: list[dict[str, str]]) -> None:
    if path.suffix == ".csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
        path.write_text(out.getvalue(), encoding="utf-8")
        return
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "pool"
    sheet.append(header)
    for row in data:
        sheet.append([row[h] for h in header])
    book.save(path)
