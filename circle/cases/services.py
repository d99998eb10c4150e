"""Cases: initiators share an experience as a case of the programme."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from circle.accounts.models import User
from circle.cases.models import Case, CaseKind
from circle.errors import ServiceError
from circle.extensions import db
from circle.intake.models import ProjectType
from circle.permissions import can_open_experience_case
from circle.programmes.models import Programme
from circle.search.services import index_case


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
