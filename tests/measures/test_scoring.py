"""The measures' arithmetic at its boundaries (API.md "Measurements and outcomes")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from telehealth.errors import ValidationFailed
from telehealth.measures.scoring import (
    RomSummary,
    compare_to_baseline,
    max_degrees,
    odi_band,
    score_nprs,
    score_odi,
    score_outcome,
    score_psfs,
    summarize_rom,
)

IR, ER = "hip_internal_rotation", "hip_external_rotation"


def refused_fields(instrument: str, answers: list) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        score_outcome(instrument, answers)
    return refused.value.errors or {}


# --- ODI -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "score"),
    [
        ([5] * 10, 100.0),
        ([0] * 10, 0.0),
        ([3, 3, 2, 2, 3, 2, 3, 2, 2, 3], 50.0),
        # 9 answered: 1/45 -> 2.2, 4/45 -> 8.9 (rounded, not truncated)
        ([1, 0, 0, 0, 0, 0, 0, 0, 0, None], 2.2),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0, None], 8.9),
        # 8 answered: 18 / 40 -> 45.0
        ([3, 3, 3, 3, 2, 2, 1, 1, None, None], 45.0),
    ],
)
def test_odi_score_is_sum_over_five_times_answered_sections_as_percent(answers, score):
    assert score_odi(answers).score == score


def test_odi_scores_with_exactly_eight_sections_answered():
    assert score_odi([2, 2, 2, 2, 2, 2, 2, 2, None, None]).score == 40.0


def test_odi_with_seven_sections_answered_is_refused_naming_answers():
    assert "answers" in refused_fields("odi", [2, 2, 2, 2, 2, 2, 2, None, None, None])


@pytest.mark.parametrize("count", [0, 9, 11])
def test_odi_needs_exactly_ten_answers(count):
    assert "answers" in refused_fields("odi", [1] * count)


@pytest.mark.parametrize("bad", [6, -1, 2.5, "3", True, [1], {"score": 1}])
def test_odi_answer_outside_0_to_5_is_refused_naming_its_section(bad):
    answers = [1, 1, 1, bad, 1, 1, 1, 1, 1, 1]
    assert list(refused_fields("odi", answers)) == ["answers.3"]


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "minimal"),
        (20, "minimal"),
        (20.5, "moderate"),  # above an edge belongs to the next band
        (21, "moderate"),
        (40, "moderate"),
        (40.1, "severe"),
        (60, "severe"),
        (61, "crippled"),
        (80, "crippled"),
        (80.5, "bed_bound"),
        (81, "bed_bound"),
        (100, "bed_bound"),
    ],
)
def test_odi_band_edges_are_inclusive_upper_bounds(score, band):
    assert odi_band(score) == band


def test_odi_interpretation_comes_with_the_score():
    assert score_odi([1] * 10).interpretation == "minimal"  # 20.0
    assert score_odi([1] * 9 + [2]).interpretation == "moderate"  # 22.0


# --- NPRS ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "interpretation"), [(0, "none"), (3, "mild"), (4, "moderate"), (7, "severe"), (10, "severe")]
)
def test_nprs_score_is_the_rating(rating, interpretation):
    scored = score_nprs([rating])
    assert (scored.score, scored.interpretation) == (float(rating), interpretation)


@pytest.mark.parametrize("bad", [11, -1, 4.5, None, "5", False])
def test_nprs_rating_outside_0_to_10_is_refused_naming_it(bad):
    assert list(refused_fields("nprs", [bad])) == ["answers.0"]


@pytest.mark.parametrize("answers", [[], [3, 4]])
def test_nprs_takes_exactly_one_rating(answers):
    assert "answers" in refused_fields("nprs", answers)


# --- PSFS ------------------------------------------------------------------------------------


def psfs(*scores: object) -> list[dict]:
    return [{"activity": f"activity {i}", "score": score} for i, score in enumerate(scores)]


def test_psfs_with_three_activities_scores_their_mean_to_one_decimal():
    assert score_psfs(psfs(4, 5, 5)).score == 4.7


def test_psfs_with_five_activities_scores_their_mean():
    assert score_psfs(psfs(10, 8, 6, 4, 2)).score == 6.0


def test_psfs_mean_rounds_half_up():
    assert score_psfs(psfs(6, 6, 7, 6)).score == 6.3  # 6.25
    assert score_psfs(psfs(2, 2, 3, 3)).score == 2.5


@pytest.mark.parametrize("count", [2, 6])
def test_psfs_takes_three_to_five_activities(count):
    assert "answers" in refused_fields("psfs", psfs(*[5] * count))


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"activity": "golf", "score": 11}, "answers.1.score"),
        ({"activity": "golf", "score": 7.5}, "answers.1.score"),
        ({"activity": "golf"}, "answers.1.score"),
        ({"activity": "   ", "score": 5}, "answers.1.activity"),
        ({"activity": "x" * 201, "score": 5}, "answers.1.activity"),
        ({"score": 5}, "answers.1.activity"),
        ({"activity": "golf", "score": 5, "note": "x"}, "answers.1.note"),
        (7, "answers.1"),
    ],
)
def test_psfs_bad_item_is_refused_naming_the_field(item, field):
    answers = [*psfs(5), item, *psfs(5)]
    assert list(refused_fields("psfs", answers)) == [field]


def test_psfs_activity_names_are_stored_trimmed():
    scored = score_psfs([{"activity": "  golf swing ", "score": 3}, *psfs(4, 5)])
    assert scored.answers[0] == {"activity": "golf swing", "score": 3}
    assert scored.interpretation is None


# --- Change from baseline --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "baseline", "score", "change", "meaningful", "improved"),
    [
        ("odi", 40.0, 30.0, -10.0, True, True),
        ("odi", 40.0, 31.0, -9.0, False, True),
        ("odi", 30.0, 40.0, 10.0, True, False),  # a meaningful worsening is still meaningful
        ("nprs", 6.0, 4.0, -2.0, True, True),
        ("nprs", 6.0, 5.0, -1.0, False, True),
        ("nprs", 3.0, 3.0, 0.0, False, False),
        ("psfs", 4.8, 6.8, 2.0, True, True),  # 6.8 - 4.8 in binary floats is 1.99999...
        ("psfs", 6.8, 4.8, -2.0, True, False),
        ("psfs", 5.0, 6.9, 1.9, False, True),
    ],
)
def test_meaningful_change_is_the_size_reaching_the_mcid_and_improved_follows_the_direction(
    instrument, baseline, score, change, meaningful, improved
):
    compared = compare_to_baseline(instrument, score, baseline)
    assert compared.change_from_baseline == change
    assert compared.meaningful_change is meaningful
    assert compared.improved is improved


def test_the_baseline_itself_has_no_change():
    compared = compare_to_baseline("odi", 40.0, None)
    assert compared.change_from_baseline is None
    assert compared.meaningful_change is False
    assert compared.improved is None
    assert compared.direction is None


@pytest.mark.parametrize(
    ("instrument", "baseline", "score", "direction", "meaningful"),
    [
        ("odi", 30.0, 40.0, "worsened", True),  # more disability: worse, and by the MCID
        ("odi", 30.0, 39.9, "worsened", False),
        ("odi", 40.0, 30.0, "improved", True),
        ("odi", 30.0, 30.0, "unchanged", False),
        ("nprs", 3.0, 5.0, "worsened", True),  # more pain
        ("nprs", 5.0, 3.0, "improved", True),
        ("nprs", 4.0, 4.0, "unchanged", False),
        ("psfs", 6.0, 4.0, "worsened", True),  # less ability
        ("psfs", 4.8, 6.8, "improved", True),
        ("psfs", 5.0, 5.0, "unchanged", False),
    ],
)
def test_direction_reads_odi_and_nprs_downwards_and_psfs_upwards(
    instrument, baseline, score, direction, meaningful
):
    compared = compare_to_baseline(instrument, score, baseline)
    assert compared.direction == direction
    assert compared.meaningful_change is meaningful


# --- Range of motion -------------------------------------------------------------------------


MARCH_1 = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass
class R:
    """A reading as the summary sees it."""

    type: str
    side: str
    degrees: float
    measured_at: datetime = MARCH_1
    source: str = "clinician"
    position: str | None = None
    created_at: datetime = MARCH_1
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def test_rotation_readings_go_to_90_degrees_and_others_to_180():
    assert max_degrees(IR) == max_degrees(ER) == 90
    assert max_degrees("hip_flexion") == max_degrees("hip_abduction") == 180


def both_sides(left: tuple[float, float], right: tuple[float, float], threshold: float) -> RomSummary:
    """Summarize (internal, external) rotation of each side."""
    readings = [
        R(IR, "left", left[0]),
        R(ER, "left", left[1]),
        R(IR, "right", right[0]),
        R(ER, "right", right[1]),
    ]
    return summarize_rom(readings, threshold)


def test_asymmetry_exactly_at_the_threshold_is_flagged():
    summary = both_sides((30, 45), (25, 40), 10)
    assert (summary.left.total_rotation, summary.right.total_rotation) == (75, 65)
    assert summary.asymmetry_degrees == 10
    assert summary.flagged is True


def test_asymmetry_just_under_the_threshold_is_not_flagged():
    summary = both_sides((30, 45), (25, 40.1), 10)
    assert summary.asymmetry_degrees == 9.9
    assert summary.flagged is False


def test_asymmetry_of_decimal_readings_is_exact():
    # 90.2 - 80.2 in binary floats is 9.999999999999986, which would miss the flag.
    summary = both_sides((53.8, 36.4), (24.6, 55.6), 10)
    assert summary.asymmetry_degrees == 10.0
    assert summary.flagged is True


def test_asymmetry_is_the_absolute_difference_whichever_side_is_stiffer():
    summary = both_sides((20, 40), (35, 45), 12.5)
    assert summary.asymmetry_degrees == 20
    assert summary.flagged is True
    assert summary.threshold_degrees == 12.5


def test_rom_summary_without_readings_is_all_null_and_unflagged():
    summary = summarize_rom([], 10)
    assert summary.left.total_rotation is None and summary.right.internal_rotation is None
    assert summary.asymmetry_degrees is None
    assert summary.flagged is False
    assert summary.measured_at is None


def test_a_side_missing_one_rotation_has_no_total_and_no_asymmetry():
    newest = datetime(2026, 3, 5, tzinfo=UTC)
    summary = summarize_rom(
        [R(IR, "left", 30), R(ER, "left", 45), R(IR, "right", 25, newest)],
        10,
    )
    assert summary.left.total_rotation == 75
    assert summary.right.internal_rotation == 25
    assert summary.right.external_rotation is None and summary.right.total_rotation is None
    assert summary.asymmetry_degrees is None and summary.flagged is False
    assert summary.measured_at == newest
