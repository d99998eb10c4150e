"""The demo programme drawn from the seed documents (`flask circle seed-demo`).

Running it again changes nothing: every record is looked up by its natural key
first. Demo accounts all share the password in `DEMO_PASSWORD`.
"""

import sqlalchemy as sa

from circle.accounts.models import Organisation, OrganisationKind, Role, User
from circle.extensions import db

DEMO_PASSWORD = "circle-demo"

ORGANISATIONS = [
    ("Programmabureau Democratie in Actie", OrganisationKind.OTHER, None),
    ("Gemeente Stein", OrganisationKind.MUNICIPALITY, "Limburg"),
    ("Gemeente Sittard-Geleen", OrganisationKind.MUNICIPALITY, "Limburg"),
    ("Gemeente Meppel", OrganisationKind.MUNICIPALITY, "Drenthe"),
    ("Gemeente Zwolle", OrganisationKind.MUNICIPALITY, "Overijssel"),
    ("Gemeente Eindhoven", OrganisationKind.MUNICIPALITY, "Noord-Brabant"),
    ("Gemeente Helmond", OrganisationKind.MUNICIPALITY, "Noord-Brabant"),
    ("Stichting Dorpsdagvoorziening Meers", OrganisationKind.INITIATIVE, "Limburg"),
    ("Energiecoöperatie De Vechtstroom", OrganisationKind.INITIATIVE, "Overijssel"),
    (
        "Zorgcollectief Samen Oud in Strijp",
        OrganisationKind.INITIATIVE,
        "Noord-Brabant",
    ),
    ("Fonds Samen Doen", OrganisationKind.FUND, None),
]

#: (e-mail, name, role, organisation name); the first four are in the README.
PEOPLE = [
    (
        "admin@example.org",
        "Sanne Bakker",
        Role.ADMIN,
        "Programmabureau Democratie in Actie",
    ),
    (
        "adviseur@example.org",
        "Marleen de Vries",
        Role.ADVISER,
        "Programmabureau Democratie in Actie",
    ),
    ("gemeente@example.org", "Jeroen Smeets", Role.PARTICIPANT, "Gemeente Stein"),
    (
        "initiatief@example.org",
        "Lies Houben",
        Role.INITIATOR,
        "Stichting Dorpsdagvoorziening Meers",
    ),
    (
        "adviseur.oost@example.org",
        "Peter Jansen",
        Role.ADVISER,
        "Programmabureau Democratie in Actie",
    ),
    ("wethouder.stein@example.org", "Ria Ramakers", Role.PARTICIPANT, "Gemeente Stein"),
    ("sittard@example.org", "Bas Coenen", Role.PARTICIPANT, "Gemeente Sittard-Geleen"),
    ("meppel@example.org", "Anouk Mulder", Role.PARTICIPANT, "Gemeente Meppel"),
    ("zwolle@example.org", "Hans Kuipers", Role.PARTICIPANT, "Gemeente Zwolle"),
    (
        "eindhoven@example.org",
        "Fatima el Amrani",
        Role.PARTICIPANT,
        "Gemeente Eindhoven",
    ),
    ("helmond@example.org", "Tom van Dijk", Role.PARTICIPANT, "Gemeente Helmond"),
    (
        "vechtstroom@example.org",
        "Gerrit Hofman",
        Role.INITIATOR,
        "Energiecoöperatie De Vechtstroom",
    ),
    (
        "strijp@example.org",
        "Joke Verhoeven",
        Role.INITIATOR,
        "Zorgcollectief Samen Oud in Strijp",
    ),
    ("fonds@example.org", "Karin Smit", Role.INITIATOR, "Fonds Samen Doen"),
]


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def seed_demo() -> dict[str, int]:
    """Create what is missing of the demo; returns how many records were added."""
    added = {"organisations": 0, "users": 0}
    organisations = {}
    for name, kind, province in ORGANISATIONS:
        organisation = db.session.scalar(sa.select(Organisation).filter_by(name=name))
        if organisation is None:
            organisation = Organisation(name=name, kind=kind, province=province)
            db.session.add(organisation)
            added["organisations"] += 1
        organisations[name] = organisation
    for email, name, role, organisation_name in PEOPLE:
        if db.session.scalar(sa.select(User).filter_by(email=email)) is None:
            user = User(
                email=email,
                name=name,
                role=role,
                organisation=organisations[organisation_name],
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            added["users"] += 1
    db.session.flush()
    return added
