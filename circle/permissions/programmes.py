"""Programmes, regions, applications and the intake."""

from __future__ import annotations

from typing import TYPE_CHECKING

from circle.accounts.models import OrganisationKind, Role, User
from circle.permissions.facts import (
    acts_for,
    is_admin_user,
    is_programme_adviser,
    signed_in,
)

if TYPE_CHECKING:
    from circle.intake.models import Application
    from circle.programmes.models import Programme


__all__ = [
    "can_manage_programmes",
    "can_edit_programme",
    "can_view_programme",
    "can_manage_regions",
    "can_edit_principles",
    "can_apply",
    "can_review_applications",
    "can_review_application",
    "can_view_application",
    "can_edit_application",
    "can_withdraw_application",
    "can_reopen_application",
]


def can_manage_programmes(user: User) -> bool:
    return is_admin_user(user)


def can_edit_programme(user: User, programme: Programme) -> bool:
    return is_admin_user(user)


def can_view_programme(user: User, programme: Programme) -> bool:
    # Everyone signed in may read about a programme: that is how municipalities
    # find it and apply. What happens inside it is scoped by the rules below.
    return signed_in(user)


def can_manage_regions(user: User) -> bool:
    return is_admin_user(user)


def can_edit_principles(user: User) -> bool:
    """The wording of the nine principles is the programme office's."""
    return is_admin_user(user)


def can_apply(user: User, programme: Programme | None) -> bool:
    """Civil servants apply for their municipality, once it and they are approved."""
    return (
        signed_in(user)
        and user.role == Role.PARTICIPANT
        and acts_for(user, user.organisation_id)
        and user.organisation.kind == OrganisationKind.MUNICIPALITY
        and user.organisation.is_approved
    )


def _same_organisation(user: User, application: Application) -> bool:
    return acts_for(user, application.organisation_id)


def can_review_applications(user: User, programme: Programme) -> bool:
    return is_admin_user(user) or is_programme_adviser(user, programme)


def can_review_application(user: User, application: Application) -> bool:
    return can_review_applications(user, application.programme)


def can_view_application(user: User, application: Application) -> bool:
    return _same_organisation(user, application) or can_review_applications(
        user, application.programme
    )


def can_edit_application(user: User, application: Application) -> bool:
    from circle.intake.models import ApplicationStatus

    return (
        _same_organisation(user, application)
        and user.role == Role.PARTICIPANT
        and application.status == ApplicationStatus.SUBMITTED
    )


def can_withdraw_application(user: User, application: Application) -> bool:
    from circle.intake.models import ApplicationStatus

    return (
        _same_organisation(user, application)
        and user.role == Role.PARTICIPANT
        and application.status
        in (ApplicationStatus.SUBMITTED, ApplicationStatus.INTAKE_PLANNED)
    )


def can_reopen_application(user: User, application: Application) -> bool:
    """Advisers take a withdrawn application back into the intake."""
    from circle.intake.models import ApplicationStatus

    return (
        can_review_application(user, application)
        and application.status == ApplicationStatus.WITHDRAWN
    )
