"""Every authorisation rule in one place: `can_<verb>_<noun>(user, obj) -> bool`.

One module per feature, all re-exported here: views, templates (through the
`can` context processor) and socket handlers call `circle.permissions.<rule>`;
nothing compares ids or roles inline elsewhere.

Roles: an admin (programme office) may do everything. An adviser acts on the
programmes they advise and the groups they host. Participants (municipalities)
and initiators act on their own organisation's application and on the groups
they are members of. Anonymous visitors reach only the public pages. Who takes
part in a group or programme is defined once, in circle.audiences.
"""

from circle.permissions import (
    accounts,
    delivery,
    facts,
    groups,
    meetings,
    organisations,
    programmes,
    threads,
    tips,
)
from circle.permissions.accounts import *  # noqa: F403
from circle.permissions.delivery import *  # noqa: F403
from circle.permissions.facts import *  # noqa: F403
from circle.permissions.groups import *  # noqa: F403
from circle.permissions.meetings import *  # noqa: F403
from circle.permissions.organisations import *  # noqa: F403
from circle.permissions.programmes import *  # noqa: F403
from circle.permissions.threads import *  # noqa: F403
from circle.permissions.tips import *  # noqa: F403

#: Exposed to templates as `can.<name>(...)`.
RULES = {
    name: rule
    for module in (
        facts,
        accounts,
        organisations,
        programmes,
        groups,
        meetings,
        threads,
        tips,
        delivery,
    )
    for name, rule in vars(module).items()
    if name.startswith(("can_", "is_")) and callable(rule)
}
