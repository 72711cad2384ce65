"""The validate stage: prompt files against the schema and the repository rules.

Public API (used by ``prodbench validate``, the PII gate and the golden lock)::

    from prodbench.validate import validate_paths, render_text
    report = validate_paths(project, params)          # every problem, in one pass
    print(render_text(report), report.ok)             # file:line: field: message

    from prodbench.validate import register_record_rule
    register_record_rule(rule)    # rule(record, ctx: FileContext) -> [(field, message)]

Modules: ``stage`` (the run: files, duplicates, overlap, workers), ``lines`` (per-line
checks), ``schema`` (prompt schema), ``builtin`` (built-in rules), ``rules`` (rule
contexts and registration), ``cache`` (verdict cache of the extra rules), ``report``.
"""

from prodbench.validate.report import FileSummary, ValidationReport, render_json, render_text
from prodbench.validate.rules import (
    FileContext,
    ProjectRule,
    RecordRule,
    RunContext,
    register_project_rule,
    register_record_rule,
)
from prodbench.validate.stage import discover_files, validate_paths

__all__ = [
    "FileContext",
    "FileSummary",
    "ProjectRule",
    "RecordRule",
    "RunContext",
    "ValidationReport",
    "discover_files",
    "register_project_rule",
    "register_record_rule",
    "render_json",
    "render_text",
    "validate_paths",
]
