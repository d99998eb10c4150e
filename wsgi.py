"""Entry point: `gunicorn -k gevent -w 1 wsgi:app` in production, beside
`flask circle worker`; `python wsgi.py` (`make run`) locally, which also runs the
background jobs (mail delivery, reminders, summaries) as a greenlet in the
server process, so the embedded default needs nothing else.

gevent must patch the standard library before anything else is imported.
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402

from circle import create_app  # noqa: E402
from circle.extensions import socketio  # noqa: E402

app = create_app()

if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    if app.config["JOBS_IN_SERVER"]:
        from circle.jobs.runner import start_in_server

        start_in_server(app)
    print(f"Circle is running at http://{host}:{port}/ (Ctrl+C stops it)", flush=True)
    socketio.run(app, host=host, port=port)
