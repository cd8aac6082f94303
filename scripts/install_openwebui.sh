#!/usr/bin/env bash
# Installs what tests/server/test_openwebui.py needs: the real Open WebUI (PyPI open-webui, pinned)
# in a virtual environment of its own, outside the repository and never in .venv (it is a large
# install: chromadb, transformers, langchain, ...), plus Debian's Chromium and the playwright Python
# package in the project's .venv for the browser side.
#
#   bash scripts/install_openwebui.sh
#   .venv/bin/python -m pytest -q -m browser tests/server/test_openwebui.py
#
# Settings (environment):
#   CURBSIDE_OPENWEBUI_VENV     where Open WebUI goes (default ~/.cache/curbside/openwebui-venv); the
#                               test reads the same variable
#   CURBSIDE_OPENWEBUI_VERSION  the open-webui release (default 0.12.4, the one docs/openwebui.md
#                               records a run of)
#   CURBSIDE_TORCH_PIP_ARGS     extra pip arguments for torch, e.g.
#                               "--index-url https://download.pytorch.org/whl/cpu" where no CPU wheel
#                               lies in a local wheel directory; torch goes in first so that open-webui's
#                               sentence-transformers does not pull a multi-GB CUDA build
#
# Takes 5-15 minutes and about 3 GB of disk. Nothing here runs in CI (.ci/run): the test is marked
# slow and skips, naming this script, when the venv or Chromium is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${CURBSIDE_OPENWEBUI_VENV:-$HOME/.cache/curbside/openwebui-venv}"
VERSION="${CURBSIDE_OPENWEBUI_VERSION:-0.12.4}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# Open WebUI 0.12 wants Python 3.11 or 3.12
PYTHON="${CURBSIDE_OPENWEBUI_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for cand in python3.11 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1; then PYTHON="$cand"; break; fi
  done
fi
"$PYTHON" -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 13), sys.version' \
  || { echo "open-webui $VERSION needs Python 3.11 or 3.12 (set CURBSIDE_OPENWEBUI_PYTHON)" >&2; exit 1; }

if [ ! -x "$VENV/bin/python" ]; then
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install -q "torch==2.13.0" ${CURBSIDE_TORCH_PIP_ARGS:-}
"$VENV/bin/python" -m pip install -q "open-webui==$VERSION"
case "$("$VENV/bin/python" -c 'import torch; print(torch.__version__)')" in
  *+cpu) ;;
  *) echo "note: the torch in $VENV is not a +cpu build (it works, only larger)" >&2 ;;
esac
"$VENV/bin/open-webui" --help >/dev/null

# The browser side runs in the project's venv (playwright is in the dev extra), with Debian's Chromium:
# playwright's own browser download needs network the test never has.
if [ -x .venv/bin/python ] && ! .venv/bin/python -c "import playwright" 2>/dev/null; then
  .venv/bin/pip install -q playwright
fi
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi

echo "open-webui $("$VENV/bin/python" -m pip show open-webui | sed -n 's/^Version: //p') in $VENV"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || chromium --version)"
