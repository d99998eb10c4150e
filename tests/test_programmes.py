"""Programmes: creating, editing, phases, themes and the timeline page."""

from datetime import date

import pytest
import sqlalchemy as sa

from circle.accounts.models import Role
from circle.programmes.models import Phase, PhaseKind, Programme, Theme
from circle.programmes.timeline import build_timeline


def programme_form(**overrides):
    data = {
        "name": "Faciliteren van lokaal maatschappelijk initiatief",
        "description": "Een jaar samen leren.",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
    }
    data.update(overrides)
    return data


def test_admin_creates_programme_with_phases_themes_and_advisers(
    client, db, admin, adviser, login
):
    login(admin)
    response = client.post_form(
        "/programmes/new", programme_form(adviser_ids=str(adviser.id))
    )
    assert response.status_code == 302
    programme = db.session.scalar(sa.select(Programme))
    assert programme.advisers == [adviser]
    assert {phase.kind for phase in programme.phases} == set(PhaseKind)
    assert all(
        programme.starts_on <= phase.starts_on <= phase.ends_on <= programme.ends_on
        for phase in programme.phases
    )
    assert "Kaderstelling" in {theme.name for theme in programme.themes}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<svg width="100%"' in page and "Fasen van het traject" in page


@pytest.mark.parametrize(
    "bad",
    [
        {"ends_on": "2026-12-31"},  # before the start
        {"starts_on": "geen datum"},
        {"name": ""},
        {"name": "x" * 201},
        {"adviser_ids": "999"},
    ],
)
def test_bad_programme_input_changes_nothing(client, db, admin, login, bad):
    login(admin)
    response = client.post_form("/programmes/new", programme_form(**bad))
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 0


def test_dates_out_of_order_have_a_clear_message(client, admin, login):
    login(admin)
    response = client.post_form(
        "/programmes/new",
        programme_form(ends_on="2026-06-01"),
        headers={"Accept-Language": "nl"},
    )
    assert "De einddatum mag niet vóór de begindatum liggen." in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize("role", [Role.ADVISER, Role.PARTICIPANT, Role.INITIATOR])
def test_only_admins_create_and_edit_programmes(
    client, make_user, login, programme, role
):
    login(make_user(role))
    assert client.get("/programmes/new").status_code == 403
    assert client.post_form("/programmes/new", programme_form()).status_code == 403
    assert client.get(f"/programmes/{programme.id}/edit").status_code == 403
    assert (
        client.post_form(
            f"/programmes/{programme.id}/themes", {"name": "Nieuw"}
        ).status_code
        == 403
    )


def test_edit_programme_phases(client, db, admin, login, programme):
    login(admin)
    page = client.get(f"/programmes/{programme.id}/edit")
    assert page.status_code == 200
    data = programme_form(starts_on="2026-01-01", ends_on="2099-12-31")
    for index, kind in enumerate(PhaseKind):
        data[f"phases-{index}-kind"] = kind.value
        data[f"phases-{index}-starts_on"] = "2026-02-01"
        data[f"phases-{index}-ends_on"] = "2026-03-01"
    data["phases-4-starts_on"] = "2026-11-01"
    data["phases-4-ends_on"] = "2026-12-15"
    assert client.post_form(f"/programmes/{programme.id}/edit", data).status_code == 302
    closing = db.session.scalar(sa.select(Phase).filter_by(kind=PhaseKind.CLOSING))
    assert (closing.starts_on, closing.ends_on) == (
        date(2026, 11, 1),
        date(2026, 12, 15),
    )


def test_phase_outside_programme_or_reversed_is_refused(
    client, db, admin, login, programme
):
    login(admin)
    before = {(p.kind, p.starts_on, p.ends_on) for p in programme.phases}
    data = programme_form(starts_on="2026-01-01", ends_on="2099-12-31")
    for index, kind in enumerate(PhaseKind):
        data[f"phases-{index}-kind"] = kind.value
        data[f"phases-{index}-starts_on"] = "2026-02-01"
        data[f"phases-{index}-ends_on"] = "2026-03-01"
    for start, end in [("2025-01-01", "2026-03-01"), ("2026-05-01", "2026-04-01")]:
        data["phases-0-starts_on"], data["phases-0-ends_on"] = start, end
        response = client.post_form(f"/programmes/{programme.id}/edit", data)
        assert response.status_code == 200
    db.session.expire_all()
    assert {(p.kind, p.starts_on, p.ends_on) for p in programme.phases} == before


def test_unknown_phase_kind_is_refused(client, admin, login, programme):
    login(admin)
    data = programme_form(starts_on="2026-01-01", ends_on="2099-12-31")
    data.update(
        {
            "phases-0-kind": "party",
            "phases-0-starts_on": "2026-02-01",
            "phases-0-ends_on": "2026-03-01",
        }
    )
    assert client.post_form(f"/programmes/{programme.id}/edit", data).status_code == 400


def test_admin_adds_theme_and_duplicate_is_refused(client, db, admin, login, programme):
    login(admin)
    client.post_form(
        f"/programmes/{programme.id}/themes",
        {"name": "Digitale participatie", "name_en": "Digital participation"},
    )
    client.post_form(
        f"/programmes/{programme.id}/themes", {"name": "digitale participatie"}
    )
    themes = db.session.scalars(
        sa.select(Theme).filter_by(name="Digitale participatie")
    )
    assert len(list(themes)) == 1
    page = client.get(
        f"/programmes/{programme.id}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Digital participation" in page


def test_every_signed_in_person_can_read_a_programme(
    client, make_user, login, programme
):
    login(make_user(Role.INITIATOR))
    assert client.get(f"/programmes/{programme.id}").status_code == 200
    assert client.get("/programmes/999").status_code == 404


def test_timeline_positions_bands_and_today(programme):
    timeline = build_timeline(programme, today=date(2026, 7, 2))
    assert len(timeline.bands) == len(PhaseKind)
    assert timeline.bands[0].x == 0
    assert all(0 <= band.x <= 100 and band.width > 0 for band in timeline.bands)
    assert 0 < timeline.today_x < 1
    assert build_timeline(programme, today=date(2025, 1, 1)).today_x is None
    assert timeline.ticks[0].label  # month names on the axis


def test_programme_page_queries_do_not_grow_with_groups(
    client, admin, login, programme, make_group, count_queries
):
    login(admin)
    make_group(programme, name="Groep 1")
    with count_queries() as few:
        client.get(f"/programmes/{programme.id}")
    for number in range(2, 12):
        make_group(programme, name=f"Groep {number}")
    with count_queries() as many:
        client.get(f"/programmes/{programme.id}")
    assert many.count == few.count
