"""Whether the library covers what was asked (issue 15, point 4): the coverage of an answer is
decided on what the sources state about the intervention, including what a source says it leaves
out, and on the same reading of the question from grounding to plan."""

from __future__ import annotations

import pytest

from curbside.qa import compose
from curbside.qa.aliases import AliasTable


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("This digest leaves out the label's numeric starting doses and organ-specific trough target ranges; read the full label.",
         [("dose", frozenset()), ("target", frozenset())]),
        ("This digest leaves out numeric starting and maintenance doses and the renal dose adjustments in the label.",
         [("dose", frozenset()), ("renal dose", frozenset())]),
        ("The dose and duration of pivmecillinam are not restated here; readers should check the source.",
         [("dose", frozenset({"pivmecillinam"})), ("duration", frozenset({"pivmecillinam"}))]),
        ("This digest does not include specific colchicine, allopurinol, or azathioprine doses.",
         [("dose", frozenset({"colchicine", "allopurinol", "azathioprine"}))]),
        ("This summary leaves out advanced heart failure, hospitalised patients and target doses of each drug.",
         [("dose", frozenset())]),
        # who a source leaves out is its scope (``_excludes``), not an omitted attribute
        ("This summary leaves out children and adolescents, adults older than 75 years, and pregnancy.", []),
        # "is not given" describes patients unless the document says it of itself ("here")
        ("Opportunistic infections become prominent, especially when prophylaxis is not given.", []),
    ],
)
def test_what_a_source_says_it_leaves_out(statement: str, expected: list[tuple[str, frozenset[str]]], table: AliasTable) -> None:
    assert compose.omitted_items(statement, table) == expected


def test_an_omitted_dose_counts_only_against_a_question_for_the_amount() -> None:
    """A digest without its dose table still says "reduce the dose": only a question asking how
    much is left unanswered by the omission."""
    from curbside.qa.types import QuestionFrame

    dose = QuestionFrame(intent="dose", intervention="tacrolimus", asked_attribute="dose")
    assert compose._omitted_kinds(dose, "Prograf starting dose after a liver transplant?") == {"dose"}
    change = QuestionFrame(intent="dose_adjustment", intervention="tacrolimus", current_medications=["fluconazole"], asked_attribute="dose")
    assert compose._omitted_kinds(change, "On tacrolimus, starting fluconazole: change anything?") == frozenset()
    renal = QuestionFrame(intent="dose_adjustment", intervention="azathioprine", asked_attribute="renal dose", qualifier="CrCl 20")
    assert compose._omitted_kinds(renal, "Azathioprine with a CrCl of 20: same dose?") == {"renal dose"}


@pytest.mark.integration
def test_a_statement_of_what_a_source_leaves_out_never_answers(bundled_pipeline) -> None:
    """The sirolimus digest "leaves out ... numeric trough target ranges": the answer says the
    library does not state it, in the source's words, instead of leading with that sentence or
    with a statement that only mentions a target."""
    a = bundled_pipeline.ask("Rapamune trough goal once cyclosporine has been stopped?")
    assert a.abstained and a.coverage == "partial", a.bottom_line
    assert "says it leaves this out" in (a.abstention_reason or ""), a.abstention_reason
    assert "trough target ranges" in (a.abstention_reason or "")


@pytest.mark.integration
def test_a_category_statement_does_not_make_up_for_an_omission(bundled_pipeline) -> None:
    """The cystitis guideline says pivmecillinam's duration is not restated; "antibiotic treatment
    should continue for no less than 5 days" (pneumonia) is about antibiotics as a category and
    does not answer how long to give pivmecillinam."""
    a = bundled_pipeline.ask("How many days of pivmecillinam for a bladder infection?")
    assert a.abstained and a.coverage == "partial", a.bottom_line
    assert "pivmecillinam" in (a.abstention_reason or "")


@pytest.mark.integration
def test_the_other_drug_reading_starts_from_nothing(bundled_pipeline) -> None:
    """"By how much should I cut colchicine in someone on tacrolimus?" is tried as a question about
    tacrolimus too; colchicine's own doses must not count as about tacrolimus under that reading
    (nothing the library says gives the cut with tacrolimus, so the answer is partial)."""
    a = bundled_pipeline.ask("By how much should I cut colchicine in someone on tacrolimus?")
    assert a.abstained and a.coverage == "partial", a.bottom_line


@pytest.mark.integration
def test_an_interaction_may_be_stated_under_the_other_drug(bundled_pipeline) -> None:
    """Asked about starting ketoconazole in a patient on apixaban, the interaction is stated in the
    apixaban label (strong dual CYP3A4 and P-gp inhibitors): that answers the question."""
    a = bundled_pipeline.ask("Patient takes apixaban and now needs ketoconazole. Any interaction?")
    assert not a.abstained and a.coverage == "full", a.abstention_reason
    assert a.bottom_line is not None and "apixaban" in a.bottom_line.text.lower()
    assert "cyp3a4" in a.bottom_line.text.lower()


@pytest.mark.integration
def test_a_full_answer_has_a_bottom_line(bundled_pipeline) -> None:
    """Grounding and plan read the sweep's decisive findings the same way: a question no statement
    answers is partial, never "full" with nothing to say."""
    a = bundled_pipeline.ask("Rapamune trough goal once cyclosporine has been stopped?")
    assert a.coverage != "full" or a.bottom_line is not None


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("dose at a CrCl of 40?", True),
        ("Allopurinol dosing on hemodialysis?", True),
        ("What about the dose in CKD stage 4?", True),
        ("Is the dose the same on dialysis?", False),
        ("Does it need adjusting for kidney function?", False),
    ],
)
def test_a_dose_asked_at_a_kidney_function(question: str, asked: bool) -> None:
    from curbside.qa.plan import asks_dose_at_kidney_function

    assert asks_dose_at_kidney_function(question) is asked


def test_a_dose_at_a_kidney_function_wants_the_amount_whatever_the_shape() -> None:
    """"Dose at a CrCl of 40?" is short enough to be read as yes/no; it still asks how much."""
    from curbside.qa.types import QuestionFrame

    frame = QuestionFrame(intent="dose_adjustment", intervention="valganciclovir", asked_attribute="renal dose", qualifier="CrCl 40", yes_no=True)
    assert compose._asks_for_value(frame, "dose at a CrCl of 40?")
    assert not compose._asks_for_value(frame, "Is the dose the same at a CrCl of 40?")


@pytest.mark.integration
def test_doses_must_be_adjusted_does_not_answer_the_dose_at_a_kidney_function(bundled_pipeline) -> None:
    """The CMV guideline says valganciclovir "doses must be adjusted for kidney function" and
    gives no dose: the dose at a CrCl of 40 is not stated."""
    a = bundled_pipeline.ask("dose at a CrCl of 40?", history=["How long is Valcyte prophylaxis after a kidney transplant?"])
    assert a.abstained and a.coverage == "partial", a.bottom_line
    assert "valganciclovir" in (a.abstention_reason or "")


def test_a_screening_statement_answers_a_monitoring_question() -> None:
    """Monitoring includes the tests before and while on a drug (the clinician set's intent
    convention): "rescreen for latent tuberculosis every year while on a biologic" answers "repeat
    the TB test every year?" read as monitoring."""
    from curbside.qa.claims import Claim
    from curbside.qa.plan import attribute_match
    from curbside.qa.types import QuestionFrame

    screening = Claim(drugs=frozenset(), classes=frozenset({"biologic"}), relations=frozenset({"screening"}), populations=frozenset(),
                      conditions=frozenset(), phases=frozenset(), renal_ranges=(), hedged=False)
    frame = QuestionFrame(intent="monitoring", intervention="etanercept", asked_attribute="monitoring")
    assert attribute_match(screening, frame, "On Enbrel - repeat the TB test every year?") == 1.0


@pytest.mark.integration
def test_a_monitoring_question_about_tb_tests_is_covered(bundled_pipeline) -> None:
    a = bundled_pipeline.ask("On Humira for RA - recheck TB yearly?")
    assert not a.abstained and a.coverage == "full", a.abstention_reason
    assert a.bottom_line is not None and "tuberculosis" in a.bottom_line.text.lower()
