"""Account forms: they validate input and never save."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from circle.accounts.models import (
    ORGANISATION_KIND_LABELS,
    PROVINCES,
    OrganisationKind,
    Role,
)
from circle.fields import EmailAddressField, SingleLineField
from circle.limits import PASSWORD_MAX, PASSWORD_MIN

NEW_ORGANISATION = 0


def _email_field(label=None):
    return EmailAddressField(
        label or _l("E-mail address"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


def _new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=_l("At least %(count)s characters.", count=PASSWORD_MIN),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def language_choices(include_browser: bool):
    choices = [SelectChoice("nl", _l("Dutch")), SelectChoice("en", _l("English"))]
    if include_browser:
        choices.insert(0, SelectChoice("", _l("Same as my browser")))
    return choices


class OrganisationFieldsMixin:
    """Pick an existing organisation, or describe a new one."""

    organisation = SelectField(_l("Organisation"), coerce=int, default=NEW_ORGANISATION)
    new_organisation_name = SingleLineField(
        _l("Name of the new organisation"),
        # No Optional(): it would stop validate_new_organisation_name on empty input.
        validators=[Length(max=200)],
        description=_l("Only when your organisation is not in the list above."),
    )
    new_organisation_kind = SelectField(
        _l("Kind of organisation"),
        choices=[
            SelectChoice(kind.value, label)
            for kind, label in ORGANISATION_KIND_LABELS.items()
        ],
        default=OrganisationKind.MUNICIPALITY.value,
    )
    new_organisation_province = SelectField(
        _l("Province"),
        choices=[SelectChoice("", _l("(none)"))] + [SelectChoice(p) for p in PROVINCES],
        default="",
    )

    def set_organisation_choices(self, organisations, *, allow_none: bool = False):
        none_label = (
            _l("No organisation") if allow_none else _l("My organisation is not listed")
        )
        self.organisation.choices = [SelectChoice(NEW_ORGANISATION, none_label)] + [
            SelectChoice(org.id, org.name) for org in organisations
        ]

    def validate_new_organisation_name(self, field):
        if (
            self.organisation.data == NEW_ORGANISATION
            and not field.data
            and self._needs_organisation()
        ):
            raise ValidationError(
                _l("Choose your organisation, or enter the name of a new one.")
            )

    def _needs_organisation(self) -> bool:
        return True


def _full_name_field():
    return SingleLineField(
        _l("Full name"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )


class RegistrationForm(FlaskForm):
    """Self-registration. It names the organisation as text and never lists the
    organisations that take part (visitors must not learn who does)."""

    name = _full_name_field()
    email = _email_field()
    password, password_confirm = _new_password_fields()
    role = RadioField(
        _l("I take part as"),
        choices=[
            SelectChoice(
                Role.PARTICIPANT.value,
                _l("Civil servant, alderman or council member of a municipality"),
            ),
            SelectChoice(
                Role.INITIATOR.value,
                _l("Member of a citizens' initiative, social entrepreneur or fund"),
            ),
        ],
        default=Role.PARTICIPANT.value,
        validators=[InputRequired()],
    )
    organisation_name = SingleLineField(
        _l("Your organisation"),
        validators=[DataRequired(), Length(max=200)],
        description=_l(
            "For example “Gemeente Stein”. If your organisation already takes part, "
            "a colleague or an adviser approves you before you can act for it."
        ),
        render_kw={"autocomplete": "organization"},
    )
    organisation_kind = SelectField(
        _l("Kind of organisation"),
        choices=[
            SelectChoice(kind.value, label)
            for kind, label in ORGANISATION_KIND_LABELS.items()
        ],
        default=OrganisationKind.MUNICIPALITY.value,
    )
    province = SelectField(
        _l("Province"),
        choices=[SelectChoice("", _l("(none)"))] + [SelectChoice(p) for p in PROVINCES],
        default="",
    )
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class InvitationForm(OrganisationFieldsMixin, FlaskForm):
    email = _email_field(_l("E-mail address of the person you invite"))
    name = SingleLineField(
        _l("Name (optional)"), validators=[Optional(), Length(max=120)]
    )
    role = SelectField(_l("Role"), validators=[InputRequired()])
    submit = SubmitField(_l("Send invitation"))

    def _needs_organisation(self) -> bool:
        return self.role.data in (Role.PARTICIPANT.value, Role.INITIATOR.value)


class AcceptInvitationForm(FlaskForm):
    name = _full_name_field()
    password, password_confirm = _new_password_fields()
    submit = SubmitField(_l("Create my account"))


class ForgotPasswordForm(FlaskForm):
    email = _email_field()
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(FlaskForm):
    password, password_confirm = _new_password_fields()
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    password, password_confirm = _new_password_fields()
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    name = _full_name_field()
    language = SelectField(
        _l("Language"), choices=language_choices(include_browser=True)
    )
    submit = SubmitField(_l("Save"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my account is deleted and cannot be restored."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"), choices=language_choices(include_browser=False)
    )
    submit = SubmitField(_l("Switch"))


class ConfirmForm(FlaskForm):
    """An empty form: a button that only carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class SecondFactorForm(FlaskForm):
    code = SingleLineField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Log in"))


class TwoFactorSetupForm(FlaskForm):
    code = SingleLineField(
        _l("The 6-digit code your app shows now"),
        validators=[DataRequired(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-factor login"))


class TwoFactorOffForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Turn off two-factor login"))
