"""Scores to ranking on a fixture small enough to compute by hand.

Criteria: «Решение» weight 50 of 10 points, «Команда» weight 30 of 5, «Данные» weight 20 of 3.
An expert's total is 50·a/10 + 30·b/5 + 20·c/3 = 5a + 6b + 6.67c (out of 100, to two places);
a submission's score is the mean of its experts' totals; the disagreement threshold is 25."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from govtech.challenges import aggregation
from govtech.challenges.aggregation import ResultRow, expert_total, panel_results, rank_rows, summarise
from govtech.challenges.models import Criterion, Declaration, Submission, SubmissionStatus
from tests.challenges.factories import AssignmentFactory, ChallengeFactory, SubmissionFactory
from tests.challenges.helpers import T0, at, hand_in, supplier_with_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

THRESHOLD = Decimal("25")


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def phase(clock, agency):
    challenge = ChallengeFactory(
        owner=agency,
        disagreement_spread=THRESHOLD,
        phases=[{"opens_at": at(-10), "closes_at": at(-1)}],
        criteria=[
            {"name": "Решение", "weight": 50, "scale_max": 10},
            {"name": "Команда", "weight": 30, "scale_max": 5},
            {"name": "Данные", "weight": 20, "scale_max": 3},
        ],
    )
    return challenge.phases.get()


@pytest.fixture
def experts():
    return [UserFactory(is_expert=True) for _ in range(3)]


def _submission(phase, title: str, days_before: int) -> Submission:
    supplier, _member = supplier_with_member()
    return SubmissionFactory(phase=phase, supplier=supplier, title=title, submitted_at=T0 - timedelta(days=days_before))


def _score(submission, expert, values, **fields):
    return hand_in(AssignmentFactory(submission=submission, expert=expert, **fields), values)


@pytest.fixture
def fixture(phase, experts):
    """The hand-built panel. Totals (5a + 6b + 20c/3), worked out:

    early     E1 (8,4,2) = 40+24+13.33 = 77.33   E2 (6,3,1) = 30+18+6.67 = 54.67   mean 66.00, spread 22.66
    later     E1 (7,4,3) = 35+24+20    = 79.00   E2 (7,3,0) = 35+18+0    = 53.00   mean 66.00, spread 26.00
    best      E1 (10,5,3) = 100   E2 (5,5,3) = 75   E3 (9,5,3) = 95                mean 90.00, spread 25.00
    partial   E1 (4,2,1) = 20+12+6.67 = 38.67; E2 scored two criteria and never handed in;
              E3 handed in with one criterion missing (impossible through the service)   mean 38.67
    recusal   E1 (2,1,0) = 16; E2 recused, yet a row of top scores exists for them      mean 16.00
    withdrawn E1 and E2 all top marks, but the supplier withdrew                        not ranked at all
    unscored  no evaluation                                                             last, unranked
    """
    e1, e2, e3 = experts
    rows = {}
    rows["early"] = _submission(phase, "Раннее", days_before=9)
    _score(rows["early"], e1, [8, 4, 2])
    _score(rows["early"], e2, [6, 3, 1])
    rows["later"] = _submission(phase, "Позднее", days_before=8)
    _score(rows["later"], e1, [7, 4, 3])
    _score(rows["later"], e2, [7, 3, 0])
    rows["best"] = _submission(phase, "Лучшее", days_before=7)
    for expert, values in zip(experts, [[10, 5, 3], [5, 5, 3], [9, 5, 3]], strict=True):
        _score(rows["best"], expert, values)
    rows["partial"] = _submission(phase, "Неполное", days_before=6)
    _score(rows["partial"], e1, [4, 2, 1])
    criteria = list(Criterion.objects.filter(challenge=phase.challenge).order_by("pk"))
    unfinished = AssignmentFactory(submission=rows["partial"], expert=e2)
    for criterion, value in zip(criteria[:2], [10, 5], strict=True):
        unfinished.scores.create(criterion=criterion, value=value)
    gap = AssignmentFactory(submission=rows["partial"], expert=e3, completed_at=T0)
    gap.scores.create(criterion=criteria[0], value=0)
    rows["recusal"] = _submission(phase, "С самоотводом", days_before=5)
    _score(rows["recusal"], e1, [2, 1, 0])
    recused = _score(rows["recusal"], e2, [10, 5, 3])
    recused.conflict = Declaration.RECUSED
    recused.save()
    rows["withdrawn"] = _submission(phase, "Отозванное", days_before=10)
    _score(rows["withdrawn"], e1, [10, 5, 3])
    _score(rows["withdrawn"], e2, [10, 5, 3])
    Submission.objects.filter(pk=rows["withdrawn"].pk).update(status=SubmissionStatus.WITHDRAWN)
    rows["unscored"] = _submission(phase, "Без оценок", days_before=11)
    return rows


def _by_title(results) -> dict[str, ResultRow]:
    return {row.submission.title: row for row in results}


def test_expert_totals_are_weights_times_score_over_scale(phase, fixture):
    results = _by_title(panel_results(phase))
    assert sorted(results["Раннее"].expert_totals) == [Decimal("54.67"), Decimal("77.33")]
    assert sorted(results["Позднее"].expert_totals) == [Decimal("53.00"), Decimal("79.00")]
    assert sorted(results["Лучшее"].expert_totals) == [Decimal("75.00"), Decimal("95.00"), Decimal("100.00")]


def test_means_spread_and_disagreement_around_the_threshold(phase, fixture):
    results = _by_title(panel_results(phase))
    early, later, best = results["Раннее"], results["Позднее"], results["Лучшее"]
    assert (early.mean, early.spread, early.disagreement) == (Decimal("66.00"), Decimal("22.66"), False)  # below
    assert (best.mean, best.spread, best.disagreement) == (Decimal("90.00"), Decimal("25.00"), False)  # at
    assert (later.mean, later.spread, later.disagreement) == (Decimal("66.00"), Decimal("26.00"), True)  # above


def test_criterion_means_are_per_criterion_averages(phase, fixture):
    criteria = list(Criterion.objects.filter(challenge=phase.challenge).order_by("pk"))
    early = _by_title(panel_results(phase))["Раннее"]
    assert early.criterion_means == {
        criteria[0].pk: Decimal("7.00"),
        criteria[1].pk: Decimal("3.50"),
        criteria[2].pk: Decimal("1.50"),
    }


def test_ranking_is_by_mean_with_ties_to_the_earlier_submission(phase, fixture):
    ranked = [(row.rank, row.submission.title, row.mean) for row in panel_results(phase)]
    assert ranked == [
        (1, "Лучшее", Decimal("90.00")),
        (2, "Раннее", Decimal("66.00")),  # submitted a day before «Позднее», same mean
        (3, "Позднее", Decimal("66.00")),
        (4, "Неполное", Decimal("38.67")),
        (5, "С самоотводом", Decimal("16.00")),
        (None, "Без оценок", None),  # no evaluations: last, unranked, though submitted first
    ]


def test_incomplete_evaluations_are_ignored(phase, fixture):
    partial = _by_title(panel_results(phase))["Неполное"]
    assert partial.expert_totals == [Decimal("38.67")]
    assert (partial.spread, partial.disagreement) == (Decimal("0.00"), False)


def test_withdrawn_submissions_are_excluded(phase, fixture):
    titles = {row.submission.title for row in panel_results(phase)}
    assert "Отозванное" not in titles
    assert len(titles) == 6


def test_a_recused_experts_scores_never_count(phase, fixture):
    recusal = _by_title(panel_results(phase))["С самоотводом"]
    assert recusal.expert_totals == [Decimal("16.00")]
    assert recusal.mean == Decimal("16.00")


def test_summary_lowest_median_highest(phase, fixture):
    summary = summarise(panel_results(phase))
    assert summary == aggregation.ScoreSummary(
        submissions=6,
        evaluated=5,
        lowest=Decimal("16.00"),
        median=Decimal("66.00"),
        highest=Decimal("90.00"),
    )


def test_the_median_of_an_even_number_is_the_middle_pair_mean():
    rows = [ResultRow(submission=None, mean=Decimal(value)) for value in ("10.00", "20.25", "70.00", "90.00")]
    rows.append(ResultRow(submission=None))  # unscored rows do not count
    summary = summarise(rows)
    assert (summary.submissions, summary.evaluated) == (5, 4)
    assert (summary.lowest, summary.median, summary.highest) == (Decimal("10.00"), Decimal("45.13"), Decimal("90.00"))


def test_an_empty_summary_has_no_figures():
    assert summarise([]) == aggregation.ScoreSummary(0, 0, None, None, None)


def test_an_expert_total_rounds_half_up_to_two_places():
    criteria = [Criterion(pk=1, weight=1, scale_max=8), Criterion(pk=2, weight=99, scale_max=100)]
    assert expert_total({1: 1, 2: 0}, criteria) == Decimal("0.13")  # 0.125, not banker's 0.12
    assert expert_total({1: 8, 2: 100}, criteria) == Decimal("100.00")
    assert expert_total({1: 0, 2: 0}, criteria) == Decimal("0.00")


def test_rank_rows_flags_only_a_spread_beyond_the_threshold():
    def row(*totals):
        return ResultRow(
            submission=Submission(pk=len(totals), submitted_at=T0), expert_totals=[Decimal(t) for t in totals]
        )

    below, at_threshold, above = row("50", "74.99"), row("50", "75"), row("50", "75.01")
    rank_rows([below, at_threshold, above], threshold=THRESHOLD)
    assert [r.disagreement for r in (below, at_threshold, above)] == [False, False, True]
    assert above.spread == Decimal("25.01")


def test_a_cycle_ranks_only_its_own_submissions(clock, agency, experts):
    challenge = ChallengeFactory(
        owner=agency,
        phases=[{"opens_at": at(-20), "closes_at": at(-1), "mode": "rolling", "cycle_days": 7}],
    )
    phase = challenge.phases.get()
    first = _submission(phase, "Первый цикл", days_before=18)
    second_supplier, _member = supplier_with_member()
    second_cycle = phase.cycles.create(number=1, starts_at=at(-13), ends_at=at(-6))
    second = SubmissionFactory(phase=phase, supplier=second_supplier, cycle=second_cycle, title="Второй цикл")
    for submission, values in ((first, [5, 5]), (second, [9, 9])):
        _score(submission, experts[0], values)
    assert [row.submission for row in panel_results(first.cycle)] == [first]
    assert [row.submission for row in panel_results(second_cycle)] == [second]
    assert [row.submission for row in panel_results(phase)] == [second, first]


def test_results_take_a_fixed_number_of_queries(phase, fixture, django_assert_max_num_queries):
    phase = type(phase).objects.get(pk=phase.pk)
    with django_assert_max_num_queries(4):
        rows = panel_results(phase)
        [row.submission.supplier.name for row in rows]
