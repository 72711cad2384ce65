"""Spreadsheet round trip of the pool: export the filtered items to CSV/XLSX, import decisions and edits.

One row per pool item. ``file``, ``id``, ``status``, ``source``, ``confidence`` and
``needs_attention`` are for reading; a reviewer fills in ``decision`` (``approve``, ``reject``
or blank) and may edit ``task_type``, ``difficulty``, ``tags`` (comma-separated), ``text`` (the
last user message), ``reference`` (text, or a JSON list of acceptable answers) and ``checks``
(a JSON object). An import checks every row first, through the same validation as
``prodbench validate``; when any row is wrong nothing is written and every problem is reported
as ``pool.xlsx:pool:row 12: field: reason`` (CSV: ``pool.csv:12: field: reason``, the line).

Cells are written as text, never formulas: XLSX cells are typed as strings, and a CSV cell that
a spreadsheet would read as a formula (starting with ``= + - @``, tab or CR) or that starts with
``'`` gets a leading ``'``, which the import removes again.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from prodbench.core.errors import Problem, UserError
from prodbench.core.project import Project
from prodbench.view.pool import PoolItem, check_record, decide_items, edited, load_pool, rewrite, status_of

COLUMNS = ("file", "id", "status", "decision", "task_type", "difficulty", "source", "confidence",
           "needs_attention", "tags", "text", "reference", "checks")
DECISION_WORDS = {"approve": "approved", "approved": "approved", "reject": "rejected", "rejected": "rejected"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def _last_user(record: dict[str, Any]) -> int | None:
    messages = record.get("messages") or []
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "user" and isinstance(messages[index].get("content"), str):
            return index
    return None


def row_of(item: PoolItem) -> dict[str, str]:
    """The spreadsheet row of a pool item (every cell a string)."""
    r = item.record
    user = _last_user(r)
    reference = r.get("reference")
    return {
        "file": item.label, "id": str(r.get("id")), "status": status_of(r), "decision": "",
        "task_type": str(r.get("task_type") or ""), "difficulty": str(r.get("difficulty") or ""),
        "source": str(r.get("source") or ""),
        "confidence": str(((r.get("origin") or {}).get("tagger") or {}).get("confidence", "")),
        "needs_attention": ", ".join((r.get("review") or {}).get("needs_attention") or []),
        "tags": ", ".join(r.get("tags") or []),
        "text": "" if user is None else r["messages"][user]["content"],
        "reference": "" if reference is None else reference if isinstance(reference, str)
        else json.dumps(reference, ensure_ascii=False),
        "checks": json.dumps(r["checks"], ensure_ascii=False, sort_keys=True) if r.get("checks") else "",
    }


def _csv_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def export_sheet(items: list[PoolItem], fmt: str) -> bytes:
    """The items as a CSV (UTF-8) or XLSX file."""
    rows = [row_of(item) for item in items]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: _csv_cell(v) for k, v in row.items()} for row in rows)
        return out.getvalue().encode("utf-8")
    if fmt != "xlsx":
        raise UserError(f"format: {fmt!r} is not csv or xlsx", exit_code=2)
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    sheet.title = "pool"
    sheet.append(list(COLUMNS))
    for number, row in enumerate(rows, start=2):
        for column, key in enumerate(COLUMNS, start=1):
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", row[key])
            cell = sheet.cell(row=number, column=column)
            cell.value = value
            cell.data_type = "s"  # text, never a formula
    sheet.freeze_panes = "A2"
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return out_bytes.getvalue()


def read_sheet(data: bytes, name: str) -> list[tuple[str, dict[str, str]]]:
    """``(location label, row)`` for each data row of a CSV or XLSX file named ``name``."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise UserError(f"{name}: not a readable .xlsx file ({exc})") from None
        sheet = book.worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        header = [str(v or "").strip() for v in (values[0] if values else ())]
        rows = []
        for number, cells in enumerate(values[1:], start=2):
            row = {h: "" if v is None else str(v) for h, v in zip(header, cells, strict=False) if h}
            if any(row.values()):
                rows.append((f"{name}:{sheet.title}:row {number}", row))
        _check_header(name, header)
        return rows
    if not name.lower().endswith(".csv"):
        raise UserError(f"{name}: import a .csv or .xlsx file", exit_code=2)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{name}: not UTF-8; save the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    _check_header(name, list(reader.fieldnames or []))
    rows = []
    start = reader.line_num + 1
    for row in reader:
        cleaned = {k: (v[1:] if v.startswith("'") else v) for k, v in row.items() if k and isinstance(v, str)}
        if any(cleaned.values()):
            rows.append((f"{name}:{start}", cleaned))
        start = reader.line_num + 1
    return rows


def _check_header(name: str, header: list[str]) -> None:
    missing = [c for c in ("file", "id") if c not in header]
    if missing:
        raise UserError(f"{name}: the first row must name the columns; missing {', '.join(missing)}")


def _changes(item: PoolItem, row: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The record changes a row asks for (cells equal to the export are no change)."""
    before = row_of(item)
    changes: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key in ("task_type", "difficulty"):
        if key in row and row[key].strip() != before[key]:
            changes[key] = row[key].strip()
    if "tags" in row and row["tags"].strip() != before["tags"]:
        changes["tags"] = [t.strip() for t in row["tags"].split(",") if t.strip()] or None
    if "text" in row and row["text"] != before["text"]:
        user = _last_user(item.record)
        if user is None:
            problems.append(("text", "this record has no user message to edit"))
        else:
            messages = [dict(m) for m in item.record["messages"]]
            messages[user]["content"] = row["text"]
            changes["messages"] = messages
    if "reference" in row and row["reference"] != before["reference"]:
        value = row["reference"]
        if value.strip().startswith("["):
            try:
                changes["reference"] = json.loads(value)
            except json.JSONDecodeError as exc:
                problems.append(("reference", f"starts with '[' but is not a JSON list ({exc.msg})"))
        else:
            changes["reference"] = value or None
    if "checks" in row and row["checks"].strip() != before["checks"]:
        try:
            changes["checks"] = json.loads(row["checks"]) if row["checks"].strip() else None
        except json.JSONDecodeError as exc:
            problems.append(("checks", f"not a JSON object ({exc.msg} at column {exc.colno})"))
    return changes, problems


def import_sheet(project: Project, params: dict[str, Any], data: bytes, name: str,
                 reviewer: str | None) -> dict[str, Any]:
    """Apply a filled-in spreadsheet to the pool: all rows valid, or nothing written.

    Returns:
        ``{"edited": n, "approved": n, "rejected": n}``.

    Raises:
        UserError: Every problem, one per line (``pool.xlsx:pool:row 12: field: reason``).
    """
    items = {(item.label, str(item.record.get("id"))): item for item in load_pool(project)}
    problems: list[Problem] = []
    edits: dict[Path, dict[str, dict[str, Any] | None]] = {}
    decisions: dict[str, list[tuple[str, str]]] = {"approved": [], "rejected": []}
    for where, row in read_sheet(data, name):
        key = (row.get("file", "").strip(), row.get("id", "").strip())
        item = items.get(key)
        if item is None:
            problems.append(Problem(where, 0, "id", f"no pool item {key[1]!r} in {key[0] or '(no file)'!r}"))
            continue
        decision = row.get("decision", "").strip().lower()
        if decision and decision not in DECISION_WORDS:
            problems.append(Problem(where, 0, "decision", f"{decision!r}: write approve, reject or leave it empty"))
        changes, found = _changes(item, row)
        record = item.record
        if changes:
            record, more = edited(item.record, changes)
            found += more
        if not found and (changes or decision):
            check = {**record, "review": {"status": "approved", "reviewer": reviewer or "-", "date": "2000-01-01"}} \
                if DECISION_WORDS.get(decision) == "approved" else record
            found += check_record(project, params, item.label, check)
        problems += [Problem(where, 0, field, message) for field, message in found]
        if changes and not found:
            edits.setdefault(item.path, {})[key[1]] = record
        if decision in DECISION_WORDS:
            decisions[DECISION_WORDS[decision]].append(key)
    if problems:
        raise UserError(f"{name}: nothing imported; fix the rows above and import again", problems)
    if (decisions["approved"] or decisions["rejected"]) and not reviewer:
        raise UserError("who is reviewing? pass --reviewer NAME (or set PRODBENCH_REVIEWER)", exit_code=2)
    counts = {"edited": sum(len(rewrite(path, changes)) for path, changes in edits.items()),
              "approved": 0, "rejected": 0}
    for status, targets in decisions.items():
        if targets:
            counts[status] = decide_items(project, params, targets, status, reviewer)[status]
    return counts


__all__ = ["COLUMNS", "export_sheet", "import_sheet", "read_sheet", "row_of"]
