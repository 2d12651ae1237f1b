"""Stages of the innovation funnel and the one table of moves between them.

Forward moves pass a gate; going back is allowed only to the previous stage, with a
reason; any active stage may end in ``stopped``, with lessons learned published.
The operator decides every move; the sponsoring agency may propose moves for its own
initiatives, and an operator then approves or rejects the proposal."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    IDEA = "idea", _("Idea")
    PROTOTYPE = "prototype", _("Prototype")
    PILOT = "pilot", _("Pilot")
    ADOPTION = "adoption", _("Adoption")
    SCALE = "scale", _("Scale")
    STOPPED = "stopped", _("Stopped")


FUNNEL = [Stage.IDEA, Stage.PROTOTYPE, Stage.PILOT, Stage.ADOPTION, Stage.SCALE]


class MoveKind(models.TextChoices):
    FORWARD = "forward", _("Forward through a gate")
    BACK = "back", _("Back to the previous stage")
    STOP = "stop", _("Stop")


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    kind: str

    @property
    def needs_goals(self) -> bool:
        return self.kind == MoveKind.FORWARD

    @property
    def needs_reason(self) -> bool:
        return self.kind == MoveKind.BACK

    @property
    def needs_lessons(self) -> bool:
        return self.kind == MoveKind.STOP


def _build_moves() -> dict[tuple[str, str], Move]:
    moves = {}
    for index, stage in enumerate(FUNNEL):
        if index + 1 < len(FUNNEL):
            moves[(stage, FUNNEL[index + 1])] = Move(stage, FUNNEL[index + 1], MoveKind.FORWARD)
        if index > 0:
            moves[(stage, FUNNEL[index - 1])] = Move(stage, FUNNEL[index - 1], MoveKind.BACK)
        moves[(stage, Stage.STOPPED)] = Move(stage, Stage.STOPPED, MoveKind.STOP)
    return moves


# (from, to) -> Move. Anything absent is not a move at all.
TRANSITIONS: dict[tuple[str, str], Move] = _build_moves()

# Who may do what with a move (checked in rules.py): the operator decides every kind;
# the sponsoring agency's members may propose forward moves and stops, never a step back.
PROPOSABLE_KINDS = frozenset({MoveKind.FORWARD, MoveKind.STOP})


def move_between(source: str, target: str) -> Move | None:
    return TRANSITIONS.get((source, target))


def moves_from(source: str) -> list[Move]:
    return [move for (start, _end), move in TRANSITIONS.items() if start == source]
