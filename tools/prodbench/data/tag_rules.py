"""The heuristic tagger's rules: where they come from, what they can produce, how long a prompt is.

* The rules are the project's: ``ingest.tagging_rules`` in params.yaml names a YAML file in the
  repository (``prompts/tagging_rules.yaml`` in the example project, a copy of the package's
  starting rules). Without that key the package copy ``data/tagging_rules.yaml`` is the fallback.
* :func:`rule_warnings` says which task types of the taxonomy no rule can produce (so a user
  taxonomy without rules is a warning, not a silent "everything is the first type").
* :func:`text_length` measures a prompt in word equivalents that do not depend on the script:
  Chinese and Japanese have no spaces between words, so a whitespace count calls a long
  Chinese request one "word" (and tags it ``trivial``).

Rules file format (every key optional except ``task_types``)::

    task_types:                       # task type -> regular expressions (case-insensitive) with weights
      coding:
        - {pattern: '\\bpython\\b|```', weight: 3}
        - {pattern: '^\\s*(?:write|implement)\\b', weight: 2, within: 200}   # only the first 200 characters
    default: coding                   # tag when no rule matches (low confidence, flagged for review)
    multi_turn: multi_turn            # the task type of a conversation with more than one user turn
    difficulty:
      length_bounds: {trivial: 8, easy: 25, medium: 80}   # word equivalents -> base difficulty
      harder_if: ['\\bstep by step\\b']                   # each match adds one level
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from prodbench.core.errors import Problem, UserError

PACKAGE_RULES = "package default (prodbench/data/tagging_rules.yaml)"
MULTI_TURN = "multi_turn"

Rule = tuple[re.Pattern[str], float, int | None]  # (regex, weight, match only in the first N characters)

# Word equivalents per character of scripts written without spaces between words (and Hangul,
# whose space-separated chunks hold several morphemes): ~1.6 Chinese characters, ~2 kana and
# ~2.5 Hangul syllables make one English word's worth of content.
_SCRIPT_WEIGHTS: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df]"), 1 / 1.6),
    (re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d]"), 1 / 2.0),
    (re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"), 1 / 2.5),
    (re.compile(r"[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]"), 1 / 4.0),  # Thai, Lao, Myanmar, Khmer
)
_SPACELESS = re.compile("[" + "".join(rx.pattern[1:-1] for rx, _ in _SCRIPT_WEIGHTS) + "]")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*|[^\w\s]{3,}")


def text_length(text: str) -> float:
    """Length of ``text`` in word equivalents, whatever its script.

    Words of space-separated scripts count one each; characters of scripts written without
    spaces (Chinese, Japanese, Thai, ...) and Hangul syllables count a fraction of a word each
    (see ``_SCRIPT_WEIGHTS``), so a 60-character Chinese request weighs about as much as a
    37-word English one.
    """
    total = 0.0
    for rx, weight in _SCRIPT_WEIGHTS:
        total += weight * len(rx.findall(text))
    rest = _SPACELESS.sub(" ", text)
    return total + len(_WORD.findall(rest))


@dataclass(frozen=True)
class TagRules:
    """Compiled tagging rules.

    Attributes:
        source: Where they came from (a repository path, or :data:`PACKAGE_RULES`).
        task_types: Task type -> ``(regex, weight)`` rules, in file order.
        default: Task type given when no rule matches (None: the taxonomy's first type).
        multi_turn: Task type of conversations with more than one user turn (None: no such rule).
        length_bounds: Difficulty -> upper bound (exclusive) of the length in word equivalents.
        harder_if: Patterns that each add one difficulty level.
    """

    source: str
    task_types: dict[str, list[Rule]]
    default: str | None = None
    multi_turn: str | None = MULTI_TURN
    length_bounds: dict[str, float] = field(default_factory=dict)
    harder_if: list[re.Pattern[str]] = field(default_factory=list)

    def producible(self, taxonomy: list[str]) -> set[str]:
        """Task types of ``taxonomy`` that these rules can produce (by a rule, the default or multi-turn)."""
        out = {t for t, rules in self.task_types.items() if rules and t in taxonomy}
        out |= {t for t in (self.default, self.multi_turn) if t in taxonomy}
        return out


def _line(node: Any, key: Any) -> int:
    """1-based line of ``key`` in a ruamel round-trip mapping or sequence (0 if unknown)."""
    try:
        return int(node.lc.key(key)[0]) + 1 if isinstance(key, str) else int(node.lc.item(key)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 0


def _compile(pattern: Any, label: str, line: int, where: str, problems: list[Problem]) -> re.Pattern[str] | None:
    if not isinstance(pattern, str) or not pattern:
        problems.append(Problem(label, line, where, "a non-empty regular expression (string) is required"))
        return None
    try:
        return re.compile(pattern, re.IGNORECASE | re.MULTILINE)
    except re.error as exc:
        problems.append(Problem(label, line, where, f"invalid regular expression: {exc}"))
        return None


def parse_rules(text: str, label: str) -> TagRules:
    """Parse and compile a rules file (see the module docstring for the format).

    Args:
        text: The YAML text.
        label: The file as reported in problems (repository-relative path).

    Raises:
        UserError: Invalid YAML, a wrong shape or an invalid pattern, each at ``file:line: field``.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError("", [Problem(label, (mark.line + 1) if mark else 0, "", f"invalid YAML: {exc}")]) from None
    problems: list[Problem] = []
    if not isinstance(data, dict) or not isinstance(data.get("task_types"), dict):
        raise UserError("", [Problem(label, 1, "task_types", "the rules file needs a `task_types` mapping "
                                     "(task type -> list of {pattern, weight})")])
    task_rules: dict[str, list[Rule]] = {}
    for task, rules in data["task_types"].items():
        line = _line(data["task_types"], task)
        if not isinstance(rules, list):
            problems.append(Problem(label, line, f"task_types.{task}", "a list of {pattern, weight} is required"))
            continue
        compiled: list[Rule] = []
        for index, rule in enumerate(rules):
            where, rline = f"task_types.{task}[{index}]", _line(rules, index) or line
            if not isinstance(rule, dict):
                problems.append(Problem(label, rline, where, "each rule is {pattern: REGEX, weight: NUMBER}"))
                continue
            weight, within = rule.get("weight", 1), rule.get("within")
            if isinstance(weight, bool) or not isinstance(weight, (int, float)):
                problems.append(Problem(label, rline, f"{where}.weight", "weight must be a number"))
                continue
            if within is not None and (isinstance(within, bool) or not isinstance(within, int) or within < 1):
                problems.append(Problem(label, rline, f"{where}.within", "a number of characters >= 1 is required"))
                continue
            unknown = sorted(set(rule) - {"pattern", "weight", "within"})
            if unknown:
                problems.append(Problem(label, rline, f"{where}.{unknown[0]}", "unknown key (pattern, weight, within)"))
                continue
            rx = _compile(rule.get("pattern"), label, rline, f"{where}.pattern", problems)
            if rx is not None:
                compiled.append((rx, float(weight), within))
        task_rules[str(task)] = compiled
    diff = data.get("difficulty") or {}
    bounds = dict(diff.get("length_bounds") or {}) if isinstance(diff, dict) else {}
    harder = []
    for index, pattern in enumerate((diff.get("harder_if") or []) if isinstance(diff, dict) else []):
        rx = _compile(pattern, label, _line(diff["harder_if"], index), f"difficulty.harder_if[{index}]", problems)
        if rx is not None:
            harder.append(re.compile(rx.pattern, re.IGNORECASE))
    for name, value in bounds.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(Problem(label, _line(diff["length_bounds"], name), f"difficulty.length_bounds.{name}",
                                    "a number of words is required"))
    if problems:
        raise UserError(f"{len(problems)} problem(s) in the tagging rules", problems)
    multi = data.get("multi_turn", MULTI_TURN)
    return TagRules(source=label, task_types=task_rules,
                    default=str(data["default"]) if data.get("default") is not None else None,
                    multi_turn=str(multi) if multi else None,
                    length_bounds={str(k): float(v) for k, v in bounds.items()}, harder_if=harder)


@lru_cache(maxsize=1)
def package_rules() -> TagRules:
    """The starting rules shipped in the package (the fallback without ``ingest.tagging_rules``)."""
    text = resources.files("prodbench.data").joinpath("tagging_rules.yaml").read_text(encoding="utf-8")
    return parse_rules(text, PACKAGE_RULES)


def package_rules_path() -> str:
    """Filesystem path of the package's starting rules (to copy into a project)."""
    return str(resources.files("prodbench.data").joinpath("tagging_rules.yaml"))


def load_rules(root: Path, params: dict[str, Any]) -> TagRules:
    """The project's rules (``ingest.tagging_rules``), or the package copy when the key is unset.

    Args:
        root: The project root (the rules path is relative to it).
        params: Loaded params.yaml.

    Raises:
        UserError: The named file is missing or invalid.
    """
    name = (params.get("ingest") or {}).get("tagging_rules")
    if not name:
        return package_rules()
    path = root / str(name)
    if not path.is_file():
        raise UserError("", [Problem("params.yaml", 0, "ingest.tagging_rules",
                                     f"{name}: file not found; start from the package's rules: "
                                     f"cp {package_rules_path()} {name}")])
    return parse_rules(path.read_text(encoding="utf-8"), str(name))


def rule_warnings(rules: TagRules, task_types: list[str]) -> list[str]:
    """Warnings about rules that do not fit the taxonomy (empty when they do).

    * a task type of the taxonomy that no rule can produce: it is never tagged;
    * rules, a default or a multi-turn type naming task types the taxonomy does not have.
    """
    warnings = []
    missing = [t for t in task_types if t not in rules.producible(task_types)]
    if missing:
        warnings.append(f"tagging rules ({rules.source}) cannot produce task type(s) {', '.join(missing)}: "
                        "add rules for them (ingest.tagging_rules) or they are never tagged")
    unknown = sorted({t for t in rules.task_types if t not in task_types}
                     | {t for t in (rules.default, rules.multi_turn) if t and t not in task_types} - {MULTI_TURN})
    if unknown:
        warnings.append(f"tagging rules ({rules.source}) name task type(s) not in params.yaml taxonomy, "
                        f"ignored: {', '.join(unknown)}")
    if rules.default is None and task_types:
        warnings.append(f"tagging rules ({rules.source}) have no `default`: prompts no rule matches get "
                        f"{task_types[0]!r} (the taxonomy's first task type), flagged for review")
    return warnings
