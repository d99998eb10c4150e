"""Group pages: forming groups, the member directory, join requests, regions."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from circle.database import utcnow
from circle.extensions import db
from circle.forms_util import flash_form_errors, perform
from circle.groups import bp
from circle.groups import pages as directory
from circle.groups import regions as region_services
from circle.groups import services as groups
from circle.groups.forms import NO_REGION, GroupForm, JoinForm, ReasonForm, RegionForm
from circle.groups.models import Group, Membership, Region
from circle.meetings.services import group_meetings
from circle.permissions import (
    can_decide_membership,
    can_edit_group,
    can_manage_groups,
    can_manage_regions,
    can_moderate_group,
    can_request_to_join,
    can_view_group,
    can_view_group_members,
)
from circle.programmes.models import Programme
from circle.programmes.services import list_advisers


def _group_data(form: GroupForm) -> groups.GroupData:
    return groups.GroupData(
        name=form.name.data,
        description=form.description.data or "",
        capacity=form.capacity.data,
        region_id=form.region_id.data if form.region_id.data != NO_REGION else None,
        adviser_ids=form.adviser_ids.data or [],
    )


@bp.route("/programmes/<int:programme_id>/groups/new", methods=["GET", "POST"])
def create(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    if not can_manage_groups(current_user, programme):
        abort(403)
    form = GroupForm()
    form.set_choices(region_services.list_regions(), list_advisers())
    if request.method == "GET" and current_user.is_adviser:
        form.adviser_ids.data = [current_user.id]
    if form.validate_on_submit():
        done = perform(
            lambda: groups.create_group(programme, _group_data(form), by=current_user),
            _("The group has been created."),
            form=form,
        )
        if done:
            return redirect(url_for("groups.detail", group_id=done.result.id))
    return render_template(
        "groups/form.html", form=form, programme=programme, group=None
    )


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
def edit(group_id: int):
    group = db.get_or_404(Group, group_id)
    if not can_edit_group(current_user, group):
        abort(403)
    form = GroupForm(obj=group)
    form.set_choices(region_services.list_regions(), list_advisers())
    if request.method == "GET":
        form.region_id.data = group.region_id or NO_REGION
        form.adviser_ids.data = [adviser.id for adviser in group.advisers]
    if form.validate_on_submit():
        done = perform(
            lambda: groups.update_group(group, _group_data(form), by=current_user),
            _("The group has been saved."),
            form=form,
        )
        if done:
            return redirect(url_for("groups.detail", group_id=group.id))
    return render_template(
        "groups/form.html", form=form, programme=group.programme, group=group
    )


@bp.route("/groups/<int:group_id>")
def detail(group_id: int):
    group = db.get_or_404(Group, group_id)
    if not can_view_group(current_user, group):
        abort(404)
    sees_members = can_view_group_members(current_user, group)
    moderator = can_moderate_group(current_user, group)
    return render_template(
        "groups/detail.html",
        group=group,
        members=directory.member_directory(group) if sees_members else [],
        member_count=groups.active_count(group),
        activity=directory.recent_activity(group) if sees_members else [],
        sees_members=sees_members,
        own_membership=groups.membership_of(group, current_user),
        pending_count=directory.pending_count(group) if moderator else 0,
        upcoming=group_meetings(group, upcoming_after=utcnow(), limit=5)
        if sees_members
        else [],
        join_form=JoinForm(),
        leave_form=ReasonForm(),
    )


@bp.route("/groups/<int:group_id>/join", methods=["POST"])
def join(group_id: int):
    group = db.get_or_404(Group, group_id)
    if not can_request_to_join(current_user, group):
        abort(403)
    form = JoinForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("groups.detail", group_id=group.id))
    perform(
        lambda: groups.request_to_join(
            group, current_user, message=form.message.data or "", now=utcnow()
        ),
        _("Your request has been sent to the group's advisers."),
    )
    return redirect(url_for("groups.detail", group_id=group.id))


@bp.route("/groups/<int:group_id>/leave", methods=["POST"])
def leave(group_id: int):
    group = db.get_or_404(Group, group_id)
    perform(
        lambda: groups.leave_group(group, current_user, now=utcnow()),
        _("You have left %(group)s.", group=group.name),
    )
    return redirect(url_for("groups.detail", group_id=group.id))


@bp.route("/groups/<int:group_id>/requests")
def requests(group_id: int):
    group = db.get_or_404(Group, group_id)
    if not can_moderate_group(current_user, group):
        abort(403)
    return render_template(
        "groups/requests.html",
        group=group,
        pending=directory.pending_requests(group),
        members=directory.member_directory(group),
        approve_form=JoinForm(),
        reason_form=ReasonForm(),
    )


def _membership_for_decision(membership_id: int) -> Membership:
    membership = db.get_or_404(Membership, membership_id)
    if not can_decide_membership(current_user, membership):
        abort(403)
    return membership


@bp.route("/memberships/<int:membership_id>/approve", methods=["POST"])
def approve(membership_id: int):
    membership = _membership_for_decision(membership_id)
    perform(
        lambda: groups.approve_request(membership, by=current_user, now=utcnow()),
        _("%(name)s is now a member.", name=membership.user.name),
    )
    return redirect(url_for("groups.requests", group_id=membership.group_id))


@bp.route(
    "/memberships/<int:membership_id>/<any(decline, remove):action>", methods=["POST"]
)
def end_membership(membership_id: int, action: str):
    """Decline a join request or remove a member; both need a reason, kept on record."""
    membership = _membership_for_decision(membership_id)
    form = ReasonForm()
    if form.validate_on_submit():
        service = (
            groups.decline_request if action == "decline" else groups.remove_member
        )
        name = membership.user.name
        perform(
            lambda: service(
                membership, reason=form.reason.data, by=current_user, now=utcnow()
            ),
            _("The request of %(name)s was declined.", name=name)
            if action == "decline"
            else _("%(name)s was removed from the group.", name=name),
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("groups.requests", group_id=membership.group_id))


@bp.route("/regions", methods=["GET", "POST"])
def regions():
    return _region_page(None)


@bp.route("/regions/<int:region_id>/edit", methods=["GET", "POST"])
def edit_region(region_id: int):
    return _region_page(region_id)


def _region_page(region_id: int | None):
    """The list of regions with a form: a new region, or the one being edited."""
    if not can_manage_regions(current_user):
        abort(403)
    region = db.get_or_404(Region, region_id) if region_id is not None else None
    form = RegionForm(obj=region)
    if form.validate_on_submit():
        done = perform(
            lambda: region_services.save_region(
                region,
                region_services.RegionData(form.name.data, form.provinces.data),
                by=current_user,
            ),
            _("The region has been saved."),
            form=form,
        )
        if done:
            return redirect(url_for("groups.regions"))
    return render_template(
        "groups/regions.html",
        form=form,
        regions=region_services.list_regions(),
        region=region,
    )
