"""Run the LLM composer over the bundled eval set and record every statement it writes.

Called by ``bash scripts/llm_demo.sh --eval OUT_DIR`` with the endpoint settings in the environment
(``CURBSIDE_COMPOSER__NAME=llm``, ``CURBSIDE_LLM__BASE_URL``, ``CURBSIDE_LLM__UNSUPPORTED=flag``).
Writes ``OUT_DIR/statements.jsonl`` (one row per statement the model wrote and the parser kept:
question, section, text, cited chunk text, verdict and reason) and ``OUT_DIR/summary.json``
(statements written, kept, removed by reason, bottom-line hit and verified citation support of what
was kept). Flag mode keeps failing statements marked, so their reasons can be counted; what the
default ``remove`` mode would keep is exactly the statements marked supported.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from curbside import Pipeline
from curbside.evals import metrics as M
from curbside.evals.sets import SETS_DIR, as_mapping, read_items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", default="local")
    parser.add_argument("--max-items", type=int, default=None)
    parser.add_argument("--start", type=int, default=0,
                        help="Skip the first START answerable questions (to extend an earlier run).")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    items = [i for i in read_items(SETS_DIR / "bundled.jsonl") if i.expected == "answer"]
    items = items[args.start :]
    if args.max_items:
        items = items[: args.max_items]
    reasons: Counter[str] = Counter()
    written = kept = llm_answers = 0
    hits: list[bool] = []
    support: list[float] = []
    started = time.perf_counter()
    with Pipeline() as pipeline, (args.out / "statements.jsonl").open("w", encoding="utf-8") as fh:
        for n, item in enumerate(items, start=1):
            answer = pipeline.ask(item.question)
            used_llm = answer.composer == "llm"
            llm_answers += used_llm
            by_chunk = {p.chunk.chunk_id: p for p in answer.passages}
            if used_llm:
                statements = answer.statements()
                flagged_here = sum(1 for s in statements if s.supported is False)
                removed_outright = max(0, answer.unsupported_removed - flagged_here)
                written += len(statements) + removed_outright
                reasons["no valid citation or injection"] += removed_outright
                for i, st in enumerate(statements):
                    cited = by_chunk.get(st.citations[0].chunk_id)
                    ok = st.supported is not False
                    kept += ok
                    if not ok:
                        reasons[(st.verification or "unverified").split(":", 1)[0]] += 1
                    fh.write(json.dumps({
                        "id": f"{item.id}#{i}", "question": item.question, "statement": st.text,
                        "chunk_text": cited.chunk.text if cited else "", "title": cited.document.title if cited else "",
                        "verifier": "supported" if ok else "unsupported", "reason": st.verification or "",
                        "bottom_line": st is answer.bottom_line,
                    }) + "\n")
                # what the default (remove) mode keeps: the statements marked supported
                kept_answer = answer.model_copy(deep=True)
                kept_answer.sections = [s.model_copy(update={"statements": [x for x in s.statements if x.supported is not False]}) for s in kept_answer.sections]
                if kept_answer.bottom_line is not None and kept_answer.bottom_line.supported is False:
                    kept_answer.bottom_line = None
                gold = as_mapping(item.gold_ids)
                matcher = M.GoldMatcher(gold)
                terms = item.bottom_line_any or item.key_facts
                hit = M.bottom_line_hit(kept_answer, terms, gold, matcher)
                if hit is not None:
                    hits.append(hit)
                vs = M.citation_support(kept_answer)  # the eval's lexical support, independent of the verifier
                if vs is not None:
                    support.append(vs)
            fh.flush()
            print(f"[{n}/{len(items)}] {item.id}: composer={answer.composer} statements={len(answer.statements())}", file=sys.stderr, flush=True)
            _write_summary(args, n, llm_answers, written, kept, reasons, hits, support, started)
    summary = _write_summary(args, len(items), llm_answers, written, kept, reasons, hits, support, started)
    print(json.dumps(summary, indent=1))
    return 0


def _write_summary(args: argparse.Namespace, items: int, llm_answers: int, written: int, kept: int,
                   reasons: Counter[str], hits: list[bool], support: list[float], started: float) -> dict:
    """The figures so far, rewritten after every question (a run cut short keeps its summary)."""
    summary = {
        "model": args.model,
        "items": items,
        "answers_by_llm": llm_answers,
        "fell_back": items - llm_answers,
        "statements_written": written,
        "kept": kept,
        "removed": written - kept,
        "removed_by_reason": dict(reasons.most_common()),
        "bottom_line_hit": round(sum(hits) / len(hits), 4) if hits else None,
        "bottom_line_hit_n": len(hits),
        "lexical_citation_support_of_kept": round(sum(support) / len(support), 4) if support else None,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


if __name__ == "__main__":
    raise SystemExit(main())
