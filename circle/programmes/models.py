"""A programme ("ontwikkeltraject"): its year, phases, themes and advisers."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from circle.accounts.models import User
from circle.database import UTCDateTime, enum_column, utcnow
from circle.extensions import db


class PhaseKind(enum.StrEnum):
    INTAKE = "intake"
    KICKOFF = "kickoff"
    LOCAL_SUPPORT = "local_support"
    REGIONAL_EXCHANGE = "regional_exchange"
    CLOSING = "closing"

    @property
    def label(self) -> str:
        return str(PHASE_LABELS[self])


PHASE_LABELS = {
    PhaseKind.INTAKE: _l("Application and intake"),
    PhaseKind.KICKOFF: _l("Kick-off"),
    PhaseKind.LOCAL_SUPPORT: _l("Local tailored support"),
    PhaseKind.REGIONAL_EXCHANGE: _l("Regional exchange meetings"),
    PhaseKind.CLOSING: _l("Closing"),
}

#: The recurring themes of the seed documents: (Dutch name, English name).
DEFAULT_THEMES = [
    ("Kaderstelling", "Framing"),
    ("Beoordelen en waarderen van initiatieven", "Assessing and valuing initiatives"),
    (
        "Omgaan met weerstand in de eigen organisatie",
        "Dealing with internal resistance",
    ),
    (
        "De 9 uitgangspunten van de Nationale Ombudsman",
        "The National Ombudsman's 9 principles",
    ),
    ("Financiële en juridische vragen", "Financial and legal questions"),
    (
        "Overheidsparticipatie in plaats van burgerparticipatie",
        "Government participation instead of citizen participation",
    ),
    ("Coalities van initiatieven", "Coalitions of initiatives"),
    (
        "Eerlijke verdeling van geld en aandacht",
        "Fair distribution of money and attention",
    ),
]

programme_advisers = sa.Table(
    "programme_advisers",
    db.metadata,
    sa.Column(
        "programme_id",
        sa.ForeignKey("programmes.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Programme(db.Model):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: The programme office's contact person, on the public programme page.
    contact_name: Mapped[str] = mapped_column(
        sa.String(200), default="", server_default=""
    )
    contact_email: Mapped[str] = mapped_column(
        sa.String(320), default="", server_default=""
    )
    contact_phone: Mapped[str] = mapped_column(
        sa.String(40), default="", server_default=""
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    phases: Mapped[list["Phase"]] = relationship(
        back_populates="programme",
        cascade="all, delete-orphan",
        order_by="(Phase.starts_on, Phase.id)",
    )
    themes: Mapped[list["Theme"]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="Theme.id"
    )
    advisers: Mapped[list[User]] = relationship(
        secondary=programme_advisers, order_by=User.name
    )

    def __repr__(self) -> str:
        return f"<Programme {self.name!r}>"


class Phase(db.Model):
    """A band on the programme's timeline."""

    __tablename__ = "phases"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PhaseKind] = mapped_column(enum_column(PhaseKind))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    programme: Mapped[Programme] = relationship(back_populates="phases")


class DutchAndEnglishName:
    """`label`: the English name for English readers when there is one, else Dutch."""

    name: str
    name_en: str | None

    @property
    def label(self) -> str:
        locale = get_locale()
        if locale is not None and locale.language == "en" and self.name_en:
            return self.name_en
        return self.name


class Theme(DutchAndEnglishName, db.Model):
    __tablename__ = "themes"
    __table_args__ = (sa.UniqueConstraint("programme_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    #: The Dutch name; `name_en` is optional and falls back to it.
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str | None] = mapped_column(sa.String(120))

    programme: Mapped[Programme] = relationship(back_populates="themes")


#: The National Ombudsman's nine principles for dealing with citizen initiatives,
#: as (Dutch short name, English short name). A migration stores them; admins
#: edit the wording at /principles, so this list only seeds a new database.
DEFAULT_PRINCIPLES = [
    ("Ga uit van vertrouwen", "Start from trust"),
    (
        "Wees duidelijk over rollen en verwachtingen",
        "Be clear about roles and expectations",
    ),
    ("Zorg voor één vast aanspreekpunt", "Offer one fixed contact person"),
    (
        "Communiceer open, tijdig en begrijpelijk",
        "Communicate openly, on time and clearly",
    ),
    ("Denk mee en bied maatwerk", "Think along and tailor the support"),
    ("Kom afspraken na", "Keep agreements"),
    ("Wees transparant over besluiten en geld", "Be open about decisions and money"),
    ("Weeg belangen zorgvuldig en eerlijk af", "Weigh interests carefully and fairly"),
    (
        "Leer en evalueer samen met initiatiefnemers",
        "Learn and evaluate with initiators",
    ),
]


class Principle(DutchAndEnglishName, db.Model):
    """One of the nine principles; tips and self-assessments refer to them."""

    __tablename__ = "principles"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1 to 9, the order in which the Ombudsman lists them.
    position: Mapped[int] = mapped_column(unique=True)
    #: The Dutch short name; `name_en` falls back to it.
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str | None] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
