"""The search page: conversations, posts and cases the searcher may read."""

from flask import render_template, request
from flask_login import current_user

from circle.search import bp
from circle.search.services import search


@bp.route("/search")
def results():
    query = (request.args.get("q") or "").strip()[:200]
    hits = search(current_user, query) if query else []
    return render_template("search/results.html", query=query, hits=hits)
