"""Who acts for an organisation: join requests, approvals, new municipalities.

Claiming an organisation grants nothing. A person who names an existing
organisation when registering waits until a colleague or an adviser approves;
a self-registered municipality waits for an adviser or admin before it can
apply. The decisions notify the people concerned and go to the audit log.
"""

from flask import Blueprint

bp = Blueprint("organisations", __name__)
