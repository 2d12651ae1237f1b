"""Every change in the catalog: one function per use case, in a transaction, with the actor's
permission checked and an audit event written."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govtech.accounts.models import Organization, OrganizationKind
from govtech.accounts.selectors import member_ids, operator_ids
from govtech.catalog import eligibility
from govtech.catalog import notification_kinds as kinds
from govtech.catalog.models import (
    OPEN_APPLICATION,
    ORDER_MOVES,
    AgencyReview,
    Application,
    ApplicationStatus,
    BuyingProject,
    Criterion,
    ExpiryReminder,
    FileKind,
    IntakeCycle,
    Language,
    Order,
    OrderEvent,
    OrderStatus,
    Outcome,
    Product,
    ProductFile,
    ProductReference,
    ProductStatus,
    ProductUse,
    ProjectStatus,
    Review,
    ReviewScore,
    SearchRevision,
    ShortlistItem,
    SnapshotRow,
    UseKind,
    WindowState,
)
from govtech.catalog.rating import combine
from govtech.challenges.aggregation import expert_total
from govtech.challenges.models import Declaration
from govtech.core import audit
from govtech.core.errors import Conflict, ServiceError, reject_unknown_fields
from govtech.core.ids import parse_id
from govtech.core.permissions import require_perm
from govtech.core.stemming import stem_string
from govtech.core.text import unique_slug
from govtech.core.uploads import UploadValidator
from govtech.funnel import services as funnel
from govtech.funnel.models import Origin
from govtech.funnel.states import FUNNEL, Stage
from govtech.notifications import services as notifications

PRODUCT_FIELDS = [
    "name",
    "summary",
    "description",
    "category",
    "trl",
    "pricing_model",
    "price_from",
    "deployment",
    "data_location",
    "languages",
    "website",
]
CYCLE_FIELDS = ["name", "opens_at", "closes_at", "eligibility", "accreditation_months", "min_experts"]
RESERVED_SLUGS = frozenset({"new", "compare", "registry", "mine", "projects", "orders", "reviews", "cycles"})


def _validated(instance, *, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, messages = next(iter(exc.message_dict.items()))
            raise ServiceError(" ".join(messages), field=field) from exc
        raise ServiceError(" ".join(exc.messages)) from exc


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


def _money(value, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(" ", "").replace(",", "."))
        # quantize() itself fails on a number too long for the context (say 1e30).
        exact = amount.is_finite() and amount == amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError(_("Enter an amount in roubles, for example 250000.50."), field=field) from exc
    if not exact:
        raise ServiceError(_("Enter an amount in roubles with at most two decimal places."), field=field)
    return amount


def _rub(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", " ") + " ₽"


# --- products --------------------------------------------------------------------------------


def _check_supplier(supplier) -> None:
    if not isinstance(supplier, Organization) or supplier.kind != OrganizationKind.SUPPLIER:
        raise ServiceError(_("Products belong to a supplier organization."), field="supplier")


def _clean_product_fields(fields: dict) -> dict:
    reject_unknown_fields(fields, PRODUCT_FIELDS)
    cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    if "languages" in cleaned:
        languages = cleaned["languages"] or []
        if not isinstance(languages, list | tuple) or any(code not in Language.values for code in languages):
            raise ServiceError(_("Choose interface languages from the list."), field="languages")
        cleaned["languages"] = list(dict.fromkeys(languages))
    if cleaned.get("price_from") not in (None, ""):
        cleaned["price_from"] = _money(cleaned["price_from"], field="price_from")
    elif "price_from" in cleaned:
        cleaned["price_from"] = None
    return cleaned


def _index(product: Product) -> None:
    product.search_stems = stem_string(
        " ".join([product.name, product.summary, product.description, product.supplier.name])
    )


def _product_snapshot(product: Product) -> dict:
    return audit.snapshot(product, [*PRODUCT_FIELDS, "status"])


@transaction.atomic
def product_create(*, actor, supplier: Organization, **fields) -> Product:
    """A supplier's member describes a product; it stays a draft until published."""
    _check_supplier(supplier)
    require_perm(actor, "catalog.manage_product", supplier)
    cleaned = _clean_product_fields(fields)
    product = Product(supplier=supplier, created_by=actor, **cleaned)
    product.slug = unique_slug(Product, product.name, "product", reserved=RESERVED_SLUGS)
    _validated(product, exclude=["slug"])
    _index(product)
    product.save()
    audit.record(actor=actor, action="product.created", target=product, after=_product_snapshot(product))
    return product


def _locked_product(product: Product) -> Product:
    return Product.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=product.pk)


@transaction.atomic
def product_update(*, actor, product: Product, **fields) -> Product:
    require_perm(actor, "catalog.manage_product", product)
    product = _locked_product(product)
    before = _product_snapshot(product)
    for name, value in _clean_product_fields(fields).items():
        setattr(product, name, value)
    _validated(product)
    _index(product)
    product.save()
    audit.record(actor=actor, action="product.updated", target=product, before=before, after=_product_snapshot(product))
    return product


@transaction.atomic
def product_publish(*, actor, product: Product) -> Product:
    """The product appears in the public catalog."""
    require_perm(actor, "catalog.manage_product", product)
    product = _locked_product(product)
    if product.status == ProductStatus.PUBLISHED:
        raise Conflict(_("The product is already published."), code="already_published")
    product.status = ProductStatus.PUBLISHED
    product.published_at = product.published_at or timezone.now()
    product.save(update_fields=["status", "published_at", "updated_at"])
    audit.record(actor=actor, action="product.published", target=product, after={"status": product.status})
    return product


@transaction.atomic
def product_archive(*, actor, product: Product) -> Product:
    """The supplier withdraws the product from the catalog; orders and reviews stay on record."""
    require_perm(actor, "catalog.manage_product", product)
    product = _locked_product(product)
    if product.status == ProductStatus.ARCHIVED:
        raise Conflict(_("The product is already archived."), code="already_archived")
    product.status = ProductStatus.ARCHIVED
    product.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="product.archived", target=product, after={"status": product.status})
    return product


@transaction.atomic
def product_file_add(*, actor, product: Product, kind: str, title: str, upload) -> ProductFile:
    require_perm(actor, "catalog.manage_product", product)
    if kind not in FileKind.values:
        raise ServiceError(_("Choose whether this is a screenshot or a document."), field="kind")
    if upload is None:
        raise ServiceError(_("Choose a file."), field="file")
    if kind == FileKind.SCREENSHOT and not _text(title):
        # The title is the image's text for people who cannot see it.
        raise ServiceError(_("Say in a few words what the screenshot shows."), field="title")
    item = ProductFile(product=product, kind=kind, title=_text(title) or upload.name[:200], file=upload)
    _validated(item)
    if kind == FileKind.SCREENSHOT:
        # By content, not by name: a document renamed to .png is no screenshot.
        try:
            UploadValidator("image")(upload)
        except ValidationError as exc:
            raise ServiceError(_("A screenshot is a PNG or JPEG image."), field="file") from exc
    item.save()
    audit.record(actor=actor, action="product.file_added", target=product, after={"file": item.pk, "kind": kind})
    return item


@transaction.atomic
def product_file_remove(*, actor, item: ProductFile) -> None:
    require_perm(actor, "catalog.manage_product", item.product)
    audit.record(actor=actor, action="product.file_removed", target=item.product, before={"file": item.pk})
    stored = item.file
    item.delete()
    # The file goes only once the row is gone for good: a rollback must not leave a row without it.
    transaction.on_commit(lambda: stored.storage.delete(stored.name))


@transaction.atomic
def reference_add(
    *, actor, product: Product, kind: str, customer: str = "", agency=None, year=None, description: str = ""
):
    """A customer or pilot the supplier names; an agency on the platform may be chosen instead of a name."""
    require_perm(actor, "catalog.manage_product", product)
    if agency is not None and (not isinstance(agency, Organization) or agency.kind != OrganizationKind.AGENCY):
        raise ServiceError(_("Choose a city agency."), field="agency")
    if agency is None and not _text(customer):
        raise ServiceError(_("Name the customer or choose an agency."), field="customer")
    reference = ProductReference(
        product=product,
        kind=kind,
        customer=_text(customer),
        agency=agency,
        year=year or None,
        description=_text(description),
    )
    _validated(reference)
    reference.save()
    audit.record(actor=actor, action="product.reference_added", target=product, after={"reference": reference.pk})
    return reference


@transaction.atomic
def reference_remove(*, actor, reference: ProductReference) -> None:
    require_perm(actor, "catalog.manage_product", reference.product)
    audit.record(
        actor=actor, action="product.reference_removed", target=reference.product, before={"reference": reference.pk}
    )
    reference.delete()


# --- intake cycles ---------------------------------------------------------------------------


@transaction.atomic
def cycle_create(*, actor, name: str, opens_at, closes_at, **fields) -> IntakeCycle:
    """The operator opens an intake cycle (quarterly by default) with its eligibility rules."""
    require_perm(actor, "catalog.manage_cycles")
    reject_unknown_fields(fields, CYCLE_FIELDS)
    fields.setdefault("accreditation_months", settings.GOVTECH_CATALOG_ACCREDITATION_MONTHS)
    cycle = IntakeCycle(name=_text(name), opens_at=opens_at, closes_at=closes_at, created_by=actor, **fields)
    _check_cycle(cycle)
    cycle.slug = unique_slug(IntakeCycle, cycle.name, "cycle")
    cycle.save()
    audit.record(actor=actor, action="cycle.created", target=cycle, after=audit.snapshot(cycle, CYCLE_FIELDS))
    return cycle


def _check_cycle(cycle: IntakeCycle) -> None:
    # The default rules come from the environment: checked like an operator's.
    eligibility.validate(cycle.eligibility)
    if cycle.opens_at and cycle.closes_at and cycle.closes_at <= cycle.opens_at:
        raise ServiceError(_("A cycle closes after it opens."), field="closes_at")
    _validated(cycle, exclude=["slug"])


@transaction.atomic
def cycle_update(*, actor, cycle: IntakeCycle, **fields) -> IntakeCycle:
    """Dates, rules and terms may change; rules already applied to applications stay recorded on them."""
    require_perm(actor, "catalog.manage_cycles")
    reject_unknown_fields(fields, CYCLE_FIELDS)
    cycle = IntakeCycle.objects.select_for_update().get(pk=cycle.pk)
    before = audit.snapshot(cycle, CYCLE_FIELDS)
    for name, value in fields.items():
        setattr(cycle, name, value.strip() if isinstance(value, str) else value)
    _check_cycle(cycle)
    cycle.save()
    audit.record(
        actor=actor, action="cycle.updated", target=cycle, before=before, after=audit.snapshot(cycle, CYCLE_FIELDS)
    )
    return cycle


# --- applications ----------------------------------------------------------------------------


def check_eligibility(product: Product, recommended_by: Organization | None, today: dt.date, rules: dict):
    supplier = product.supplier
    facts = eligibility.Facts(
        founded_on=supplier.founded_on,
        is_sme=supplier.is_sme,
        headcount=supplier.headcount,
        recommended=recommended_by is not None,
        today=today,
    )
    return eligibility.evaluate(rules, facts)


def _refresh_open_flag(product_id: int) -> None:
    Product.objects.filter(pk=product_id).update(
        has_open_application=Application.objects.filter(
            product_id=product_id, status=ApplicationStatus.SUBMITTED
        ).exists()
    )
    SearchRevision.bump()  # update() skips Product.save, which would say so


@transaction.atomic
def application_submit(
    *, actor, product: Product, cycle: IntakeCycle, statement: str, recommended_by=None, recommendation: str = ""
) -> Application:
    """The supplier applies for accreditation while the cycle is open. Eligibility is checked
    against the cycle's rules and recorded with the application; an accredited product may
    re-apply in its last months, a declined or expired one in any later cycle."""
    require_perm(actor, "catalog.apply", product)
    product = _locked_product(product)
    now = timezone.now()
    if product.status != ProductStatus.PUBLISHED:
        raise Conflict(_("Publish the product before applying."), code="not_published")
    if cycle.window_state(now) != WindowState.OPEN:
        raise Conflict(_("This intake cycle is not open for applications."), code="cycle_closed")
    if not _text(statement):
        raise ServiceError(_("Explain why the product should be accredited."), field="statement")
    if recommended_by is not None:
        if not isinstance(recommended_by, Organization) or recommended_by.kind != OrganizationKind.PARTNER:
            raise ServiceError(_("A recommendation comes from a partner organization."), field="recommended_by")
        if not _text(recommendation):
            raise ServiceError(_("Quote or summarise the partner's recommendation."), field="recommendation")
    if Application.objects.filter(product=product, status=ApplicationStatus.SUBMITTED).exists():
        raise Conflict(_("This product already has an application under review."), code="already_applied")
    if Application.objects.filter(product=product, cycle=cycle).exists():
        raise Conflict(
            _("This product has already applied in this cycle; apply in the next one."), code="already_applied"
        )
    renew_from = timezone.localdate() + dt.timedelta(days=90)
    if product.accredited_until and product.accredited_until > renew_from:
        raise Conflict(
            _("The product is accredited until %(date)s; it may re-apply from 90 days before that.")
            % {"date": format_date(product.accredited_until, "DATE_FORMAT")},
            code="still_accredited",
        )
    verdict = check_eligibility(product, recommended_by, timezone.localdate(), cycle.eligibility)
    if not verdict.eligible:
        raise ServiceError(
            _("The supplier is not eligible for this cycle. It would need: %(needs)s.")
            % {"needs": str(_(" or ")).join(verdict.reasons)},
            code="not_eligible",
        )
    application = Application.objects.create(
        product=product,
        cycle=cycle,
        statement=_text(statement),
        recommended_by=recommended_by,
        recommendation=_text(recommendation),
        eligibility={**verdict.as_record(), "rules": cycle.eligibility},
        submitted_by=actor,
        submitted_at=now,
    )
    product.has_open_application = True
    product.save(update_fields=["has_open_application", "updated_at"])
    audit.record(
        actor=actor,
        action="application.submitted",
        target=application,
        after={"product": product.pk, "cycle": cycle.pk, "eligibility": application.eligibility},
    )
    notifications.notify(
        kind=kinds.APPLICATION_RECEIVED.key,
        recipient_ids=operator_ids(),
        params={"product": product.name},
        url=application.get_absolute_url(),
    )
    return application


def _locked_application(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("product__supplier", "cycle")
        .get(pk=application.pk)
    )


def _require_open(application: Application) -> None:
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(_("This application has already been decided or withdrawn."), code="application_closed")


@transaction.atomic
def application_withdraw(*, actor, application: Application) -> Application:
    require_perm(actor, "catalog.apply", application.product)
    application = _locked_application(application)
    _require_open(application)
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    _refresh_open_flag(application.product_id)
    audit.record(actor=actor, action="application.withdrawn", target=application, after={"status": application.status})
    return application


def _candidate_experts(application: Application):
    """Active experts not yet asked and not members of the supplier, least loaded first."""
    return (
        get_user_model()
        .objects.filter(is_expert=True, is_active=True)
        .exclude(catalog_reviews__application=application)
        .exclude(memberships__organization_id=application.product.supplier_id)
        .annotate(
            # Only reviews still to do: one left unfinished on a withdrawn or decided application is no load.
            open_load=Count(
                "catalog_reviews",
                filter=Q(
                    catalog_reviews__completed_at__isnull=True,
                    catalog_reviews__application__status__in=OPEN_APPLICATION,
                )
                & ~Q(catalog_reviews__conflict=Declaration.RECUSED),
            )
        )
        .order_by("open_load", "pk")
    )


def _assign(actor, application: Application, expert) -> Review:
    review = Review.objects.create(application=application, expert=expert, assigned_by=actor)
    audit.record(
        actor=actor, action="review.assigned", target=review, after={"application": application.pk, "expert": expert.pk}
    )
    notifications.notify(
        kind=kinds.REVIEW_ASSIGNED.key,
        recipient_ids=[expert.pk],
        params={"product": application.product.name},
        url=review.get_absolute_url(),
    )
    return review


@transaction.atomic
def reviews_assign(*, actor, application: Application) -> int:
    """The operator makes sure the application has the cycle's number of experts who have not
    recused themselves, choosing the least loaded. Returns how many were added."""
    require_perm(actor, "catalog.manage_reviews")
    application = _locked_application(application)
    _require_open(application)
    have = application.reviews.exclude(conflict=Declaration.RECUSED).count()
    added = 0
    for expert in _candidate_experts(application)[: max(application.cycle.min_experts - have, 0)]:
        _assign(actor, application, expert)
        added += 1
    return added


@transaction.atomic
def review_assign(*, actor, application: Application, expert) -> Review:
    """The operator asks one particular expert."""
    require_perm(actor, "catalog.manage_reviews")
    application = _locked_application(application)
    _require_open(application)
    if not getattr(expert, "is_expert", False) or not expert.is_active:
        raise ServiceError(_("Only an active expert can review."), field="expert")
    if application.reviews.filter(expert=expert).exists():
        raise Conflict(_("This expert has already been asked about this application."), code="already_assigned")
    if expert.memberships.filter(organization_id=application.product.supplier_id).exists():
        raise ServiceError(_("A member of the supplier cannot review its application."), field="expert")
    return _assign(actor, application, expert)


def _locked_review(review: Review) -> Review:
    # The application first, as every panel change does: a recusal's replacement and a decision
    # then never interleave, and two recusals cannot pick the same expert.
    Application.objects.select_for_update().filter(pk=review.application_id).first()
    return (
        Review.objects.select_for_update(of=("self",))
        .select_related("application__product__supplier", "application__cycle")
        .get(pk=review.pk)
    )


@transaction.atomic
def review_declare(*, actor, review: Review, has_conflict: bool, note: str = "") -> Review:
    """The expert declares any conflict of interest first, as on a challenge panel; a recused
    expert loses access and another expert takes the place (operators are told if none is left)."""
    require_perm(actor, "catalog.declare_conflict", review)
    review = _locked_review(review)
    _require_open(review.application)
    if review.conflict != Declaration.UNDECLARED:
        raise Conflict(_("You have already declared for this application."), code="already_declared")
    if has_conflict and not _text(note):
        raise ServiceError(_("Describe the conflict of interest briefly."), field="note")
    review.conflict = Declaration.RECUSED if has_conflict else Declaration.NONE
    review.conflict_note, review.declared_at = _text(note), timezone.now()
    review.save()
    audit.record(actor=actor, action="review.declared", target=review, after={"conflict": review.conflict})
    if has_conflict:
        replacement = _candidate_experts(review.application).first()
        if replacement is not None:
            _assign(actor, review.application, replacement)
        else:
            notifications.notify(
                kind=kinds.NO_EXPERT_LEFT.key,
                recipient_ids=operator_ids(),
                params={"product": review.application.product.name},
                url=review.application.get_absolute_url(),
            )
    return review


def _score_rows(scores, criteria: dict[int, Criterion]) -> dict[int, tuple[int, str]]:
    if not isinstance(scores, dict):
        raise ServiceError(_("Send a score for each criterion."), field="scores")
    by_key = {criterion.key: criterion for criterion in criteria.values()}
    rows = {}
    for key, entry in scores.items():
        criterion = by_key.get(str(key)) or (criteria.get(parse_id(str(key))))
        if criterion is None:
            raise ServiceError(_("Unknown criterion."), field="scores")
        if isinstance(entry, list | tuple) and len(entry) not in (1, 2):
            raise ServiceError(_("Send a score for each criterion."), field="scores")
        value, comment = (*entry, "")[:2] if isinstance(entry, list | tuple) else (entry, "")
        if value in (None, ""):
            continue
        # A whole number or its digits: never a truncated 7.5 or a yes/no.
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ServiceError(_("Scores are whole numbers."), field="scores")
        try:
            value = int(value)
        except (TypeError, ValueError) as exc:
            raise ServiceError(_("Scores are whole numbers."), field="scores") from exc
        if not 0 <= value <= criterion.scale_max:
            raise ServiceError(
                _("«%(criterion)s» is scored from 0 to %(max)s.")
                % {"criterion": criterion.name, "max": criterion.scale_max},
                field="scores",
            )
        rows[criterion.pk] = (value, _text(comment))
    return rows


@transaction.atomic
def review_save(*, actor, review: Review, scores, summary: str = "", complete: bool = False) -> Review:
    """The expert scores technology, business and security with comments; ``complete`` hands the
    review in, and then every criterion needs a score. A handed-in review is final."""
    require_perm(actor, "catalog.score", review)
    review = _locked_review(review)
    if not review.may_score:
        raise Conflict(_("Declare that you have no conflict of interest before scoring."), code="not_declared")
    _require_open(review.application)
    if review.completed_at:
        raise Conflict(_("This review has been handed in."), code="already_completed")
    criteria = {criterion.pk: criterion for criterion in Criterion.objects.all()}
    rows = _score_rows(scores, criteria)
    for criterion_id, (value, comment) in rows.items():
        ReviewScore.objects.update_or_create(
            review=review, criterion_id=criterion_id, defaults={"value": value, "comment": comment}
        )
    review.summary = _text(summary) or review.summary
    if complete:
        missing = set(criteria) - set(review.scores.values_list("criterion_id", flat=True))
        if missing:
            raise ServiceError(_("Score every criterion before handing in."), field="scores", code="incomplete")
        review.completed_at = timezone.now()
    review.save()
    audit.record(
        actor=actor,
        action="review.scored",
        target=review,
        after={"scores": {str(k): v[0] for k, v in rows.items()}, "complete": bool(review.completed_at)},
    )
    return review


def application_score(application: Application) -> tuple[Decimal | None, list[Decimal]]:
    """The panel's score out of 100 — the mean of each cleared expert's weighted total (the
    challenges' formula) — and the totals it comes from."""
    criteria = list(Criterion.objects.all())
    totals = []
    reviews = application.reviews.filter(completed_at__isnull=False, conflict=Declaration.NONE).prefetch_related(
        "scores"
    )
    for review in reviews:
        scores = {score.criterion_id: score.value for score in review.scores.all()}
        if all(criterion.pk in scores for criterion in criteria):
            totals.append(expert_total(scores, criteria))
    if not totals:
        return None, []
    return (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"), ROUND_HALF_UP), totals


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


@transaction.atomic
def application_decide(*, actor, application: Application, accredit: bool, reason: str = "") -> Application:
    """The operator accredits the product until a date (the cycle's term, 18 months by default)
    once the panel has handed in its reviews, or declines with a reason."""
    require_perm(actor, "catalog.decide")
    application = _locked_application(application)
    _require_open(application)
    score, totals = application_score(application)
    if accredit and len(totals) < application.cycle.min_experts:
        raise Conflict(
            _("Wait for %(count)s expert reviews before accrediting; %(done)s handed in.")
            % {"count": application.cycle.min_experts, "done": len(totals)},
            code="reviews_missing",
        )
    if not accredit and not _text(reason):
        raise ServiceError(_("Give the reason for declining."), field="reason", code="reason_required")
    product = _locked_product(application.product)
    today = timezone.localdate()
    application.decided_at, application.decided_by, application.decision_reason = timezone.now(), actor, _text(reason)
    application.expert_score = score
    if accredit:
        application.status = ApplicationStatus.ACCREDITED
        start = max(today, product.accredited_until or today)
        application.accredited_until = add_months(start, application.cycle.accreditation_months)
        product.accredited_until = application.accredited_until
        product.expert_score = score
        _queue_expiry_reminders(application.accredited_until)
    else:
        application.status = ApplicationStatus.DECLINED
    application.save()
    product.has_open_application = False
    _store_rating(product)
    product.save(update_fields=["accredited_until", "expert_score", "has_open_application", "rating", "updated_at"])
    audit.record(
        actor=actor,
        action="application.decided",
        target=application,
        after={
            "status": application.status,
            "accredited_until": application.accredited_until,
            "expert_score": score,
            "reason": application.decision_reason,
        },
    )
    notifications.notify(
        kind=kinds.APPLICATION_DECIDED.key,
        recipient_ids=member_ids(product.supplier_id),
        params={"product": product.name, "outcome": application.status},
        url=application.get_absolute_url(),
    )
    return application


def send_expiry_reminders(now=None) -> int:
    """Remind suppliers before an accreditation ends (settings.GOVTECH_CATALOG_EXPIRY_REMINDER_DAYS,
    60 and 14 days by default): each product gets the reminder for the nearest lead time it has
    reached, once per accreditation end date. Queued by the decision for the right days and run by
    ``manage.py send_accreditation_reminders`` from cron; returns how many were sent."""
    today = timezone.localdate(now or timezone.now())
    leads = sorted(settings.GOVTECH_CATALOG_EXPIRY_REMINDER_DAYS)
    if not leads:
        return 0
    sent = 0
    due = (
        Product.objects.filter(accredited_until__gte=today, accredited_until__lte=today + dt.timedelta(days=leads[-1]))
        .exclude(status=ProductStatus.ARCHIVED)
        .select_related("supplier")
    )
    for product in due:
        remaining = (product.accredited_until - today).days
        lead = min(days for days in leads if remaining <= days)
        with transaction.atomic():
            _, created = ExpiryReminder.objects.get_or_create(
                product=product, accredited_until=product.accredited_until, days_before=lead
            )
            if not created:
                continue
            audit.record(
                actor=None,
                action="product.expiry_reminded",
                target=product,
                after={"accredited_until": product.accredited_until, "days_before": lead},
            )
            notifications.notify(
                kind=kinds.EXPIRY_SOON.key,
                recipient_ids=member_ids(product.supplier_id),
                params={"product": product.name, "date": product.accredited_until.isoformat()},
                url=product.get_absolute_url(),
            )
            sent += 1
    return sent


def _queue_expiry_reminders(accredited_until: dt.date) -> None:
    from govtech.catalog.tasks import expiry_reminders_task

    now = timezone.now()
    due_dates = set()
    for days in settings.GOVTECH_CATALOG_EXPIRY_REMINDER_DAYS:
        day = accredited_until - dt.timedelta(days=days)
        # A lead time already reached (a short term) is due at once, not skipped.
        due_dates.add(max(timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0))), now))
    for run_after in sorted(due_dates):
        transaction.on_commit(lambda run_after=run_after: expiry_reminders_task.using(run_after=run_after).enqueue())


# --- use and agency reviews ------------------------------------------------------------------


def _check_agency(agency) -> None:
    if not isinstance(agency, Organization) or agency.kind != OrganizationKind.AGENCY:
        raise ServiceError(_("Choose a city agency."), field="agency")


def _store_rating(product: Product) -> None:
    product.rating = combine(product.expert_score, product.review_count, product.review_sum).rating


@transaction.atomic
def pilot_record(*, actor, product: Product, agency: Organization, initiative) -> ProductUse:
    """An agency piloted the product: the initiative is the agency's and has reached the pilot
    stage in the funnel. It entitles the agency to review the product."""
    _check_agency(agency)
    require_perm(actor, "catalog.record_pilot", agency)
    if initiative is None or initiative.sponsor_id != agency.pk:
        raise ServiceError(_("Choose an initiative of this agency."), field="initiative")
    reached = (
        initiative.stage in (Stage.PILOT, Stage.ADOPTION, Stage.SCALE)
        or initiative.stays.filter(stage=Stage.PILOT).exists()
    )
    if not reached:
        raise ServiceError(_("The initiative has not reached the pilot stage."), field="initiative")
    # An initiative pilots one product: otherwise one pilot would entitle reviews of any product.
    recorded = ProductUse.objects.filter(kind=UseKind.PILOT, initiative=initiative).select_related("product").first()
    if recorded is not None:
        raise Conflict(
            _("This initiative's pilot is already recorded, for «%(product)s».") % {"product": recorded.product.name},
            code="already_recorded",
        )
    try:
        with transaction.atomic():
            use = ProductUse.objects.create(product=product, agency=agency, kind=UseKind.PILOT, initiative=initiative)
    except IntegrityError as exc:  # recorded at the same moment by someone else
        raise Conflict(_("This initiative's pilot is already recorded."), code="already_recorded") from exc
    audit.record(
        actor=actor,
        action="product.pilot_recorded",
        target=product,
        after={"agency": agency.pk, "initiative": initiative.pk},
    )
    return use


@transaction.atomic
def agency_review_add(*, actor, product: Product, agency: Organization, stars, text: str) -> AgencyReview:
    """An agency reviews a product it really used — after a completed order or a pilot — once."""
    _check_agency(agency)
    require_perm(actor, "catalog.review_product", agency)
    product = _locked_product(product)
    # A use is recorded by a pilot or by the agency accepting an order's delivery.
    use = ProductUse.objects.filter(product=product, agency=agency).order_by("recorded_at").first()
    if use is None:
        raise Conflict(_("An agency reviews a product only after a completed order or a pilot of it."), code="not_used")
    if AgencyReview.objects.filter(product=product, agency=agency).exists():
        raise Conflict(_("Your agency has already reviewed this product."), code="already_reviewed")
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ServiceError(_("Rate from 1 to 5 stars."), field="stars")
    if not _text(text):
        raise ServiceError(_("Say how the product worked for your agency."), field="text")
    review = AgencyReview.objects.create(
        product=product, agency=agency, author=actor, stars=stars, text=_text(text), use=use
    )
    product.review_count += 1
    product.review_sum += stars
    _store_rating(product)
    product.save(update_fields=["review_count", "review_sum", "rating", "updated_at"])
    audit.record(
        actor=actor,
        action="product.reviewed",
        target=review,
        after={"product": product.pk, "stars": stars, "rating": product.rating},
    )
    notifications.notify(
        kind=kinds.PRODUCT_REVIEWED.key,
        recipient_ids=member_ids(product.supplier_id),
        params={"product": product.name, "stars": stars},
        url=product.get_absolute_url(),
    )
    return review


# --- buying projects (direct award) ----------------------------------------------------------


def _locked_project(project: BuyingProject) -> BuyingProject:
    return BuyingProject.objects.select_for_update(of=("self",)).select_related("agency").get(pk=project.pk)


def _clean_query(query) -> dict:
    from govtech.catalog.selectors import CatalogQuery

    if not isinstance(query, dict):
        raise ServiceError(_("The saved search is not valid."), field="query")
    return CatalogQuery.from_params(query).as_params()


@transaction.atomic
def project_create(*, actor, agency: Organization, title: str, need: str, query=None, initiative=None) -> BuyingProject:
    """An agency buyer saves a search into a buying project (optionally for an initiative the
    agency already has in the funnel)."""
    _check_agency(agency)
    require_perm(actor, "catalog.buy", agency)
    if initiative is not None and initiative.sponsor_id != agency.pk:
        raise ServiceError(_("Choose an initiative of this agency."), field="initiative")
    if initiative is not None and initiative.stage not in FUNNEL:
        raise ServiceError(_("This initiative is stopped; choose one still in the funnel."), field="initiative")
    project = BuyingProject(
        agency=agency,
        title=_text(title),
        need=_text(need),
        query=_clean_query(query or {}),
        initiative=initiative,
        created_by=actor,
    )
    _validated(project)
    project.save()
    audit.record(
        actor=actor, action="project.created", target=project, after={"agency": agency.pk, "query": project.query}
    )
    return project


def _require_searching(project: BuyingProject) -> None:
    if project.status != ProjectStatus.SEARCHING:
        raise Conflict(_("The search of this project has ended; its results are frozen."), code="search_ended")


@transaction.atomic
def project_update_search(*, actor, project: BuyingProject, query) -> BuyingProject:
    require_perm(actor, "catalog.buy", project)
    project = _locked_project(project)
    _require_searching(project)
    before = project.query
    project.query = _clean_query(query)
    project.save(update_fields=["query", "updated_at"])
    audit.record(
        actor=actor,
        action="project.search_saved",
        target=project,
        before={"query": before},
        after={"query": project.query},
    )
    return project


@transaction.atomic
def shortlist_add(*, actor, project: BuyingProject, product: Product, note: str = "") -> ShortlistItem:
    require_perm(actor, "catalog.buy", project)
    project = _locked_project(project)
    _require_searching(project)
    if not product.is_public:
        raise ServiceError(_("Only products in the catalog can be shortlisted."), field="product")
    if project.shortlist.filter(product=product).exists():
        raise Conflict(_("This product is already on the shortlist."), code="already_shortlisted")
    item = ShortlistItem.objects.create(project=project, product=product, note=_text(note)[:500])
    audit.record(
        actor=actor, action="project.shortlisted", target=project, after={"product": product.pk, "note": item.note}
    )
    return item


@transaction.atomic
def shortlist_remove(*, actor, item: ShortlistItem) -> None:
    require_perm(actor, "catalog.buy", item.project)
    project = _locked_project(item.project)
    _require_searching(project)
    audit.record(actor=actor, action="project.unshortlisted", target=project, before={"product": item.product_id})
    item.delete()


def snapshot_data(product: Product) -> dict:
    return {
        "name": product.name,
        "slug": product.slug,
        "supplier": product.supplier.name,
        "category": product.category,
        "trl": product.trl,
        "price_from": str(product.price_from) if product.price_from is not None else None,
        "pricing_model": product.pricing_model,
        "deployment": product.deployment,
        "accreditation": product.accreditation_state(),
        "accredited_until": product.accredited_until.isoformat() if product.accredited_until else None,
        "rating": str(product.rating) if product.rating is not None else None,
        "expert_score": str(product.expert_score) if product.expert_score is not None else None,
        "review_count": product.review_count,
    }


@transaction.atomic
def project_end_search(*, actor, project: BuyingProject) -> BuyingProject:
    """The buyer ends the search: its results are frozen as they stand (allowed only with at most
    settings.GOVTECH_CATALOG_SNAPSHOT_MAX results), and every shortlisted product must be among them."""
    from govtech.catalog.selectors import CatalogQuery, search_products

    require_perm(actor, "catalog.buy", project)
    project = _locked_project(project)
    _require_searching(project)
    limit = settings.GOVTECH_CATALOG_SNAPSHOT_MAX
    results = search_products(CatalogQuery.from_params(project.query))
    # One read gives both the frozen rows and their number, so the two always agree.
    products = list(results.select_related("supplier")[: limit + 1])
    if len(products) > limit:
        raise Conflict(
            _("The search has %(count)s results; narrow it to at most %(limit)s before ending it.")
            % {"count": results.count(), "limit": limit},
            code="too_many_results",
        )
    count = len(products)
    if not project.shortlist.exists():
        raise Conflict(_("Shortlist at least one product before ending the search."), code="empty_shortlist")
    found = {product.pk for product in products}
    outside = [
        item.product.name for item in project.shortlist.select_related("product") if item.product_id not in found
    ]
    if outside:
        raise Conflict(
            _("Shortlisted products outside the search results: %(names)s. Widen the search or remove them.")
            % {"names": ", ".join(outside)},
            code="shortlist_outside_results",
        )
    SnapshotRow.objects.bulk_create(
        SnapshotRow(project=project, position=position, product=product, data=snapshot_data(product))
        for position, product in enumerate(products, start=1)
    )
    project.status, project.ended_at, project.result_count = ProjectStatus.ENDED, timezone.now(), count
    project.save(update_fields=["status", "ended_at", "result_count", "updated_at"])
    audit.record(
        actor=actor,
        action="project.search_ended",
        target=project,
        after={"query": project.query, "results": [product.pk for product in products]},
    )
    return project


@transaction.atomic
def shortlist_assess(*, actor, item: ShortlistItem, score, assessment: str) -> ShortlistItem:
    """After the search ended, the buyer assesses each shortlisted product against the need."""
    require_perm(actor, "catalog.buy", item.project)
    project = _locked_project(item.project)
    if project.status != ProjectStatus.ENDED:
        raise Conflict(
            _("Assess the shortlist after ending the search and before recording the outcome."), code="not_assessing"
        )
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = -1
    if not 0 <= score <= 100:
        raise ServiceError(_("Score the product from 0 to 100."), field="score")
    if not _text(assessment):
        raise ServiceError(_("Write how the product meets the need."), field="assessment")
    item = ShortlistItem.objects.select_for_update().get(pk=item.pk)
    item.score, item.assessment, item.assessed_at = score, _text(assessment), timezone.now()
    item.save()
    audit.record(
        actor=actor, action="project.assessed", target=project, after={"product": item.product_id, "score": score}
    )
    return item


@transaction.atomic
def project_record_outcome(*, actor, project: BuyingProject, outcome: str, reason: str, product: Product | None = None):
    """Awarded (to an assessed shortlisted product), none suitable, or cancelled — always with a rationale."""
    require_perm(actor, "catalog.buy", project)
    project = _locked_project(project)
    if outcome not in Outcome.values:
        raise ServiceError(_("Choose an outcome."), field="outcome")
    if project.status == ProjectStatus.DONE:
        raise Conflict(_("The outcome is already recorded."), code="outcome_recorded")
    if outcome != Outcome.CANCELLED and project.status != ProjectStatus.ENDED:
        raise Conflict(_("End the search before recording this outcome."), code="search_not_ended")
    if not _text(reason):
        raise ServiceError(_("Give the rationale for the outcome."), field="reason")
    if outcome == Outcome.AWARDED:
        item = project.shortlist.filter(product=product).first() if product is not None else None
        if item is None:
            raise ServiceError(_("Award one of the shortlisted products."), field="product")
        unassessed = project.shortlist.filter(assessed_at__isnull=True).count()
        if unassessed:
            raise Conflict(_("Assess every shortlisted product before awarding."), code="not_assessed")
    else:
        product = None
    project.status, project.outcome, project.outcome_reason = ProjectStatus.DONE, outcome, _text(reason)
    project.awarded_product, project.decided_at = product, timezone.now()
    project.save()
    audit.record(
        actor=actor,
        action="project.outcome",
        target=project,
        after={"outcome": outcome, "product": product.pk if product else None, "reason": project.outcome_reason},
    )
    return project


# --- orders ----------------------------------------------------------------------------------


def direct_award_limit() -> Decimal:
    return settings.GOVTECH_CATALOG_DIRECT_AWARD_LIMIT


def _order_initiative(actor, project: BuyingProject, product: Product, order_amount: Decimal):
    initiative = project.initiative
    if initiative is not None and initiative.stage not in FUNNEL:
        # Every order stands on an initiative at adoption; a stopped one cannot move there.
        raise Conflict(
            _("The project's initiative «%(title)s» is stopped in the funnel; an order cannot be placed for it.")
            % {"title": initiative.title},
            code="initiative_stopped",
        )
    if initiative is None:
        initiative = funnel.initiative_create(
            actor=actor,
            title=f"{product.name}: {project.title}"[:200],
            summary=project.need[:1000],
            topic=product.category,
            origin=Origin.CATALOG_ORDER,
            sponsor=project.agency,
            problem=project.need,
            origin_type=ContentType.objects.get_for_model(BuyingProject),
            origin_id=str(project.pk),
            origin_url=settings.SITE_URL.rstrip("/") + project.get_absolute_url(),
        )
    # The gate record: the buyer's assessment and the accreditation panel's score, both of 100.
    assessed = project.shortlist.filter(product=product).values_list("score", flat=True).first()
    goals = [
        {
            "metric": str(_("Buyer's assessment of the product against the need")),
            "unit": str(_("points of 100")),
            "baseline": 0,
            "target": 50,
            "measured": assessed or 0,
        }
    ]
    if product.expert_score is not None:
        goals.append(
            {
                "metric": str(_("Accreditation panel score")),
                "unit": str(_("points of 100")),
                "baseline": 0,
                "target": 50,
                "measured": product.expert_score,
            }
        )
    funnel.move_by_module_decision(
        actor=actor,
        initiative=initiative,
        to_stage=Stage.ADOPTION,
        goals=goals,
        rationale=str(_("Direct award from the catalog: «%(product)s» of %(supplier)s for %(amount)s. %(reason)s"))
        % {
            "product": product.name,
            "supplier": product.supplier.name,
            "amount": _rub(order_amount),
            "reason": project.outcome_reason,
        },
        evidence_links=[settings.SITE_URL.rstrip("/") + project.get_absolute_url()],
    )
    return initiative


@transaction.atomic
def order_place(*, actor, project: BuyingProject, amount, description: str) -> Order:
    """The agency orders the awarded product directly — only while it is accredited and only up to
    the direct-award threshold; above it the law asks for competition. The order carries the
    project into the funnel at adoption."""
    require_perm(actor, "catalog.buy", project)
    project = _locked_project(project)
    if project.outcome != Outcome.AWARDED or project.awarded_product_id is None:
        raise Conflict(_("Record the award before placing the order."), code="not_awarded")
    if Order.objects.filter(project=project).exists():
        raise Conflict(_("This buying project already has its order."), code="already_ordered")
    amount = _money(amount, field="amount")
    if amount <= 0:
        raise ServiceError(_("The amount must be positive."), field="amount")
    limit = direct_award_limit()
    if amount > limit:
        raise ServiceError(
            _(
                "%(amount)s is above the direct-award threshold of %(limit)s. Above it the purchase must be "
                "competitive: publish an open tender or request for quotations, or run a challenge, and invite "
                "this supplier to take part."
            )
            % {"amount": _rub(amount), "limit": _rub(limit)},
            field="amount",
            code="above_threshold",
        )
    if not _text(description):
        raise ServiceError(_("Describe what is ordered."), field="description")
    product = _locked_product(project.awarded_product)
    if not product.is_accredited or not product.is_public:
        raise Conflict(
            _("«%(product)s» is not accredited now; only accredited products can be ordered directly.")
            % {"product": product.name},
            code="not_accredited",
        )
    initiative = _order_initiative(actor, project, product, amount)
    order = Order.objects.create(
        project=project,
        product=product,
        supplier=product.supplier,
        agency=project.agency,
        amount=amount,
        description=_text(description),
        initiative=initiative,
        placed_by=actor,
    )
    if project.initiative_id is None:
        project.initiative = initiative
        project.save(update_fields=["initiative", "updated_at"])
    OrderEvent.objects.create(order=order, status=OrderStatus.PLACED, actor=actor, note=order.description)
    audit.record(
        actor=actor,
        action="order.placed",
        target=order,
        after={"product": product.pk, "amount": amount, "initiative": initiative.pk, "limit": limit},
    )
    notifications.notify(
        kind=kinds.ORDER_CHANGED.key,
        recipient_ids=member_ids(product.supplier_id),
        params={"order": order.pk, "product": product.name, "status": order.status},
        url=order.get_absolute_url(),
    )
    return order


@transaction.atomic
def order_move(*, actor, order: Order, to_status: str, note: str = "") -> Order:
    """One step of the order: the supplier accepts and delivers, the agency accepts the delivery
    or disputes it (with a reason) and closes the order. Acceptance entitles the agency to review."""
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("product", "agency", "supplier").get(pk=order.pk)
    )
    side = ORDER_MOVES.get(order.status, {}).get(to_status)
    permission = {"supplier": "catalog.supply_order", "agency": "catalog.receive_order"}.get(side)
    if permission is None:
        require_perm(actor, "catalog.view_order", order)
        raise Conflict(
            _("An order that is «%(status)s» cannot become «%(to)s».")
            % {
                "status": order.get_status_display(),
                "to": OrderStatus(to_status).label if to_status in OrderStatus.values else to_status,
            },
            code="invalid_transition",
        )
    require_perm(actor, permission, order)
    if to_status == OrderStatus.DISPUTED and not _text(note):
        raise ServiceError(_("Say what is wrong with the delivery."), field="note", code="reason_required")
    before = order.status
    order.status = to_status
    if to_status == OrderStatus.ACCEPTED:
        order.was_accepted = True
        ProductUse.objects.get_or_create(
            order=order,
            defaults={
                "product": order.product,
                "agency": order.agency,
                "kind": UseKind.ORDER,
                "initiative": order.initiative,
            },
        )
    order.save(update_fields=["status", "was_accepted", "updated_at"])
    OrderEvent.objects.create(order=order, status=to_status, actor=actor, note=_text(note))
    audit.record(
        actor=actor,
        action="order.moved",
        target=order,
        before={"status": before},
        after={"status": to_status, "note": _text(note)},
    )
    other = order.agency_id if side == "supplier" else order.supplier_id
    notifications.notify(
        kind=kinds.ORDER_CHANGED.key,
        recipient_ids=member_ids(other),
        params={"order": order.pk, "product": order.product.name, "status": to_status},
        url=order.get_absolute_url(),
    )
    return order


@transaction.atomic
def criteria_set(*, actor, criteria: dict) -> list[Criterion]:
    """The operator sets the weights (adding up to 100) and scales of the accreditation criteria.
    Reviews already handed in keep their scores; the panel score uses the weights of the moment."""
    require_perm(actor, "catalog.manage_cycles")
    current = {criterion.key: criterion for criterion in Criterion.objects.select_for_update()}
    if not isinstance(criteria, dict) or set(criteria) != set(current):
        raise ServiceError(_("Give a weight and a scale for every criterion."), field="criteria")
    before = {key: [c.weight, c.scale_max] for key, c in current.items()}
    for key, entry in criteria.items():
        try:
            weight, scale_max = (int(entry[0]), int(entry[1]))
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            raise ServiceError(_("Weights and scales are whole numbers."), field="criteria") from exc
        if not (1 <= weight <= 100 and 1 <= scale_max <= 100):
            raise ServiceError(_("Weights and scales are from 1 to 100."), field="criteria")
        current[key].weight, current[key].scale_max = weight, scale_max
    if sum(criterion.weight for criterion in current.values()) != 100:
        raise ServiceError(_("The weights must add up to 100."), field="criteria", code="weights_not_100")
    for criterion in current.values():
        criterion.save()
    audit.record(
        actor=actor,
        action="criteria.updated",
        target="catalog.criterion",
        object_id="all",
        before=before,
        after={key: [c.weight, c.scale_max] for key, c in current.items()},
    )
    return list(current.values())
