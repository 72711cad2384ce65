"""Inputs of ``prodbench correlate``: metric declarations, the production file, the join.

Production metrics file (CSV or JSONL, path in ``production.metrics_file``): one row per
launched version, optionally split by time window and by segment.

=========== =========================================================================
column      meaning
=========== =========================================================================
``version`` required; matches ``--version`` of ``prodbench launch record``
``model``   optional; when present launches are matched on (model, version)
``window``  optional; several windows of one version are averaged (mean)
``segment`` optional; a task type name (matched to that task type's benchmark slice)
            or empty / ``all`` for all traffic
other       one column per metric declared in ``production.metrics`` of params.yaml
=========== =========================================================================

Missing values (empty, ``NA``, ``null``) drop only the pairs they occur in.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodbench.core.errors import Problem, UserError
from prodbench.core.fsutil import parse_jsonl_objects

KEY_COLUMNS = ("version", "model", "window", "segment")
OVERALL_SEGMENTS = {"", "all", "overall", "*", "total"}
MISSING = {"", "na", "n/a", "nan", "null", "none", "-"}
DIRECTIONS = ("higher_is_better", "lower_is_better")
KINDS = ("rate", "count", "score")


@dataclass(frozen=True)
class MetricDecl:
    """A production metric declared in params.yaml.

    Attributes:
        name: Column name in the production file.
        direction: ``higher_is_better`` or ``lower_is_better``.
        kind: ``rate``, ``count`` or ``score``.
        description: Free text shown in the report.
    """

    name: str
    direction: str
    kind: str = "score"
    description: str = ""

    @property
    def sign(self) -> int:
        """+1 for higher-is-better, -1 for lower-is-better (applied before correlating)."""
        return 1 if self.direction == "higher_is_better" else -1


@dataclass
class Production:
    """Aggregated production metrics.

    Attributes:
        by_model: Whether rows carry a ``model`` column (join on model and version).
        values: ``{(model or None, version): {segment or None: {metric: mean}}}``.
        windows: Number of distinct windows per launch key (1 when no window column).
        rows: Number of data rows read.
        segments: Segment names seen (other than all traffic).
        warnings: Non-fatal observations (e.g. rate values outside [0, 1]).
    """

    by_model: bool
    values: dict[tuple[str | None, str], dict[str | None, dict[str, float]]]
    windows: dict[tuple[str | None, str], int]
    rows: int
    segments: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


def metric_decls(production: dict[str, Any], label: str, line_of: Any = None) -> list[MetricDecl]:
    """Read and check ``production.metrics`` from params.

    Args:
        production: The ``production`` section of params.
        label: Params file label for problems (``params.yaml``).
        line_of: Optional callable ``(path list) -> line`` for located problems.

    Raises:
        UserError: No metrics declared, or a bad direction/kind (located).
    """
    line = line_of or (lambda _path: 0)
    metrics = production.get("metrics") or {}
    if not metrics:
        raise UserError(
            "",
            [Problem(label, line(["production", "metrics"]), "production.metrics",
                     "no production metrics declared; add one entry per metric column, e.g. "
                     "`satisfaction: {direction: higher_is_better, kind: rate}`")],
        )
    problems: list[Problem] = []
    decls: list[MetricDecl] = []
    for name, spec in metrics.items():
        spec = spec or {}
        where = ["production", "metrics", name]
        direction = spec.get("direction")
        kind = spec.get("kind", "score")
        if direction not in DIRECTIONS:
            problems.append(Problem(label, line([*where, "direction"]), f"production.metrics.{name}.direction",
                                    f"{direction!r} is not a direction; use one of {', '.join(DIRECTIONS)}"))
        if kind not in KINDS:
            problems.append(Problem(label, line([*where, "kind"]), f"production.metrics.{name}.kind",
                                    f"{kind!r} is not a kind; use one of {', '.join(KINDS)}"))
        if name in KEY_COLUMNS:
            problems.append(Problem(label, line(where), f"production.metrics.{name}",
                                    f"{name!r} is a key column of the production file, not a metric"))
        decls.append(MetricDecl(str(name), str(direction), str(kind), str(spec.get("description", ""))))
    if problems:
        raise UserError(f"{len(problems)} problem(s) in the production metric declarations", problems)
    return decls


def _read_rows(path: Path, label: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """Read CSV (header row) or JSONL rows with their line numbers."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError("", [Problem(label, 0, "", f"cannot read: {exc.strerror}")]) from None
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        rows, problems = parse_jsonl_objects(raw, label)
        columns: list[str] = []
        for _, row in rows:
            columns.extend(k for k in row if k not in columns)
        if problems:
            raise UserError(f"{len(problems)} problem(s) in the production metrics file", problems)
        return columns, rows
    if suffix not in (".csv", ".tsv"):
        raise UserError("", [Problem(label, 0, "", "unsupported file type; use .csv, .tsv or .jsonl")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError("", [Problem(label, 0, "", f"not UTF-8: {exc}")]) from None
    reader = csv.DictReader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
    columns = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    rows = []
    for row in reader:
        if None in row:
            raise UserError("", [Problem(label, reader.line_num, "", "more values than header columns")])
        if all(v is None or not str(v).strip() for v in row.values()):
            continue
        rows.append((reader.line_num, row))
    return columns, rows


def _number(value: Any) -> float | None | str:
    """Parse a metric cell: float, None for missing, or the string 'bad'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip()
    if text.lower() in MISSING:
        return None
    try:
        number = float(text.replace("_", ""))
    except ValueError:
        return "bad"
    return number if math.isfinite(number) else "bad"


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_production(
    path: Path,
    label: str,
    decls: list[MetricDecl],
    ignore_columns: list[str] | None = None,
    params_label: str = "params.yaml",
    line_of: Any = None,
) -> Production:
    """Read, check and aggregate the production metrics file.

    Windows of the same (launch, segment) are averaged; missing cells are skipped.

    Raises:
        UserError: Missing file, no ``version`` column, a declared metric without a
            column, an undeclared column, or a non-numeric value (all located).
    """
    line = line_of or (lambda _path: 0)
    if not path.is_file():
        raise UserError(
            "",
            [Problem(label, 0, "", "production metrics file not found; export one row per launched version "
                     "(columns: version[, model, window, segment], one column per metric) or set "
                     "production.metrics_file in params.yaml")],
        )
    columns, rows = _read_rows(path, label)
    problems: list[Problem] = []
    if "version" not in columns:
        problems.append(Problem(label, 1, "version", f"required column missing (columns: {', '.join(columns) or 'none'})"))
    for decl in decls:
        if decl.name not in columns:
            problems.append(Problem(params_label, line(["production", "metrics", decl.name]),
                                    f"production.metrics.{decl.name}",
                                    f"declared metric has no column in {label} (columns: {', '.join(columns) or 'none'})"))
    declared = {d.name for d in decls}
    ignored = set(ignore_columns or [])
    for column in columns:
        if column not in declared and column not in KEY_COLUMNS and column not in ignored:
            problems.append(Problem(label, 1, column,
                                    "unknown metric column: declare it under production.metrics in params.yaml "
                                    "(direction, kind) or list it in production.ignore_columns"))
    if problems:
        raise UserError(f"{len(problems)} problem(s) with the production metrics", problems)

    by_model = "model" in columns
    sums: dict[tuple, dict[str | None, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    windows: dict[tuple, set[str]] = defaultdict(set)
    segments: set[str] = set()
    for number, row in rows:
        version = _text(row.get("version"))
        if not version:
            problems.append(Problem(label, number, "version", "empty version"))
            continue
        model = _text(row.get("model")) if by_model else None
        if by_model and not model:
            problems.append(Problem(label, number, "model", "empty model (the file has a model column, so every row needs one)"))
            continue
        segment = _text(row.get("segment"))
        segment_key = None if segment.lower() in OVERALL_SEGMENTS else segment
        if segment_key:
            segments.add(segment_key)
        key = (model, version)
        windows[key].add(_text(row.get("window")))
        for decl in decls:
            value = _number(row.get(decl.name))
            if isinstance(value, str):  # "bad"
                problems.append(Problem(label, number, decl.name, f"not a number: {row.get(decl.name)!r}"))
            elif value is not None:
                if decl.kind == "count" and value < 0:
                    problems.append(Problem(label, number, decl.name, f"a count cannot be negative: {value:g}"))
                    continue
                sums[key][segment_key][decl.name].append(float(value))
    if problems:
        raise UserError(f"{len(problems)} problem(s) in the production metrics file", problems)

    warnings: list[str] = []
    values: dict[tuple, dict[str | None, dict[str, float]]] = {}
    for key, by_segment in sums.items():
        values[key] = {seg: {m: sum(v) / len(v) for m, v in metrics.items()} for seg, metrics in by_segment.items()}
    for decl in decls:
        if decl.kind == "rate":
            out_of_range = [
                v for segs in values.values() for metrics in segs.values()
                if (v := metrics.get(decl.name)) is not None and not 0 <= v <= 1
            ]
            if out_of_range:
                warnings.append(f"{decl.name} is declared as a rate but has values outside [0, 1] "
                                f"(e.g. {out_of_range[0]:g}); use kind: score for percentages")
    for key in windows:
        values.setdefault(key, {})
    return Production(
        by_model=by_model,
        values=values,
        windows={k: len(v) for k, v in windows.items()},
        rows=len(rows),
        segments=segments,
        warnings=warnings,
    )


@dataclass
class Launch:
    """One launch joined with its production values.

    Attributes:
        key: ``(model or None, version)`` join key.
        label: Short label for plots and tables.
        entry: The history entry.
        production: ``{segment or None: {metric: value}}`` (empty when no production rows).
    """

    key: tuple[str | None, str]
    label: str
    entry: dict[str, Any]
    production: dict[str | None, dict[str, float]]


@dataclass
class Joined:
    """History joined with production metrics.

    Attributes:
        launches: Launches present in both (in history order).
        history_only: Labels of launches without production rows.
        production_only: Labels of production keys without a recorded launch.
    """

    launches: list[Launch]
    history_only: list[str]
    production_only: list[str]


def join(history: list[dict[str, Any]], production: Production, history_label: str) -> Joined:
    """Join history entries and production values by (model,) version.

    Raises:
        UserError: The production file has no model column but one version was
            recorded for several models (ambiguous), located at the history line.
    """
    if not production.by_model:
        seen: dict[str, dict[str, Any]] = {}
        for entry in history:
            version = str(entry["version"])
            if version in seen and seen[version]["model"] != entry["model"]:
                raise UserError("", [Problem(
                    history_label, entry.get("_line", 0), "version",
                    f"version {version!r} was recorded for models {seen[version]['model']!r} and "
                    f"{entry['model']!r}; add a model column to the production file to tell them apart")])
            seen[version] = entry
    models = {entry["model"] for entry in history}
    launches, history_only = [], []
    used: set[tuple] = set()
    for entry in history:
        version = str(entry["version"])
        key = (entry["model"] if production.by_model else None, version)
        label = f"{entry['model']} {version}" if len(models) > 1 else version
        if key in production.values:
            launches.append(Launch(key, label, entry, production.values[key]))
            used.add(key)
        else:
            history_only.append(label)
    production_only = sorted(f"{m} {v}" if m else v for (m, v) in production.values if (m, v) not in used)
    return Joined(launches, history_only, production_only)
