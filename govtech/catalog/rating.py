"""The shown rating: a Bayesian average of agency reviews that starts from the expert score.

    rating = (C × prior + Σ stars) ÷ (C + n)

where n agency reviews gave Σ stars (1–5), C (settings.GOVTECH_CATALOG_RATING_PRIOR_WEIGHT,
default 3) is how many reviews the prior counts as, and the prior is the accreditation panel's
score on the same 1–5 scale: 1 + 4 × score ÷ 100. With few reviews the rating stays near the
experts' view; with many it follows the agencies. Without an expert score the prior is 3, the
middle of the scale; without either, there is no rating."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

TWO_PLACES = Decimal("0.01")
NEUTRAL = Decimal(3)


def expert_stars(expert_score: Decimal | None) -> Decimal | None:
    if expert_score is None:
        return None
    return (1 + 4 * Decimal(expert_score) / 100).quantize(TWO_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class RatingParts:
    rating: Decimal | None
    expert_score: Decimal | None
    expert_stars: Decimal | None
    review_count: int
    agency_mean: Decimal | None
    prior_weight: int


def combine(expert_score: Decimal | None, review_count: int, review_sum: int) -> RatingParts:
    weight = settings.GOVTECH_CATALOG_RATING_PRIOR_WEIGHT
    prior = expert_stars(expert_score)
    agency_mean = (Decimal(review_sum) / review_count).quantize(TWO_PLACES, ROUND_HALF_UP) if review_count else None
    if prior is None and not review_count:
        rating = None
    else:
        base = prior if prior is not None else NEUTRAL
        rating = ((weight * base + review_sum) / (weight + review_count)).quantize(TWO_PLACES, ROUND_HALF_UP)
    return RatingParts(rating, expert_score, prior, review_count, agency_mean, weight)
