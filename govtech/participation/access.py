"""The only way views and the API get participation objects for an actor: anything the actor may
not see is "not found", the same as a missing object."""

from django.http import Http404

from govtech.participation.models import Call, Comment, Idea, Milestone, StoryTemplate


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


def access_idea(*, actor, pk) -> Idea:
    """Public ideas for everyone; one waiting for pre-moderation for its author, the call's agency
    and operators."""
    idea = (
        Idea.objects.select_related("district", "call__agency", "agency", "author", "merged_into", "initiative")
        .filter(pk=_int(pk))
        .first()
    )
    if idea is None or not actor.has_perm("participation.view_idea", idea):
        raise Http404
    return idea


def access_idea_row(*, actor, pk) -> Idea:
    """The idea alone, for a write that locks and reads it again anyway (a vote): without the
    relations the idea page shows, whose join costs more to plan than the vote itself."""
    idea = Idea.objects.filter(pk=_int(pk)).first()
    if idea is None or not actor.has_perm("participation.view_idea", idea):
        raise Http404
    return idea


def access_comment(*, idea: Idea, pk) -> Comment:
    comment = Comment.objects.filter(idea=idea, pk=_int(pk)).select_related("idea", "author").first()
    if comment is None:
        raise Http404
    return comment


def access_milestone(*, idea: Idea, pk) -> Milestone:
    milestone = Milestone.objects.filter(idea=idea, pk=_int(pk)).select_related("idea").first()
    if milestone is None:
        raise Http404
    return milestone


def access_call(*, slug: str) -> Call:
    """Calls for ideas are public."""
    call = Call.objects.select_related("agency", "district").filter(slug=slug).first()
    if call is None:
        raise Http404
    return call


def access_story_template(*, key: str) -> StoryTemplate:
    template = StoryTemplate.objects.filter(key=key).first()
    if template is None:
        raise Http404
    return template
