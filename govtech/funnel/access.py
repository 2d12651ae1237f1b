"""The only way views and the API get funnel objects for an actor: anything the actor
may not see is "not found", the same as a missing object."""

from django.http import Http404

from govtech.funnel.models import GateDecision, Initiative, Instrument


def access_initiative(*, actor, slug: str, perm: str = "funnel.view_initiative") -> Initiative:
    initiative = Initiative.objects.select_related("sponsor", "instrument").filter(slug=slug).first()
    if initiative is None or not actor.has_perm("funnel.view_initiative", initiative):
        raise Http404
    if perm != "funnel.view_initiative" and not actor.has_perm(perm, initiative):
        raise Http404
    return initiative


def access_decision(*, actor, initiative: Initiative, decision_id) -> GateDecision:
    decision = GateDecision.objects.filter(pk=decision_id, initiative=initiative).select_related("initiative").first()
    if decision is None:
        raise Http404
    return decision


def access_instrument(*, slug: str) -> Instrument:
    """Instruments are public."""
    instrument = Instrument.objects.select_related("owner").filter(slug=slug).first()
    if instrument is None:
        raise Http404
    return instrument
