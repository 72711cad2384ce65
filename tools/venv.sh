#!/usr/bin/env bash
# Run a command inside the project's virtual environment, creating and installing it first.
#
#   bash tools/venv.sh dvc repro          # the default benchmark, offline
#   bash tools/venv.sh python -m pytest   # the tests
#   bash tools/venv.sh                    # just create/update the environment
#
# Works with a stock distribution Python: only `python3` (or `python`) is needed on PATH, and
# nothing is installed outside the environment, so PEP 668 ("externally-managed-environment")
# does not apply. The environment is `.venv/` in the project (PRODBENCH_VENV overrides it).
# It is (re)installed with `.ci/install` whenever pyproject.toml, .ci/install or tools/install_model_file.sh changed since
# the last install; otherwise the command starts at once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${PRODBENCH_VENV:-$root/.venv}"

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python; do
        if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "tools/venv.sh: no Python 3.10 or newer found (looked for \$PYTHON, python3, python)" >&2
    return 1
}

create_venv() {
    local python
    python="$(find_python)"
    if "$python" -m venv "$venv" 2>/dev/null; then
        return 0
    fi
    rm -rf "$venv"
    # Debian and Ubuntu ship the venv module separately (python3-venv / python3.X-venv).
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        local version
        version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        echo "tools/venv.sh: installing python${version}-venv (the venv module is a separate package here)" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" >/dev/null
        "$python" -m venv "$venv" && return 0
    fi
    echo "tools/venv.sh: '$python -m venv' failed; install the venv module (Debian/Ubuntu:" \
        "sudo apt-get install python3-venv) and run this again" >&2
    return 1
}

install_stamp() {
    cat "$root/pyproject.toml" "$root/.ci/install" "$root/tools/install_model_file.sh" | cksum | cut -d' ' -f1
}

if [ ! -x "$venv/bin/python" ]; then
    echo "tools/venv.sh: creating $venv" >&2
    create_venv
fi
export VIRTUAL_ENV="$venv"
export PATH="$venv/bin:$PATH"
hash -r
stamp_file="$venv/.prodbench-install"
if [ "$(cat "$stamp_file" 2>/dev/null || true)" != "$(install_stamp)" ]; then
    echo "tools/venv.sh: installing prodbench into $venv (.ci/install)" >&2
    bash "$root/.ci/install"
    install_stamp > "$stamp_file"
fi
if [ "$#" -eq 0 ]; then
    echo "tools/venv.sh: $venv is ready; run commands with: bash tools/venv.sh COMMAND" >&2
    exit 0
fi
exec "$@"
