"""The safety eval's false-alarm metric (issue 19): a warning quoted for a safe pair is an alarm
only when it warns about that pair, not about a different party."""

from __future__ import annotations

import pytest

from curbside.evals import metrics as M
from curbside.evals.sets import FrameSpec, SafetySpec
from tests.evals.fakes import framed_answer, passage, statement

SAFE = SafetySpec(kind="safe", relation="none", statement="...", file="labels/allopurinol-zyloprim-label.md")
LABEL = passage("/corpus/labels/allopurinol-zyloprim-label.md", "Allopurinol label text.", doc_id="zyloprim")
ALLOPURINOL_TACROLIMUS = FrameSpec(intent="safety", intervention="allopurinol", current_medications=["tacrolimus"],
                                   conditions=["gout", "kidney transplant"], population=["transplant"], asked_attribute="safety")
ANAKINRA_GOUT = FrameSpec(intent="safety", intervention="anakinra", conditions=["gout"], asked_attribute="safety")


def _alarm(text: str, frame: FrameSpec, decision: str | None = None) -> bool | None:
    answer = framed_answer("q", None, [LABEL], risks=[statement(text, LABEL)], decision=decision)
    return M.safety_outcome(answer, SAFE, frame)["false_alarm"]


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        # said of patients taking a drug the pair does not include
        ("KDIGO recommends avoiding allopurinol in kidney transplant recipients who take azathioprine.", ALLOPURINOL_TACROLIMUS),
        # the contraindication is the other drugs', the statement recommends the intervention
        ("The ACR conditionally recommends an IL-1 inhibitor, such as anakinra, for a gout flare when colchicine, "
         "NSAIDs and glucocorticoids are ineffective, poorly tolerated or contraindicated.", ANAKINRA_GOUT),
    ],
)
def test_a_warning_about_another_party_is_no_alarm_for_the_pair(text: str, frame: FrameSpec) -> None:
    assert M.warns_about_another_party(text, frame)
    assert _alarm(text, frame) is False


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ("Allopurinol should be avoided in kidney transplant recipients on tacrolimus.", ALLOPURINOL_TACROLIMUS),
        ("Avoid allopurinol with tacrolimus in transplant recipients.", ALLOPURINOL_TACROLIMUS),
        ("Anakinra is not recommended for gout flares.", ANAKINRA_GOUT),
    ],
)
def test_a_warning_about_the_pair_itself_is_an_alarm(text: str, frame: FrameSpec) -> None:
    assert not M.warns_about_another_party(text, frame)
    assert _alarm(text, frame) is True


def test_refusing_the_pair_is_an_alarm_whatever_it_quotes() -> None:
    text = "KDIGO recommends avoiding allopurinol in kidney transplant recipients who take azathioprine."
    assert _alarm(text, ALLOPURINOL_TACROLIMUS, decision="no") is True


def test_a_partial_answers_risks_show_the_danger_but_an_abstention_shows_none() -> None:
    danger = SafetySpec(kind="danger", relation="interaction", danger_any=["lactic acidosis"], statement="...",
                        file="labels/allopurinol-zyloprim-label.md")
    risk = statement("Topiramate can add to the lactic acidosis risk with metformin.", LABEL)
    partial = framed_answer("q", None, [LABEL], risks=[risk], decision="insufficient")
    partial.abstained, partial.coverage = True, "partial"
    assert M.safety_outcome(partial, danger, ANAKINRA_GOUT)["sweep_hit"] is True
    refused = partial.model_copy(update={"coverage": "none"})
    assert M.safety_outcome(refused, danger, ANAKINRA_GOUT)["sweep_hit"] is False
