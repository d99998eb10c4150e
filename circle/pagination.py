"""Pages of a query, by Flask-SQLAlchemy's `db.paginate`."""

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from circle.extensions import db


def paginate(query: sa.Select, page: int | None, per_page: int) -> Pagination:
    """One page of `query`; `None` or a page past the end gives the last page.

    A bookmarked page 7 of a thread that now has 5 pages still shows posts,
    and a reply lands on the page where it appears.
    """
    wanted = 1 if page is None else max(page, 1)
    pagination = db.paginate(query, page=wanted, per_page=per_page, error_out=False)
    last = max(pagination.pages, 1)
    if (page is None or wanted > last) and pagination.page != last:
        pagination = db.paginate(query, page=last, per_page=per_page, error_out=False)
    return pagination
