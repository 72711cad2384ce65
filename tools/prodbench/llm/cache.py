"""Per-turn response cache, content-addressed and append-only.

Layout: ``cache/responses/<model>/<writer>.jsonl`` where each line is
``{"key": <hash>, "response": {...}}``. ``<writer>`` is ``responses`` for a normal run
and ``responses.shard-I-of-N`` for a shard, plus ``.w<i>`` for forked worker processes, so
shard caches from different CI jobs merge by copying their files into one directory (no
file is written by two processes).

Why an append-only log rather than one file per entry: a run of 1,000 prompts would
otherwise create (and DVC would hash) 1,000 tiny files, and an fsync per file costs
~4 ms here. Every entry is appended with a single ``write()`` and flushed as soon as
its call finishes, so Ctrl-C or a killed process loses nothing (the data is in the OS);
the file is fsynced when the run ends. A torn last line (power loss mid-write) is skipped
on load. Only successful responses are stored: errors are never cached.

The key is :func:`cache_key` of (model config hash, messages up to the turn, generation
parameters), so any edit of a prompt or of any field of the model config misses.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import StorageError
from prodbench.core.limits import warn
from prodbench.core.secrets import redact_obj

DEFAULT_WRITER = "responses"


def cache_key(config_hash: str, messages: list[dict[str, Any]], gen_params: dict[str, Any]) -> str:
    """Content address of one generated turn.

    Args:
        config_hash: Hash of the whole model config (:attr:`prodbench.llm.config.ModelConfig.hash`).
        messages: The messages sent for this turn (system prompt and earlier turns included).
        gen_params: Generation parameters actually sent (temperature, max_tokens, ...).

    Returns:
        A 32-hex-digit SHA-256 prefix.
    """
    payload = {"config": config_hash, "messages": messages, "params": gen_params}
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


class ResponseCache:
    """Read all cache logs of one model directory; append new entries to one writer file.

    Args:
        directory: ``cache/responses/<model>``.
        writer: File stem new entries go to (``responses`` or ``responses.shard-I-of-N``).
        read: Load existing entries (False for ``--no-cache``/``--refresh``).
        write: Append new entries (False for ``--no-cache``).
        keep_open: Keep the writer file open between entries (the run stage, which closes
            the cache at its end); False closes (and fsyncs) it after each entry, for callers
            without an end of their own (the judge, the tagger).
    """

    def __init__(self, directory: str | os.PathLike[str], writer: str = DEFAULT_WRITER, *,
                 read: bool = True, write: bool = True, keep_open: bool = True) -> None:
        self.directory = Path(directory)
        self.writer_path = self.directory / f"{writer}.jsonl"
        self.read_enabled = read
        self.write_enabled = write
        self.keep_open = keep_open
        self._entries: dict[str, dict[str, Any]] = {}
        self._loaded_from: dict[str, tuple[int, int]] = {}  # file -> (size, mtime_ns) when last read
        self._handle: Any = None
        self.appended = 0
        self.failed = False
        if read:
            self._load()

    def _files_on_disk(self) -> dict[str, tuple[int, int]]:
        """Every cache log of the folder with its (size, mtime_ns); unreadable ones are left out."""
        files = {}
        if self.directory.is_dir():
            for path in sorted(self.directory.glob("*.jsonl")):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                files[str(path)] = (stat.st_size, stat.st_mtime_ns)
        return files

    def _load(self) -> None:
        if not self.directory.is_dir():
            return
        self._loaded_from = self._files_on_disk()
        for path in map(Path, self._loaded_from):
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                warn(f"{path}: cannot read this cache file ({exc.strerror}); its entries are ignored")
                continue
            lines = data.split(b"\n")
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    entry = orjson.loads(line)
                    key, response = entry["key"], entry["response"]
                    if not isinstance(key, str) or not isinstance(response, dict):
                        raise TypeError
                    self._entries[key] = response
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    # a torn last line is what a crash mid-write leaves; anything else is damage
                    if number < len(lines) - 1 or line.endswith(b"}"):
                        warn(f"{path}:{number}: corrupted cache line skipped (that turn will be called again)")

    def reload(self) -> int:
        """Read entries other processes appended since (workers, a concurrent run); returns the new count."""
        before = len(self._entries)
        if self.read_enabled:
            self._load()
        return len(self._entries) - before

    def reload_if_changed(self) -> int:
        """Like :meth:`reload`, but only when a cache log changed on disk since it was last read.

        A run that loaded the cache, then waited (or was just slow to start) while another run
        on the same cache finished, must not pay again for what that run saved.
        """
        if not self.read_enabled or self._files_on_disk() == self._loaded_from:
            return 0
        return self.reload()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached response for ``key``, or None (always None when reading is off)."""
        if not self.read_enabled:
            return None
        return self._entries.get(key)

    def put(self, key: str, response: dict[str, Any]) -> None:
        """Store a successful response and append it to the log (flushed, not fsynced).

        Secret values are masked first (:func:`prodbench.core.secrets.redact_obj`).
        """
        response = redact_obj(response)
        self._entries[key] = response
        if not self.write_enabled:
            return
        try:
            if self._handle is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._repair_tail()
                self._handle = open(self.writer_path, "ab")  # noqa: SIM115 - kept open for the run
            line = orjson.dumps({"key": key, "response": response}, option=orjson.OPT_SORT_KEYS) + b"\n"
            self._handle.write(line)
            self._handle.flush()
        except OSError as exc:
            self.failed = True
            raise StorageError.from_os_error(
                exc, self.writer_path, "response cache",
                f"{self.appended} response(s) of this run were saved before it.") from None
        self.appended += 1
        if not self.keep_open:
            self.close()

    def fork_writer(self, suffix: str) -> None:
        """In a forked worker: append to ``<writer>.<suffix>.jsonl`` instead of the parent's file.

        Every process then has a log of its own, flushed per entry, so a worker's finished calls
        survive whatever happens to the parent. The inherited handle is dropped, not closed.
        """
        self._handle = None
        self.writer_path = self.writer_path.with_name(f"{self.writer_path.stem}.{suffix}.jsonl")

    def _repair_tail(self) -> None:
        """Terminate a torn last line so the next entry starts on a line of its own."""
        if self.writer_path.is_file() and self.writer_path.stat().st_size:
            with open(self.writer_path, "rb+") as handle:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    handle.write(b"\n")

    def sync(self) -> None:
        """fsync the writer file (called periodically and at the end of a run)."""
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        """fsync and close the writer file (after a storage failure: close without raising again)."""
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        try:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        except OSError as exc:
            with contextlib.suppress(OSError):
                handle.close()
            if not self.failed:
                self.failed = True
                raise StorageError.from_os_error(exc, self.writer_path, "response cache") from None


def legacy_answer(path: Path, field: str) -> str | None:
    """An answer cached by earlier versions as one JSON file per answer, if ``path`` holds one.

    Before the shared :class:`ResponseCache`, the judge kept ``{"text": ...}`` files and the LLM
    tagger ``{"answer": ...}`` files; both still read them so no paid answer is asked again.
    """
    try:
        value = orjson.loads(path.read_bytes()).get(field)
    except (OSError, orjson.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, str) else None
