"""The diff document (``reports/diff.json``) as typed, frozen objects: what the renderer reads.

:func:`prodbench.diff.parse.parse_document` builds them from the untrusted JSON, checking
every field. Strings stay untrusted after parsing: the renderer still escapes every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1
COMPARED_STATUSES = ("changed", "unchanged")
ONE_SIDED_STATUSES = ("added", "removed")
COUNT_KEYS = ("unchanged", "modified", "added", "removed")


@dataclass(frozen=True, slots=True)
class RevisionRef:
    """One side of the comparison: a label (branch, ``working tree``) and its commit."""

    label: str
    sha: str | None


@dataclass(frozen=True, slots=True)
class Settings:
    """The comparison's knobs (``alpha`` and the bootstrap ``seed`` are shown in the comment)."""

    alpha: float
    seed: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """The one-line conclusion."""

    kind: str
    regressions: list[str]
    improvements: list[str]
    unevaluated: int


@dataclass(frozen=True, slots=True)
class GoldenChange:
    """A change touching the golden set."""

    id: str
    change: str


@dataclass(frozen=True, slots=True)
class Prompts:
    """How the prompt sets of base and head relate."""

    counts: dict[str, int]
    added: list[str]
    removed: list[str]
    modified: list[str]
    golden_changes: list[GoldenChange]
    golden_lock_changed: bool
    total_base: int
    total_head: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """A paired comparison (:func:`prodbench.diff.stats.compare_paired`)."""

    n: int = 0
    base: float | None = None
    head: float | None = None
    delta: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    test: str | None = None
    label: str = "no paired rows"


NO_COMPARISON = Comparison()


@dataclass(frozen=True, slots=True)
class RowChange:
    """One paired row whose score changed, with the texts shown for it."""

    id: str
    task_type: str | None
    difficulty: str | None
    base_score: float
    head_score: float
    delta: float
    prompt: str | None
    base_output: str | None
    head_output: str | None


@dataclass(frozen=True, slots=True)
class RowChanges:
    """How many paired rows improved or regressed, and the largest changes."""

    improved: int
    regressed: int
    top_improved: list[RowChange]
    top_regressed: list[RowChange]


@dataclass(frozen=True, slots=True)
class Unpaired:
    """Mean scores of the rows without a counterpart (added, removed, modified)."""

    added_mean: float | None
    added_n: int
    removed_mean: float | None
    removed_n: int
    modified_base_mean: float | None
    modified_head_mean: float | None
    modified_n: int


@dataclass(frozen=True, slots=True)
class Unevaluated:
    """A row that could not be evaluated, and why."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens, cost, latency percentiles and new calls of one side (None = unknown)."""

    tokens: int | None = None
    cost_usd: float | None = None
    latency_p50: float | None = None
    latency_p90: float | None = None
    calls: int | None = None


NO_USAGE = Usage()


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """A changed setting; ``base``/``head`` are JSON values (None when absent on that side)."""

    key: str
    base: Any
    head: Any


@dataclass(frozen=True, slots=True)
class ModelDiff:
    """One model's comparison.

    A model on both sides (status ``changed``/``unchanged``) has the comparisons; a model
    on one side only (``added``/``removed``) has ``mean`` and ``n`` instead.
    """

    status: str
    config_changes: list[ConfigChange]
    unevaluated: dict[str, list[Unevaluated]]
    usage: dict[str, Usage]
    overall: Comparison | None = None
    golden: Comparison | None = None
    by_task_type: dict[str, Comparison] = field(default_factory=dict)
    by_difficulty: dict[str, Comparison] = field(default_factory=dict)
    rows: RowChanges | None = None
    unpaired: Unpaired | None = None
    mean: float | None = None
    n: int | None = None


@dataclass(frozen=True, slots=True)
class Share:
    """A task type's or difficulty's share of the prompts and its target."""

    share: float
    target: float | None


@dataclass(frozen=True, slots=True)
class CoverageSide:
    """Coverage of one revision."""

    min_per_cell: int
    below_min: list[tuple[str, str]]
    task_type: dict[str, Share]
    difficulty: dict[str, Share]


@dataclass(frozen=True, slots=True)
class CoverageCell:
    """Base -> head prompt count of one task type x difficulty cell."""

    task_type: str
    difficulty: str
    base: int
    head: int
    delta: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """The coverage delta."""

    base: CoverageSide
    head: CoverageSide
    cells: list[CoverageCell]
    newly_below_min: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class DiffDocument:
    """The whole diff document, as the renderer reads it."""

    base: RevisionRef
    head: RevisionRef
    settings: Settings
    cached_only: bool
    verdict: Verdict
    prompts: Prompts
    models: dict[str, ModelDiff]
    coverage: Coverage
    params_changes: list[ConfigChange]


__all__ = ["NO_COMPARISON", "NO_USAGE", "SCHEMA_VERSION", "Comparison", "ConfigChange", "Coverage", "DiffDocument",
           "ModelDiff", "RevisionRef", "RowChange", "Share"]
