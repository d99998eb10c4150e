"""The nine principles: stored as data, read by everyone signed in, edited by admins."""

from circle.accounts.models import Role
from tests import factories


def test_the_demo_and_factories_hold_nine_principles_in_order(db):
    principles = factories.principles()
    assert [p.position for p in principles] == list(range(1, 10))
    assert principles[0].name == "Ga uit van vertrouwen"
    assert factories.principles() == principles  # a second call adds nothing


def test_admin_edits_a_principle_and_others_may_not(app, db, make_user, login):
    principles = factories.principles()
    target = principles[2]
    db.session.commit()
    admin = make_user(Role.ADMIN)
    client = login(admin)
    page = client.get("/principles").get_data(as_text=True)
    assert target.name in page
    response = client.post_form(
        f"/principles/{target.id}/edit",
        {"name": "Eén aanspreekpunt", "name_en": "", "description": "Vast en bekend."},
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert (target.name, target.name_en, target.description) == (
        "Eén aanspreekpunt",
        None,
        "Vast en bekend.",
    )
    for role in (Role.ADVISER, Role.PARTICIPANT, Role.INITIATOR):
        other = login(make_user(role), test_client=app.test_client())
        assert other.get("/principles").status_code == 200
        assert other.get(f"/principles/{target.id}/edit").status_code == 403
        refused = other.post_form(f"/principles/{target.id}/edit", {"name": "X"})
        assert refused.status_code == 403
    db.session.refresh(target)
    assert target.name == "Eén aanspreekpunt"


def test_a_name_with_a_line_break_or_empty_is_refused(db, make_user, login):
    target = factories.principles()[0]
    db.session.commit()
    client = login(make_user(Role.ADMIN))
    for name in ("", "Twee\nregels"):
        response = client.post_form(f"/principles/{target.id}/edit", {"name": name})
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    db.session.refresh(target)
    assert target.name == "Ga uit van vertrouwen"
    assert client.get("/principles/99999999999/edit").status_code == 404
