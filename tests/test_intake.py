"""Applications with a concrete project, the intake and the decision."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from circle.accounts.models import Role
from circle.cases.models import Case
from circle.errors import ServiceError
from circle.groups.models import Membership, MembershipStatus, Region
from circle.intake.models import Application, ApplicationStatus
from circle.intake.services import ApplicationData, apply_for_programme
from circle.timezones import local_to_utc
from tests import factories


def application_form(**overrides):
    data = {
        "project_type": "initiatives_fund",
        "project_title": "Initiatievenfonds Stein",
        "description": "Een fonds voor initiatieven van inwoners.",
        "question": "Hoe beoordelen we aanvragen?",
        "has_college_commitment": "y",
        "has_council_commitment": "y",
        "has_officials_commitment": "y",
    }
    data.update(overrides)
    return data


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def applied(client, db, participant, login, programme):
    """The participant's municipality has applied; returns the application."""
    login(participant)
    client.post_form(f"/programmes/{programme.id}/apply", application_form())
    return db.session.scalar(sa.select(Application))


def test_participant_applies_and_is_mailed(
    client, db, participant, login, programme, outbox
):
    login(participant)
    response = client.post_form(f"/programmes/{programme.id}/apply", application_form())
    assert response.status_code == 302
    application = db.session.scalar(sa.select(Application))
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.organisation == participant.organisation
    assert [event.status for event in application.events] == [
        ApplicationStatus.SUBMITTED
    ]
    assert len(outbox) == 1 and participant.email in outbox[0]["To"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ingediend" in page and "Initiatievenfonds Stein" in page


def test_a_municipality_applies_only_once(
    client, db, applied, make_user, login, programme
):
    colleague = make_user(Role.PARTICIPANT, organisation=applied.organisation)
    login(colleague)
    response = client.post_form(f"/programmes/{programme.id}/apply", application_form())
    assert response.status_code == 302  # sent to the existing application
    assert count(db, Application) == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"has_council_commitment": ""},
        {"project_type": "castle"},
        {"project_title": ""},
        {"description": "x" * 5001},
        {"question": ""},
    ],
)
def test_bad_application_input_changes_nothing(
    client, db, participant, login, programme, outbox, bad
):
    login(participant)
    response = client.post_form(
        f"/programmes/{programme.id}/apply", application_form(**bad)
    )
    assert response.status_code == 200
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert count(db, Application) == 0 and outbox == []


@pytest.mark.parametrize("role", [Role.INITIATOR, Role.ADVISER, Role.ADMIN])
def test_only_municipal_participants_apply(
    client, db, make_user, login, programme, role
):
    login(make_user(role))
    assert client.get(f"/programmes/{programme.id}/apply").status_code == 403
    client.post_form(f"/programmes/{programme.id}/apply", application_form())
    assert count(db, Application) == 0


def test_other_organisations_cannot_see_an_application(app, applied, make_user, login):
    stranger = app.test_client()
    login(make_user(Role.PARTICIPANT), test_client=stranger)
    assert stranger.get(f"/applications/{applied.id}").status_code == 404
    assert stranger.post_form(f"/applications/{applied.id}/withdraw").status_code == 404
    other_adviser = app.test_client()
    login(make_user(Role.ADVISER), test_client=other_adviser)
    assert other_adviser.get(f"/applications/{applied.id}").status_code == 404
    assert (
        other_adviser.post_form(
            f"/applications/{applied.id}/decide", {"decision": "accept"}
        ).status_code
        == 404
    )


def test_applicant_edits_until_the_intake_is_planned(
    app, client, db, applied, adviser, login
):
    response = client.post_form(
        f"/applications/{applied.id}/edit", application_form(project_title="Fonds 2.0")
    )
    assert response.status_code == 302
    db.session.refresh(applied)
    assert applied.project_title == "Fonds 2.0"

    reviewer = app.test_client()
    login(adviser, test_client=reviewer)
    reviewer.post_form(
        f"/applications/{applied.id}/intake",
        {"intake_at": "2098-03-10T10:00", "intake_notes": "Gemeentehuis"},
    )
    response = client.post_form(
        f"/applications/{applied.id}/edit", application_form(project_title="Te laat")
    )
    assert response.status_code == 302
    db.session.refresh(applied)
    assert applied.project_title == "Fonds 2.0"


def test_withdraw_then_apply_again(client, db, applied, programme):
    assert client.post_form(f"/applications/{applied.id}/withdraw").status_code == 302
    db.session.refresh(applied)
    assert applied.status == ApplicationStatus.WITHDRAWN
    assert client.post_form(f"/applications/{applied.id}/withdraw").status_code == 403
    client.post_form(f"/programmes/{programme.id}/apply", application_form())
    assert count(db, Application) == 2


@pytest.mark.parametrize(
    "last_day", [date(2098, 8, 20), date(2098, 2, 20)], ids=["summer", "winter"]
)
def test_applications_close_at_midnight_dutch_time(db, admin, make_user, last_day):
    programme = factories.programme(by=admin, ends_on=last_day)
    data = ApplicationData(
        "other", "Project", "Omschrijving", "Vraag", True, True, True
    )

    def apply_at(day: date, hour: int, minute: int) -> None:
        moment = local_to_utc(datetime.combine(day, time(hour, minute)))
        apply_for_programme(programme, data, by=make_user(Role.PARTICIPANT), now=moment)

    apply_at(last_day, 23, 30)  # the last evening still counts
    # 00:30 Dutch time is the next day, though UTC still says the last one.
    with pytest.raises(ServiceError) as refused:
        apply_at(last_day + timedelta(days=1), 0, 30)
    with force_locale("en"):
        assert str(refused.value.message) == "This programme has ended."
    assert count(db, Application) == 1


def test_adviser_plans_intake_in_dutch_time(app, db, applied, adviser, login, outbox):
    reviewer = app.test_client()
    login(adviser, test_client=reviewer)
    reviewer.post_form(
        f"/applications/{applied.id}/intake",
        {"intake_at": "2098-07-01T10:00", "intake_notes": "Raadzaal"},
    )
    db.session.refresh(applied)
    assert applied.status == ApplicationStatus.INTAKE_PLANNED
    assert applied.intake_at == datetime(2098, 7, 1, 8, 0, tzinfo=UTC)  # CEST, UTC+2
    (status,) = [m for m in outbox if applied.applicant.email in m["To"]]
    mail = status.get_body(("plain",)).get_content()
    assert "10:00" in mail and "Raadzaal" in mail


def test_intake_at_a_time_that_does_not_exist_is_refused(
    app, db, applied, adviser, login
):
    reviewer = app.test_client()
    login(adviser, test_client=reviewer)
    response = reviewer.post_form(
        f"/applications/{applied.id}/intake",
        {"intake_at": "2098-03-30T02:30"},  # last Sunday of March: 02:00 -> 03:00
        headers={"Accept-Language": "nl"},
        follow_redirects=True,
    )
    assert "Deze tijd bestaat niet in Nederland" in response.get_data(as_text=True)
    db.session.refresh(applied)
    assert applied.status == ApplicationStatus.SUBMITTED


def test_intake_in_the_past_is_refused(app, db, applied, adviser, login):
    reviewer = app.test_client()
    login(adviser, test_client=reviewer)
    reviewer.post_form(
        f"/applications/{applied.id}/intake", {"intake_at": "2020-01-01T10:00"}
    )
    db.session.refresh(applied)
    assert applied.intake_at is None


def test_accepting_makes_a_case_and_deciding_twice_is_refused(
    app, db, applied, adviser, login, outbox
):
    reviewer = app.test_client()
    login(adviser, test_client=reviewer)
    reviewer.post_form(f"/applications/{applied.id}/decide", {"decision": "accept"})
    db.session.refresh(applied)
    assert applied.status == ApplicationStatus.ACCEPTED
    case = db.session.scalar(sa.select(Case))
    assert case.title == "Initiatievenfonds Stein"
    assert case.organisation == applied.organisation
    assert "Geaccepteerd" in outbox[-1]["Subject"]
    reviewer.post_form(
        f"/applications/{applied.id}/decide",
        {"decision": "decline", "reason": "Toch niet"},
    )
    db.session.refresh(applied)
    assert applied.status == ApplicationStatus.ACCEPTED
    assert count(db, Case) == 1


def test_declining_needs_a_reason_which_the_applicant_sees(
    app, client, db, applied, adviser, login
):
    reviewer = app.test_client()
    login(adviser, test_client=reviewer)
    reviewer.post_form(f"/applications/{applied.id}/decide", {"decision": "decline"})
    db.session.refresh(applied)
    assert applied.status == ApplicationStatus.SUBMITTED
    reviewer.post_form(
        f"/applications/{applied.id}/decide",
        {"decision": "decline", "reason": "Past beter bij een ander traject."},
    )
    db.session.refresh(applied)
    assert applied.status == ApplicationStatus.DECLINED
    page = client.get(f"/applications/{applied.id}").get_data(as_text=True)
    assert "Past beter bij een ander traject." in page and "Afgewezen" in page


def test_placement_suggests_the_region_group_and_adds_colleagues(
    app, db, applied, adviser, admin, make_user, make_group, programme, login
):
    limburg = Region(name="Limburg", provinces=["Limburg"])
    db.session.add(limburg)
    db.session.commit()
    make_group(programme, name="Leerkring Noord", advisers=[adviser])
    local = make_group(
        programme, name="Leerkring Limburg", advisers=[adviser], region=limburg
    )
    colleague = make_user(Role.PARTICIPANT, organisation=applied.organisation)
    reviewer = app.test_client()
    login(adviser, test_client=reviewer)
    reviewer.post_form(f"/applications/{applied.id}/decide", {"decision": "accept"})
    page = reviewer.get(f"/applications/{applied.id}").get_data(as_text=True)
    assert f'<option selected value="{local.id}">' in page
    reviewer.post_form(f"/applications/{applied.id}/place", {"group": str(local.id)})
    members = {
        m.user_id
        for m in db.session.scalars(
            sa.select(Membership).filter_by(
                group_id=local.id, status=MembershipStatus.ACTIVE
            )
        )
    }
    assert members == {applied.applicant_id, colleague.id}
    assert db.session.scalar(sa.select(Case)).group_id == local.id


def test_placement_respects_capacity(
    app, db, applied, adviser, make_user, make_group, programme, login
):
    tiny = make_group(programme, name="Klein", capacity=1, advisers=[adviser])
    make_user(Role.PARTICIPANT, organisation=applied.organisation)
    reviewer = app.test_client()
    login(adviser, test_client=reviewer)
    reviewer.post_form(f"/applications/{applied.id}/decide", {"decision": "accept"})
    response = reviewer.post_form(
        f"/applications/{applied.id}/place",
        {"group": str(tiny.id)},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "The group is full" in response.get_data(as_text=True)
    assert count(db, Membership) == 0


def test_review_list_queries_do_not_grow_with_applications(
    client, db, adviser, login, programme, make_user, count_queries
):
    from circle.database import utcnow
    from circle.intake.services import ApplicationData, apply_for_programme

    def add_application():
        person = make_user(Role.PARTICIPANT)
        apply_for_programme(
            programme,
            ApplicationData(
                "other", "Project", "Omschrijving", "Vraag", True, True, True
            ),
            by=person,
            now=utcnow(),
        )
        db.session.commit()

    add_application()
    login(adviser)
    with count_queries() as few:
        assert client.get(f"/programmes/{programme.id}/applications").status_code == 200
    for _ in range(10):
        add_application()
    with count_queries() as many:
        client.get(f"/programmes/{programme.id}/applications")
    assert many.count == few.count


def test_review_list_is_for_the_programme_advisers(client, make_user, login, programme):
    login(make_user(Role.ADVISER))  # an adviser of no programme
    assert client.get(f"/programmes/{programme.id}/applications").status_code == 403


def test_application_page_queries_do_not_grow_with_its_history(
    app, client, db, applied, adviser, login, count_queries
):
    from circle.database import utcnow
    from circle.intake.models import ApplicationEvent

    reviewer = app.test_client()
    login(adviser, test_client=reviewer)
    url = f"/applications/{applied.id}"  # read before counting: commits expire it
    with count_queries() as few:
        assert reviewer.get(url).status_code == 200
    for _ in range(10):
        applied.events.append(
            ApplicationEvent(status=applied.status, actor=adviser, created_at=utcnow())
        )
    db.session.commit()
    with count_queries() as many:
        reviewer.get(url)
    assert many.count == few.count
