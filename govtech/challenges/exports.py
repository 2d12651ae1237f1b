"""The published results of a challenge as CSV, for the page (/challenges/<slug>/results.csv)
and the API (/api/v1/challenges/<slug>/results.csv). The caller decides who may read the
challenge; only phases whose results are published are ever written."""

from django.http import HttpResponse
from django.utils.translation import gettext as _

from govtech.challenges import selectors
from govtech.challenges.aggregation import panel_results
from govtech.challenges.models import Challenge, SubmissionStatus
from govtech.core.csvfiles import csv_response
from govtech.core.csvfiles import number_cell as _number
from govtech.core.csvfiles import text_cell as _text

DECIDED = (SubmissionStatus.ADVANCED, SubmissionStatus.NOT_ADVANCED)


def results_csv_rows(challenge: Challenge) -> list[list[str]]:
    """The header, then one row per decided submission of each phase with published results,
    in phase order and by rank: phase number and name, supplier, title, status, rank, mean score,
    one column of means per criterion, and the rationale of the decision. Submissions that did not
    advance keep their rank and scores but not their supplier, title or rationale. Text is in the
    active language."""
    criteria = list(challenge.criteria.all())
    header = [
        _("Phase number"),
        _("Phase"),
        _("Supplier"),
        _("Submission"),
        _("Status"),
        _("Rank"),
        _("Mean score, points of 100"),
        *[_("%(criterion)s: mean, 0–%(max)s") % {"criterion": c.name, "max": c.scale_max} for c in criteria],
        _("Rationale of the decision"),
    ]
    rows = [[_text(cell) for cell in header]]
    for phase in selectors.phases_of(challenge):
        if phase.results_published_at is None:
            continue
        for result in panel_results(phase):
            submission = result.submission
            if submission.status not in DECIDED:
                continue
            # Who did not advance stays unnamed: their scores count in the published picture, their
            # names and the reasons are theirs to share.
            advanced = submission.status == SubmissionStatus.ADVANCED
            rows.append(
                [
                    str(phase.number),
                    _text(phase.name),
                    _text(submission.supplier.name) if advanced else "",
                    _text(submission.title) if advanced else "",
                    str(SubmissionStatus(submission.status).label),
                    "" if result.rank is None else str(result.rank),
                    _number(result.mean),
                    *[_number(result.criterion_means.get(criterion.pk)) for criterion in criteria],
                    _text(submission.decision_rationale) if advanced else "",
                ]
            )
    return rows


def results_csv_response(challenge: Challenge) -> HttpResponse:
    return csv_response(f"{challenge.slug}-results.csv", results_csv_rows(challenge))
