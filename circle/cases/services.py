"""Cases: opening them, placing a municipality's case in a group, the search index.

A municipality's case is opened when its application is accepted (intake);
initiators share an experience as a case of their own.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from circle.accounts.models import User
from circle.cases.models import Case, CaseKind, ProjectType
from circle.errors import ServiceError
from circle.extensions import db
from circle.groups import services as groups
from circle.groups.models import Group, Membership
from circle.permissions import can_open_experience_case
from circle.programmes.models import Programme
from circle.search.models import SearchKind
from circle.search.services import index_document


def open_experience_case(
    programme: Programme,
    *,
    title: str,
    description: str,
    question: str,
    by: User,
    now: datetime,
) -> Case:
    if not can_open_experience_case(by, programme):
        raise ServiceError(
            _l("Only initiators in this programme can share an experience.")
        )
    case = Case(
        programme=programme,
        organisation_id=by.organisation_id,
        kind=CaseKind.EXPERIENCE,
        project_type=ProjectType.OTHER,
        title=title,
        description=description,
        question=question,
        opened_by=by,
        created_at=now,
    )
    db.session.add(case)
    db.session.flush()
    index_case(case)
    return case


def index_case(case: Case) -> None:
    """Cases: found by everyone enrolled in the programme and by their organisation."""
    index_document(
        SearchKind.CASE,
        case.id,
        programme_id=case.programme_id,
        group_id=None,
        organisation_id=case.organisation_id,
        title=case.title,
        body=f"{case.description}\n\n{case.question}",
    )


def place_case(
    case: Case, group: Group, *, by: User, now: datetime
) -> list[Membership]:
    """Place a municipality's case in a group of its programme; its civil servants
    become members (see groups.services.place_organisation)."""
    if group.programme_id != case.programme_id:
        raise ServiceError(_l("Choose a group of the same programme."), "group")
    newcomers = groups.place_organisation(group, case.organisation_id, by=by, now=now)
    case.group = group
    return newcomers
