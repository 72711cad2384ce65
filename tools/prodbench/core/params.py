"""Read, validate and edit ``params.yaml``.

Reading validates against ``params.schema.json`` shipped in the package (never the checkout's
own copy, which a branch could delete or loosen) and reports problems with
the YAML line of the offending key. Editing uses ruamel.yaml's round-trip mode so
comments and key order survive (``prodbench rotate`` updates ``rotation.current``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prodbench.core.errors import Problem, UserError
from prodbench.core.fsutil import atomic_write_text
from prodbench.core.limits import check_yaml_expansion
from prodbench.core.project import Project, package_schema
from prodbench.core.secrets import register_config

if TYPE_CHECKING:
    from ruamel.yaml import YAML


def _yaml() -> YAML:
    """A round-trip YAML reader/writer configured for params.yaml's layout."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    # The layout params.yaml is written in: block lists indented under their key, and
    # explicit nulls, so that a command's edit shows as a one-line diff.
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def _to_plain(node: Any) -> Any:
    """Convert ruamel's round-trip types to plain Python (dict, list, str, int, float, bool).

    ruamel returns subclasses (ScalarFloat, FoldedScalarString, ...) that some serialisers
    (orjson) reject and that would leak formatting details into config hashes.
    """
    if isinstance(node, dict):
        return {str(k): _to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _line_of(tree: Any, path: list[Any]) -> int:
    """Best-effort 1-based YAML line number for a JSON path into a ruamel tree.

    Only ruamel's round-trip nodes know their lines; the walk stops at the first key
    that is missing or whose node is plain Python data.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq  # already loaded with the tree

    node, line = tree, 1
    for key in path:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                line = node.lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        except (KeyError, TypeError):  # no line information recorded for this key
            break
    return line


def line_of_field(tree: Any, dotted: str) -> int:
    """1-based line of a dotted field (``models.gpt.api_key_env``) in a params tree, or 0.

    The deepest key that exists gives the line, so a missing leaf points at its parent.
    """
    parts: list[Any] = [int(p) if p.isdigit() else p for p in dotted.split(".") if p]
    if not parts or not isinstance(tree, dict) or parts[0] not in tree:
        return 0
    return _line_of(tree, parts)


def line_locator(params_path: Path) -> Callable[[Sequence[Any]], int]:
    """A ``(key path) -> line`` lookup into params.yaml (0 when the file or key is missing).

    The file is parsed once, when the locator is made; use it to locate many problems.
    """
    try:
        tree = load_params_tree(params_path)
    except UserError:
        return lambda _path: 0

    def locate(path: Sequence[Any]) -> int:
        keys = list(path)
        return _line_of(tree, keys) if keys and isinstance(tree, dict) and keys[0] in tree else 0

    return locate


def locate_params_problems(problems: list[Problem], params_path: Path) -> list[Problem]:
    """Fill in the line of params.yaml problems that were raised without one."""
    todo = [p for p in problems if p.line == 0 and p.field and Path(p.file).name == params_path.name]
    if not todo or not params_path.is_file():
        return problems
    try:
        tree = load_params_tree(params_path)
    except UserError:
        return problems
    return [
        Problem(p.file, line_of_field(tree, p.field), p.field, p.message) if p in todo else p for p in problems
    ]


def load_params_tree(path: Path) -> Any:
    """Load params.yaml as a ruamel round-trip tree (keeps comments and order).

    Raises:
        UserError: The file is missing or is not valid YAML.
    """
    from ruamel.yaml import YAMLError

    if not path.is_file():
        raise UserError(f"{path}: file not found", exit_code=2)
    try:
        text = path.read_text(encoding="utf-8")
        check_yaml_expansion(text, str(path))  # an alias bomb is refused before anything is built
        return _yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc)
        raise UserError("", [Problem(str(path), line, "", f"invalid YAML: {problem}")]) from None
    except UnicodeDecodeError as exc:
        raise UserError("", [Problem(str(path), 0, "", f"not UTF-8: {exc}")]) from None


def check_params(tree: Any, schema_path: Path, file_label: str) -> list[Problem]:
    """Validate a params tree against the JSON Schema; return located problems."""
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema)
    problems = []
    plain = _to_plain(tree) if tree is not None else {}
    for error in sorted(validator.iter_errors(plain), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        field = ".".join(str(p) for p in path) or "(top level)"
        message = error.message
        if error.validator == "additionalProperties":
            # Point at the unexpected key itself, which is where the typo is.
            extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
            if extra:
                path = [*path, extra[0]]
                field = ".".join(str(p) for p in path)
                allowed = ", ".join(sorted(error.schema.get("properties", {})))
                message = f"unknown key {extra[0]!r} (allowed: {allowed})"
        problems.append(Problem(file_label, _line_of(tree, path), field, message))
    return problems


def load_params(project: Project) -> dict[str, Any]:
    """Load and validate params.yaml, returning plain Python data.

    Raises:
        UserError: With one ``file:line: field: message`` per problem.
    """
    tree = load_params_tree(project.params_path)
    # always the schema shipped with this code: a checkout (or a diffed revision) cannot loosen it
    problems = check_params(tree, package_schema("params.schema.json"), project.rel(project.params_path))
    if problems:
        raise UserError(f"{len(problems)} problem(s) in params.yaml", problems)
    params = _to_plain(tree) or {}
    register_config(params.get("models"))  # the keys these models name are masked in every output
    return params


@contextmanager
def edit_params(project: Project) -> Iterator[Any]:
    """Edit params.yaml in place, keeping comments and key order.

    Usage::

        with edit_params(project) as tree:
            tree["rotation"]["current"] = "2027Q1"

    The file is rewritten atomically when the block exits without an exception.
    """
    tree = load_params_tree(project.params_path)
    yield tree
    buffer = io.StringIO()
    _yaml().dump(tree, buffer)
    atomic_write_text(project.params_path, buffer.getvalue())
