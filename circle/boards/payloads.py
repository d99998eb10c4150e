"""The payload of each client event on /boards, one pydantic model per event.

A model checks the wire format before anything is loaded: every field it needs,
strict types (no true for 1, no "1" for 1), finite numbers, the sizes of
circle.limits, and no control characters (one-line texts: no line breaks
either). Ids are only typed here: one that names no row, however large, is
refused where it is looked up. The board's own rules (who may, which column,
how many votes) are the services'. The protocol is in docs/realtime.md.
"""

import unicodedata
from typing import Annotated, ClassVar, Literal

from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from circle.boards.models import MAX_ID, Phase
from circle.boards.rules import (
    BOARD_TITLE_TOO_LONG,
    CARD_ACTIONS,
    CARD_TOO_LONG,
    CLUSTER_TITLE_TOO_LONG,
    COLUMN_TITLE_RULE,
    COMMENT_TOO_LONG,
    NAME_TOO_LONG,
    TIMER_RULE,
    VOTE_BUDGET_RULE,
)
from circle.limits import (
    MAX_BOARD_TITLE,
    MAX_CARD_TEXT,
    MAX_CLUSTER_TITLE,
    MAX_COLUMN_TITLE,
    MAX_COMMENT_TEXT,
    MAX_ON_BEHALF_OF,
)

#: For a payload of the wrong shape: a client from before an upgrade, or a bug.
INCOMPLETE = _l("The request is incomplete: reload the page.")
SPECIAL_CHARACTERS = _l("Remove the line breaks and special characters from the text.")
#: The reason a moderator gives is kept in the audit log, as for conversations.
MAX_REASON = 2000
#: Unicode categories no text may hold: control characters (NUL, ESC, CR, LF,
#: ...), line and paragraph separators, lone surrogates (they are not UTF-8).
CONTROLS = {"Cc", "Cs", "Zl", "Zp"}
LINE_BREAKS = "\n\r\u2028\u2029"


def _refusing_controls(but: str) -> AfterValidator:
    """Refuse a text with a character of the CONTROLS, other than those in `but`."""

    def check(text: str) -> str:
        if any(c not in but and unicodedata.category(c) in CONTROLS for c in text):
            raise PydanticCustomError("control_character", "control character")
        return text

    return AfterValidator(check)


def _text(max_length: int, *, lines: bool = False):
    """A text without surrounding spaces, of at most `max_length` characters, on
    one line unless `lines`; tabs are fine."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length),
        _refusing_controls("\t" + LINE_BREAKS if lines else "\t"),
    ]


CardText = _text(MAX_CARD_TEXT, lines=True)
ColumnTitle = _text(MAX_COLUMN_TITLE)
#: Random per card (the browser makes it); a retried write carries the same one.
Key = Annotated[
    str, StringConstraints(min_length=8, max_length=64), _refusing_controls("")
]


class Payload(BaseModel):
    """What every event carries: the board it is about."""

    model_config = ConfigDict(
        strict=True, extra="forbid", allow_inf_nan=False, frozen=True
    )
    #: The message for anything wrong with a field that people fill in (too
    #: long, not a choice, 2.5 votes); other fields, a missing field and a text
    #: that is not a string get INCOMPLETE.
    messages: ClassVar[dict] = {}

    board_id: int

    def arguments(self) -> dict:
        """The fields sent besides `board_id`: the keyword arguments of the
        service the event calls, which has the same names (and the defaults)."""
        return self.model_dump(exclude={"board_id"}, exclude_unset=True)

    @classmethod
    def refusal(cls, error: ValidationError):
        """The message to show for the first thing wrong in the payload."""
        detail = error.errors()[0]
        kind = detail["type"]
        if kind in ("missing", "string_type"):
            return INCOMPLETE
        if kind == "control_character":
            return SPECIAL_CHARACTERS
        for name in reversed(detail["loc"]):
            if name in cls.messages:
                return cls.messages[name]
        return INCOMPLETE


class Join(Payload):
    """join: open the board and follow it."""

    #: The last version the client saw; without it, the whole board.
    version: int | None = None


class Sync(Join):
    """sync: what changed since `version`, without joining again."""


class Leave(Payload):
    """leave: stop following the board."""


class Heartbeat(Payload):
    """presence: still here (every 30 seconds); answered with who else is."""


class CardAdd(Payload):
    messages = {"text": CARD_TOO_LONG, "on_behalf_of": NAME_TOO_LONG}

    column_id: int
    text: CardText
    key: Key
    #: A name an adviser types for someone in the room.
    on_behalf_of: _text(MAX_ON_BEHALF_OF) = ""


class CardEdit(Payload):
    messages = {"text": CARD_TOO_LONG}

    card_id: int
    text: CardText


class CardMove(Payload):
    card_id: int
    column_id: int
    position: float


class CardDelete(Payload):
    card_id: int


class CardVote(Payload):
    card_id: int


class CardModerate(Payload):
    messages = {
        "action": _l("Unknown action."),
        "reason": _l("The reason can be at most 2000 characters."),
    }

    card_id: int
    action: Literal[CARD_ACTIONS]
    reason: _text(MAX_REASON, lines=True) = ""


class BoardSettings(BaseModel):
    """Only the settings sent are changed (the ranges are the service's)."""

    model_config = Payload.model_config

    title: _text(MAX_BOARD_TITLE) = ""
    locked: bool = False
    anonymous: bool = False
    blurred: bool = False
    vote_budget: int | None = None
    timer_minutes: int | None = None
    timer_locks: bool = False
    #: None switches phases off.
    phase: Literal[tuple(phase.value for phase in Phase)] | None = None
    members_group: bool = False


class BoardUpdate(Payload):
    messages = {
        "settings": _l("Unknown board setting."),
        "title": BOARD_TITLE_TOO_LONG,
        "vote_budget": VOTE_BUDGET_RULE,
        "timer_minutes": TIMER_RULE,
        "phase": _l("Choose a phase from the list."),
    }

    settings: BoardSettings


class ColumnAdd(Payload):
    messages = {"title": COLUMN_TITLE_RULE}

    title: ColumnTitle


class ColumnChange(Payload):
    messages = {"title": COLUMN_TITLE_RULE}

    column_id: int
    title: ColumnTitle | None = None
    #: An INTEGER column in the database, so it stays in its range.
    position: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None
    remove: bool = False


class CardGroup(Payload):
    """card_group: put `card_id` (with its group) into the group of `onto_id`."""

    card_id: int
    onto_id: int


class CardUngroup(Payload):
    """card_ungroup: take a card out of its group."""

    card_id: int


class ClusterTitle(Payload):
    messages = {"title": CLUSTER_TITLE_TOO_LONG}

    card_id: int
    title: _text(MAX_CLUSTER_TITLE)


class CommentAdd(Payload):
    messages = {"text": COMMENT_TOO_LONG}

    card_id: int
    text: _text(MAX_COMMENT_TEXT, lines=True)
    key: Key


class CommentDelete(Payload):
    comment_id: int
