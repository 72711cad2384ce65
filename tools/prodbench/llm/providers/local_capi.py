"""llama.cpp's C API inside the xllamacpp wheel, for the parallel-sequence decoder.

xllamacpp links llama.cpp statically into its extension module and exports llama.cpp's C
functions from it. Loading that file with :mod:`ctypes` gives :class:`.local_batch.BatchedChat`
the same functions llama-cpp-python binds, without compiling llama.cpp. The structs passed by
value are handled as raw bytes: only fields whose place is checked against llama.cpp's defaults
at load time are written (:func:`_check_layout`), so another llama.cpp version fails loudly
instead of misreading memory. The chat template is rendered as llama-cpp-python renders it
(the GGUF's Jinja template in jinja2's sandbox), so prompts, tokens and answers are the same.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import struct
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from prodbench.llm.providers.local_batch import FLASH_ATTENTION

_STRUCT_BYTES = 1024  # room for llama.cpp's parameter structs, whatever their exact size
_LOCK = threading.Lock()
_LIBRARY: SimpleNamespace | None = None
_LOG_ERROR = 4  # ggml_log_level: llama.cpp's own messages below this are dropped
_LOG_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)


@_LOG_CALLBACK
def _log(level: int, text: bytes | None, _user_data: Any) -> None:
    if level == _LOG_ERROR and text:
        os.write(2, text)


class LlamaBatch(ctypes.Structure):
    """``struct llama_batch`` (unchanged in llama.cpp since 2023), padded for safety."""

    _fields_ = [("n_tokens", ctypes.c_int32), ("token", ctypes.POINTER(ctypes.c_int32)),
                ("embd", ctypes.POINTER(ctypes.c_float)), ("pos", ctypes.POINTER(ctypes.c_int32)),
                ("n_seq_id", ctypes.POINTER(ctypes.c_int32)),
                ("seq_id", ctypes.POINTER(ctypes.POINTER(ctypes.c_int32))),
                ("logits", ctypes.POINTER(ctypes.c_int8)), ("_reserved", ctypes.c_uint8 * 64)]


class _Params(ctypes.Structure):
    _fields_ = [("raw", ctypes.c_uint8 * _STRUCT_BYTES)]


# Byte offsets in llama_context_params of the fields written, and the defaults that confirm them.
_CONTEXT_FIELDS = {"n_ctx": (0, "I", 512), "n_batch": (4, "I", 2048), "n_ubatch": (8, "I", 512),
                   "n_seq_max": (12, "I", 1), "n_threads": (28, "i", None), "n_threads_batch": (32, "i", None),
                   "flash_attn_type": (52, "i", -1), "yarn_ext_factor": (64, "f", -1.0),
                   "yarn_attn_factor": (68, "f", -1.0), "yarn_beta_fast": (72, "f", -1.0),
                   "yarn_beta_slow": (76, "f", -1.0), "type_k": (104, "i", 1), "type_v": (108, "i", 1)}
# embeddings, offload_kqv, no_perf, op_offload, swa_full, kv_unified
_CONTEXT_FLAGS_AT, _CONTEXT_FLAGS = 136, bytes([0, 1, 1, 1, 1, 0])
_KV_UNIFIED_AT = _CONTEXT_FLAGS_AT + 5


def library_path() -> Path:
    """The xllamacpp extension module that holds llama.cpp.

    Raises:
        FileNotFoundError: xllamacpp is not installed.
    """
    spec = importlib.util.find_spec("xllamacpp")
    for location in (spec.submodule_search_locations or []) if spec else []:
        for candidate in sorted(Path(location).glob("xllamacpp*.so")):
            return candidate
    raise FileNotFoundError("xllamacpp's extension module was not found")


def _load() -> SimpleNamespace:
    global _LIBRARY
    with _LOCK:
        if _LIBRARY is None:
            lib = ctypes.CDLL(str(library_path()))
            p, i32, u8p = ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p
            signatures: dict[str, tuple[list[Any], Any]] = {
                "llama_backend_init": ([], None),
                "llama_model_default_params": ([], _Params),
                "llama_model_load_from_file": ([u8p, _Params], p),
                "llama_model_free": ([p], None),
                "llama_model_get_vocab": ([p], p),
                "llama_model_meta_val_str": ([p, u8p, u8p, ctypes.c_size_t], i32),
                "llama_model_n_ctx_train": ([p], i32),
                "llama_context_default_params": ([], _Params),
                "llama_init_from_model": ([p, _Params], p),
                "llama_free": ([p], None),
                "llama_get_memory": ([p], p),
                "llama_memory_seq_rm": ([p, i32, i32, i32], ctypes.c_bool),
                "llama_memory_seq_cp": ([p, i32, i32, i32, i32], None),
                "llama_vocab_n_tokens": ([p], i32),
                "llama_vocab_bos": ([p], i32),
                "llama_vocab_eos": ([p], i32),
                "llama_vocab_get_text": ([p, i32], u8p),
                "llama_vocab_is_eog": ([p, i32], ctypes.c_bool),
                "llama_tokenize": ([p, u8p, i32, ctypes.POINTER(i32), i32, ctypes.c_bool, ctypes.c_bool], i32),
                "llama_token_to_piece": ([p, i32, u8p, i32, i32, ctypes.c_bool], i32),
                "llama_batch_init": ([i32, i32, i32], LlamaBatch),
                "llama_batch_free": ([LlamaBatch], None),
                "llama_decode": ([p, LlamaBatch], i32),
                "llama_get_logits_ith": ([p, i32], ctypes.POINTER(ctypes.c_float)),
            }
            functions = {}
            for name, (argtypes, restype) in signatures.items():
                function = getattr(lib, name)
                function.argtypes, function.restype = argtypes, restype
                functions[name] = function
            _check_layout(bytes(functions["llama_context_default_params"]().raw))
            lib.llama_log_set.argtypes, lib.llama_log_set.restype = [_LOG_CALLBACK, p], None
            lib.llama_log_set(_log, None)  # llama.cpp logs every load and context at INFO otherwise
            functions["llama_backend_init"]()
            _LIBRARY = SimpleNamespace(**functions)
        return _LIBRARY


def _check_layout(defaults: bytes) -> None:
    """Raise if llama_context_params is not laid out as :data:`_CONTEXT_FIELDS` says."""
    for name, (offset, kind, expected) in _CONTEXT_FIELDS.items():
        (value,) = struct.unpack_from(kind, defaults, offset)
        if expected is not None and value != expected:
            raise RuntimeError(f"xllamacpp's llama.cpp has another llama_context_params layout ({name})")
    if defaults[_CONTEXT_FLAGS_AT:_CONTEXT_FLAGS_AT + len(_CONTEXT_FLAGS)] != _CONTEXT_FLAGS:
        raise RuntimeError("xllamacpp's llama.cpp has another llama_context_params layout (flags)")


@dataclass
class FormattedPrompt:
    """What llama-cpp-python's chat formatter returns, as far as the decoder uses it."""

    prompt: str
    stop: list[str]
    added_special: bool = True


class JinjaChatTemplate:
    """The GGUF's Jinja chat template, rendered as llama-cpp-python's ``Jinja2ChatFormatter``."""

    def __init__(self, template: str, eos_token: str, bos_token: str) -> None:
        import jinja2.ext
        import jinja2.sandbox

        class IgnoreGenerationTags(jinja2.ext.Extension):
            tags = {"generation"}

            def parse(self, parser: Any) -> Any:
                parser.stream.skip(1)
                return parser.parse_statements(("name:endgeneration",), drop_needle=True)

        environment = jinja2.sandbox.ImmutableSandboxedEnvironment(
            loader=jinja2.BaseLoader(), trim_blocks=True, lstrip_blocks=True,
            extensions=[IgnoreGenerationTags, jinja2.ext.loopcontrols])
        environment.filters["tojson"] = _tojson
        self._template = environment.from_string(template)
        self.eos_token, self.bos_token = eos_token, bos_token

    def __call__(self, *, messages: list[dict[str, Any]]) -> FormattedPrompt:
        def raise_exception(message: str) -> None:
            raise ValueError(message)

        prompt = self._template.render(
            messages=messages, eos_token=self.eos_token, bos_token=self.bos_token,
            raise_exception=raise_exception, add_generation_prompt=True, functions=None,
            function_call=None, tools=None, tool_choice=None,
            strftime_now=lambda f: datetime.now().strftime(f))
        return FormattedPrompt(prompt=prompt, stop=[self.eos_token])


def _tojson(x: Any, ensure_ascii: bool = False, indent: int | None = None,
            separators: tuple[str, str] | None = None, sort_keys: bool = False) -> str:
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


class CApiModel:
    """A GGUF model loaded through xllamacpp's llama.cpp, as :class:`.local_batch.BatchedChat`
    uses it, with llama-cpp-python's settings (``n_ctx`` per sequence, 512-token batches, flash
    attention off: :data:`.local_batch.FLASH_ATTENTION`).

    Raises:
        RuntimeError: llama.cpp could not load the model or has an unknown parameter layout.
    """

    def __init__(self, path: Path, n_ctx: int) -> None:
        self.c = _load()
        self.model_path = str(path)
        self.model = self.c.llama_model_load_from_file(str(path).encode(), self.c.llama_model_default_params())
        if not self.model:
            raise RuntimeError(f"llama.cpp could not load {path}")
        self.vocab = self.c.llama_model_get_vocab(self.model)
        self.n_ctx, self.n_batch = n_ctx, 512
        self.n_vocab = self.c.llama_vocab_n_tokens(self.vocab)
        self._bos = self.c.llama_vocab_bos(self.vocab)
        eos = self.c.llama_vocab_eos(self.vocab)
        self.formatter = JinjaChatTemplate(self._meta("tokenizer.chat_template"),
                                           eos_token=self._text(eos), bos_token=self._text(self._bos))

    def _text(self, token: int) -> str:
        return self.c.llama_vocab_get_text(self.vocab, token).decode("utf-8") if token != -1 else ""

    def _meta(self, key: str) -> str:
        size = 1024
        while True:
            buffer = ctypes.create_string_buffer(size)
            length = self.c.llama_model_meta_val_str(self.model, key.encode(), buffer, size)
            if length < 0:
                raise RuntimeError(f"{self.model_path} has no {key}")
            if length < size:
                return buffer.value.decode("utf-8")
            size = length + 1

    def context_params(self, n_ctx: int, n_seq_max: int) -> _Params:
        """llama-cpp-python's context settings for ``n_seq_max`` sequences, a KV stream each."""
        params = self.c.llama_context_default_params()
        threads = os.cpu_count() or 1
        values = {"n_ctx": n_ctx, "n_batch": self.n_batch, "n_ubatch": self.n_batch, "n_seq_max": n_seq_max,
                  "n_threads": threads, "n_threads_batch": threads, "flash_attn_type": int(FLASH_ATTENTION),
                  "yarn_ext_factor": -1.0, "yarn_attn_factor": 1.0, "yarn_beta_fast": 32.0, "yarn_beta_slow": 1.0}
        for name, value in values.items():
            offset, kind, _ = _CONTEXT_FIELDS[name]
            struct.pack_into(kind, params.raw, offset, value)
        params.raw[_KV_UNIFIED_AT] = 0
        return params

    def tokenize(self, text: bytes, *, add_bos: bool, special: bool) -> list[int]:
        """As llama-cpp-python's ``Llama.tokenize``."""
        size = self.c.llama_model_n_ctx_train(self.model)
        for _ in range(2):
            tokens = (ctypes.c_int32 * size)()
            count = self.c.llama_tokenize(self.vocab, text, len(text), tokens, size, add_bos, special)
            if count >= 0:
                return list(tokens[:count])
            size = -count
        raise RuntimeError(f"could not tokenize {len(text)} bytes")

    def detokenize(self, tokens: list[int]) -> bytes:
        """As llama-cpp-python's ``Llama.detokenize`` (pieces joined; a leading BOS space dropped)."""
        buffer = ctypes.create_string_buffer(32)
        pieces = []
        for token in tokens:
            length = self.c.llama_token_to_piece(self.vocab, token, buffer, 32, 0, False)
            pieces.append(buffer.raw[:length])
        output = b"".join(pieces)
        return output[1:] if tokens and tokens[0] == self._bos and output[:1] == b" " else output

    def close(self) -> None:
        """Free the model (idempotent)."""
        if self.model:
            self.c.llama_model_free(self.model)
            self.model = None
