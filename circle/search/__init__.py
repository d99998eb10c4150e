"""Full-text search over threads, posts and cases that the searcher may see."""

from flask import Blueprint

bp = Blueprint("search", __name__)
