"""``IngestSettings``: the resolved settings of one ingest run (params.yaml + CLI overrides)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from prodbench.core.errors import UserError
from prodbench.data.readers import get_reader, parse_map

__all__ = ["SOURCES", "IngestSettings"]

SOURCES = ("production", "pilot")


@dataclass
class IngestSettings:
    """Resolved ingest settings (params ``ingest`` + ``anonymize`` + CLI overrides)."""

    fmt: str = "auto"
    source: str = "production"
    prompt_column: str = "prompt"
    id_column: str = "id"
    near_threshold: float = 0.85
    review_confidence: float = 0.6
    replacement: str = "placeholder"
    engine: str = "builtin"
    allowlist: tuple[str, ...] = ()
    mapping: dict[str, tuple[str, ...]] | None = None
    checkpoint_seconds: float = 30.0
    today: str = field(default_factory=lambda: _dt.date.today().isoformat())

    @classmethod
    def from_params(cls, params: dict[str, Any], **overrides: Any) -> IngestSettings:
        """Settings from params.yaml; ``overrides`` (CLI options) win unless they are None."""
        ingest = params.get("ingest") or {}
        anon = params.get("anonymize") or {}
        values = {
            "prompt_column": ingest.get("prompt_column", "prompt"),
            "id_column": ingest.get("id_column", "id"),
            "near_threshold": float((ingest.get("dedupe") or {}).get("near_threshold", 0.85)),
            "review_confidence": float(ingest.get("review_confidence", 0.6)),
            "replacement": anon.get("replacement", "placeholder"),
            "engine": anon.get("engine", "builtin"),
            "allowlist": tuple((params.get("validate") or {}).get("pii_allowlist") or ()),
            "mapping": parse_map(ingest.get("map"), "params.yaml ingest.map"),
        }
        if isinstance(overrides.get("mapping"), str):
            overrides["mapping"] = parse_map(overrides["mapping"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        get_reader(str(values.get("fmt", "auto")))  # an unknown format lists the available ones
        if values.get("fmt") == "mapped" and not values.get("mapping"):
            raise UserError("--format mapped needs --map (or params.yaml ingest.map), e.g. "
                            "--map messages=data.chat,id=meta.uid", exit_code=2)
        return cls(**values)
