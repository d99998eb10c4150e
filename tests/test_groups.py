"""Regional learning groups: forming, joining, approving, leaving, capacity."""

import threading

import pytest
import sqlalchemy as sa

from circle.accounts.models import Role
from circle.database import utcnow
from circle.errors import ServiceError
from circle.extensions import db as database
from circle.groups import services as groups
from circle.groups.models import Group, Membership, MembershipStatus, Region
from tests import factories
from tests.conftest import form_errors, make_test_app, running, service_url


def memberships(db, **filters):
    return list(db.session.scalars(sa.select(Membership).filter_by(**filters)))


def test_programme_adviser_creates_group_with_default_capacity(
    client, db, adviser, login, programme
):
    login(adviser)
    page = client.get(f"/programmes/{programme.id}/groups/new")
    assert page.status_code == 200
    response = client.post_form(
        f"/programmes/{programme.id}/groups/new",
        {
            "name": "Leerkring Limburg",
            "description": "Samen leren",
            "region_id": "0",
            "capacity": "20",
            "adviser_ids": str(adviser.id),
        },
    )
    assert response.status_code == 302
    group = db.session.scalar(sa.select(Group))
    assert group.capacity == 20 and group.advisers == [adviser]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.INITIATOR, Role.ADVISER])
def test_others_cannot_form_groups(client, db, make_user, login, programme, role):
    login(make_user(role))  # an adviser who does not advise this programme
    response = client.post_form(
        f"/programmes/{programme.id}/groups/new",
        {"name": "Eigen groep", "region_id": "0", "capacity": "20"},
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(Group)) is None


@pytest.mark.parametrize("capacity", ["0", "-3", "501", "twintig"])
def test_bad_capacity_is_refused(client, db, adviser, login, programme, capacity):
    login(adviser)
    response = client.post_form(
        f"/programmes/{programme.id}/groups/new",
        {"name": "Leerkring", "region_id": "0", "capacity": capacity},
    )
    assert response.status_code == 200
    assert set(form_errors(response)) == {"capacity"}
    assert db.session.scalar(sa.select(Group)) is None


def test_join_request_approval_and_mails(
    app, client, db, group, adviser, initiator, login, outbox
):
    login(initiator)
    client.post_form(f"/groups/{group.id}/join", {"message": "Wij doen graag mee."})
    (request,) = memberships(db, status=MembershipStatus.PENDING)
    assert adviser.email in outbox[-1]["To"]  # the group's adviser is told
    # Asking twice is refused.
    client.post_form(f"/groups/{group.id}/join", {"message": "Nog een keer"})
    assert len(memberships(db)) == 1

    moderator = app.test_client()
    login(adviser, test_client=moderator)
    assert "Wij doen graag mee." in moderator.get(
        f"/groups/{group.id}/requests"
    ).get_data(as_text=True)
    moderator.post_form(f"/memberships/{request.id}/approve")
    db.session.refresh(request)
    assert request.status == MembershipStatus.ACTIVE
    assert initiator.email in outbox[-1]["To"]
    # Approving the same request again is refused and changes nothing.
    response = moderator.post_form(
        f"/memberships/{request.id}/approve",
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "already been decided" in response.get_data(as_text=True)


def test_decline_needs_a_reason_and_keeps_it(
    app, db, group, adviser, initiator, add_member, login
):
    request = add_member(group, initiator, MembershipStatus.PENDING)
    moderator = app.test_client()
    login(adviser, test_client=moderator)
    moderator.post_form(f"/memberships/{request.id}/decline", {"reason": ""})
    db.session.refresh(request)
    assert request.status == MembershipStatus.PENDING
    moderator.post_form(
        f"/memberships/{request.id}/decline", {"reason": "Groep is voor Limburg."}
    )
    db.session.refresh(request)
    assert request.status == MembershipStatus.DECLINED
    assert request.reason == "Groep is voor Limburg."


def test_member_leaves_and_can_ask_again(
    client, db, group, initiator, add_member, login
):
    add_member(group, initiator)
    login(initiator)
    client.post_form(f"/groups/{group.id}/leave")
    assert memberships(db, status=MembershipStatus.LEFT)
    client.post_form(f"/groups/{group.id}/join", {})
    assert memberships(db, status=MembershipStatus.PENDING)


def test_adviser_removes_member_with_a_reason_that_is_kept(
    app, db, group, adviser, initiator, add_member, login, outbox
):
    membership = add_member(group, initiator)
    moderator = app.test_client()
    login(adviser, test_client=moderator)
    moderator.post_form(f"/memberships/{membership.id}/remove", {"reason": ""})
    db.session.refresh(membership)
    assert membership.status == MembershipStatus.ACTIVE
    moderator.post_form(f"/memberships/{membership.id}/remove", {"reason": "Verhuisd."})
    db.session.refresh(membership)
    assert membership.status == MembershipStatus.REMOVED
    assert membership.reason == "Verhuisd." and membership.decided_by_id == adviser.id
    assert "Verhuisd." in outbox[-1].get_body(("plain",)).get_content()


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.INITIATOR, Role.ADVISER])
def test_only_the_groups_advisers_decide(
    app, db, group, initiator, add_member, make_user, login, role
):
    request = add_member(group, initiator, MembershipStatus.PENDING)
    other = app.test_client()
    login(make_user(role), test_client=other)
    assert other.get(f"/groups/{group.id}/requests").status_code == 403
    assert other.post_form(f"/memberships/{request.id}/approve").status_code == 403
    assert (
        other.post_form(
            f"/memberships/{request.id}/remove", {"reason": "x"}
        ).status_code
        == 403
    )
    db.session.refresh(request)
    assert request.status == MembershipStatus.PENDING


def test_joining_a_full_group_is_refused(
    client, db, make_group, programme, initiator, make_user, add_member, login
):
    full = make_group(programme, name="Vol", capacity=1)
    add_member(full, make_user(Role.PARTICIPANT))
    login(initiator)
    response = client.post_form(
        f"/groups/{full.id}/join",
        {},
        headers={"Accept-Language": "nl"},
        follow_redirects=True,
    )
    assert "De groep is vol" in response.get_data(as_text=True)
    assert memberships(db, user_id=initiator.id) == []


def test_capacity_cannot_drop_below_the_members(
    client, db, group, adviser, make_user, add_member, login
):
    add_member(group, make_user(Role.PARTICIPANT))
    add_member(group, make_user(Role.PARTICIPANT))
    login(adviser)
    response = client.post_form(
        f"/groups/{group.id}/edit",
        {
            "name": group.name,
            "region_id": "0",
            "capacity": "1",
            "adviser_ids": str(adviser.id),
        },
    )
    assert response.status_code == 200
    db.session.refresh(group)
    assert group.capacity == 20


def test_directory_is_for_members_and_advisers(
    app, client, db, group, initiator, make_user, add_member, login
):
    add_member(group, initiator)
    login(initiator)
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert initiator.organisation.name in page and "Leden" in page
    outsider = app.test_client()
    login(make_user(Role.PARTICIPANT), test_client=outsider)
    page = outsider.get(f"/groups/{group.id}").get_data(as_text=True)
    assert initiator.organisation.name not in page
    assert "Lid worden van deze groep" in page


def test_group_page_queries_do_not_grow_with_members(
    client, db, group, adviser, make_user, add_member, login, count_queries
):
    add_member(group, make_user(Role.PARTICIPANT))
    login(adviser)
    with count_queries() as few:
        client.get(f"/groups/{group.id}")
    for _ in range(12):
        add_member(group, make_user(Role.PARTICIPANT))
        add_member(group, make_user(Role.INITIATOR))
    with count_queries() as many:
        client.get(f"/groups/{group.id}")
    assert many.count == few.count


def test_home_page_queries_do_not_grow(
    client,
    db,
    programme,
    make_group,
    adviser,
    initiator,
    add_member,
    login,
    count_queries,
):
    add_member(make_group(programme, name="Groep 0", advisers=[adviser]), initiator)
    login(initiator)
    with count_queries() as few:
        assert client.get("/home").status_code == 200
    for number in range(1, 8):
        add_member(
            make_group(programme, name=f"Groep {number}", advisers=[adviser]), initiator
        )
    with count_queries() as many:
        client.get("/home")
    assert many.count == few.count


def test_admin_manages_regions(client, db, admin, login):
    login(admin)
    client.post_form("/regions", {"name": "Limburg", "provinces": ["Limburg"]})
    client.post_form("/regions", {"name": "limburg", "provinces": ["Zeeland"]})
    client.post_form("/regions", {"name": "Nergens", "provinces": ["Atlantis"]})
    regions = list(db.session.scalars(sa.select(Region)))
    assert [(r.name, r.provinces) for r in regions] == [("Limburg", ["Limburg"])]


def test_regions_are_for_admins(client, adviser, login):
    login(adviser)
    assert client.get("/regions").status_code == 403


# -- capacity under concurrent approvals ------------------------------------------


def _approve_concurrently(app, membership_ids, adviser_id):
    """Approve each request in its own thread and transaction, all at once."""
    barrier = threading.Barrier(len(membership_ids))
    outcomes = []

    def approve(membership_id):
        with app.app_context():
            from circle.accounts.models import User

            membership = database.session.get(Membership, membership_id)
            adviser = database.session.get(User, adviser_id)
            barrier.wait()
            try:
                groups.approve_request(membership, by=adviser, now=utcnow())
                database.session.commit()
                outcomes.append("approved")
            except ServiceError:
                database.session.rollback()
                outcomes.append("refused")
            finally:
                database.session.remove()

    threads = [threading.Thread(target=approve, args=(mid,)) for mid in membership_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


@pytest.fixture(params=["sqlite-file", "postgresql"])
def concurrent_app(request, tmp_path):
    if request.param == "postgresql":
        service_url("TEST_DATABASE_URL")
        app = make_test_app()
    else:
        app = make_test_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'race.db'}")
    with running(app):
        yield app


def _race_setup(capacity: int, *roles: Role):
    """Admin, adviser, a group of `capacity` with a pending request per role."""
    admin = factories.user(Role.ADMIN)
    adviser = factories.user(Role.ADVISER)
    programme = factories.programme(by=admin, advisers=[adviser])
    group = factories.group(programme, by=admin, capacity=capacity, advisers=[adviser])
    requests = [
        factories.membership(group, factories.user(role), MembershipStatus.PENDING)
        for role in roles
    ]
    database.session.commit()
    return adviser, group, requests


def test_capacity_holds_when_two_approvals_race(concurrent_app):
    adviser, group, requests = _race_setup(1, Role.INITIATOR, Role.INITIATOR)
    outcomes = _approve_concurrently(
        concurrent_app, [m.id for m in requests], adviser.id
    )
    assert outcomes == ["approved", "refused"]
    active = database.session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .where(
            Membership.group_id == group.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    assert active == 1


def test_approving_one_request_twice_at_once_approves_it_once(concurrent_app):
    adviser, _group, (membership,) = _race_setup(20, Role.INITIATOR)
    outcomes = _approve_concurrently(
        concurrent_app, [membership.id, membership.id], adviser.id
    )
    assert outcomes == ["approved", "refused"]


def test_requests_page_queries_do_not_grow(
    client, db, group, adviser, make_user, add_member, login, count_queries
):
    add_member(group, make_user(Role.PARTICIPANT))
    add_member(group, make_user(Role.INITIATOR), MembershipStatus.PENDING)
    login(adviser)
    with count_queries() as few:
        assert client.get(f"/groups/{group.id}/requests").status_code == 200
    for _ in range(8):
        add_member(group, make_user(Role.PARTICIPANT))
        add_member(group, make_user(Role.INITIATOR), MembershipStatus.PENDING)
    with count_queries() as many:
        client.get(f"/groups/{group.id}/requests")
    assert many.count == few.count
