"""The production app plus two baselines and per-request figures, for bench/pages.py.

`/bench/hello` answers without the database, `/bench/one-row` loads one row
through SQLAlchemy; every response carries the SQL statements it issued
(`X-Bench-Statements`) and the CPU time the process spent on it
(`X-Bench-CPU-ms`). Only bench/pages.py serves this module; wsgi.py does not.
"""

from gevent import monkey

monkey.patch_all()

import time  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from flask import g, has_request_context  # noqa: E402

from circle import create_app  # noqa: E402
from circle.accounts.models import User  # noqa: E402
from circle.extensions import db  # noqa: E402
from circle.security import public  # noqa: E402

app = create_app()


@app.route("/bench/hello")
@public
def hello():
    return "hello"


@app.route("/bench/one-row")
@public
def one_row():
    user = db.session.scalar(sa.select(User).order_by(User.id).limit(1))
    return user.name


@app.before_request
def _start():
    g.bench_statements = 0
    g.bench_cpu = time.process_time()


@app.after_request
def _figures(response):
    if "bench_cpu" in g:
        cpu = (time.process_time() - g.bench_cpu) * 1000
        response.headers["X-Bench-CPU-ms"] = f"{cpu:.2f}"
        response.headers["X-Bench-Statements"] = str(g.bench_statements)
    return response


with app.app_context():

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def _count(*args, **kwargs):
        if has_request_context() and "bench_statements" in g:
            g.bench_statements += 1
