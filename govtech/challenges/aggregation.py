"""Turning experts' scores into a ranking.

Each expert's scores give one total out of 100: the sum over criteria of
weight × score ÷ top of the scale (weights add up to 100). A submission's score is the mean
of its experts' totals, which is the weighted mean of the criterion means. The panel
disagrees strongly when the highest and lowest totals lie further apart than the
challenge's ``disagreement_spread``. Only handed-in evaluations count."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from govtech.challenges.models import Criterion, Declaration, Phase, Score, Submission, SubmissionStatus

TWO_PLACES = Decimal("0.01")


@dataclass
class ResultRow:
    submission: Submission
    expert_totals: list[Decimal] = field(default_factory=list)
    criterion_means: dict[int, Decimal] = field(default_factory=dict)
    mean: Decimal | None = None
    spread: Decimal | None = None
    disagreement: bool = False
    rank: int | None = None


def expert_total(scores: dict[int, int], criteria: list[Criterion]) -> Decimal:
    """One expert's weighted total out of 100."""
    total = sum(
        (
            Decimal(criterion.weight) * Decimal(scores[criterion.pk]) / Decimal(criterion.scale_max)
            for criterion in criteria
        ),
        Decimal(0),
    )
    return total.quantize(TWO_PLACES, ROUND_HALF_UP)


def rank_rows(rows: list[ResultRow], *, threshold: Decimal) -> list[ResultRow]:
    """Fill mean, spread and the disagreement flag, then rank: highest mean first, ties to the
    earlier submission; rows without evaluations come last, unranked."""
    for row in rows:
        if row.expert_totals:
            mean = sum(row.expert_totals, Decimal(0)) / len(row.expert_totals)
            row.mean = mean.quantize(TWO_PLACES, ROUND_HALF_UP)
            row.spread = max(row.expert_totals) - min(row.expert_totals)
            row.disagreement = row.spread > threshold
    rows.sort(key=lambda row: (row.mean is None, -(row.mean or 0), row.submission.submitted_at, row.submission.pk))
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.mean is not None else None
    return rows


def panel_results(cycle_or_phase) -> list[ResultRow]:
    """Results of one review cycle, or of a whole phase (every cycle), in three queries."""
    if isinstance(cycle_or_phase, Phase):
        phase = cycle_or_phase
        submissions = Submission.objects.filter(phase=phase)
    else:
        phase = cycle_or_phase.phase
        submissions = Submission.objects.filter(cycle=cycle_or_phase)
    challenge = phase.challenge
    criteria = list(Criterion.objects.filter(challenge_id=challenge.pk))
    submissions = list(
        submissions.exclude(status=SubmissionStatus.WITHDRAWN).select_related("supplier", "phase", "cycle")
    )
    by_assignment: dict[int, dict[int, int]] = {}
    assignment_submission: dict[int, int] = {}
    # Only handed-in evaluations of experts cleared of any conflict count.
    for score in Score.objects.filter(
        assignment__submission__in=submissions,
        assignment__completed_at__isnull=False,
        assignment__conflict=Declaration.NONE,
    ).values("assignment_id", "assignment__submission_id", "criterion_id", "value"):
        by_assignment.setdefault(score["assignment_id"], {})[score["criterion_id"]] = score["value"]
        assignment_submission[score["assignment_id"]] = score["assignment__submission_id"]
    rows = {submission.pk: ResultRow(submission) for submission in submissions}
    per_criterion: dict[int, dict[int, list[int]]] = {pk: {} for pk in rows}
    for assignment_id, scores in by_assignment.items():
        if set(scores) != {criterion.pk for criterion in criteria}:
            continue
        submission_id = assignment_submission[assignment_id]
        rows[submission_id].expert_totals.append(expert_total(scores, criteria))
        for criterion_id, value in scores.items():
            per_criterion[submission_id].setdefault(criterion_id, []).append(value)
    for submission_id, values in per_criterion.items():
        rows[submission_id].criterion_means = {
            criterion_id: (Decimal(sum(scores)) / len(scores)).quantize(TWO_PLACES, ROUND_HALF_UP)
            for criterion_id, scores in values.items()
        }
    return rank_rows(list(rows.values()), threshold=challenge.disagreement_spread)


@dataclass(frozen=True)
class ScoreSummary:
    submissions: int
    evaluated: int
    lowest: Decimal | None
    median: Decimal | None
    highest: Decimal | None


def summarise(rows: list[ResultRow]) -> ScoreSummary:
    means = [row.mean for row in rows if row.mean is not None]
    return ScoreSummary(
        submissions=len(rows),
        evaluated=len(means),
        lowest=min(means) if means else None,
        median=Decimal(median(means)).quantize(TWO_PLACES, ROUND_HALF_UP) if means else None,
        highest=max(means) if means else None,
    )
