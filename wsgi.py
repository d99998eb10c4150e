"""Entry point: `gunicorn -k gevent -w 1 wsgi:app` in production, beside
`flask circle worker`; `python wsgi.py` (`make run`) locally, which also runs the
background jobs (mail delivery, reminders, summaries) as a greenlet in the
server process, so the embedded default needs nothing else.

gevent must patch the standard library before anything else is imported.
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import socket  # noqa: E402

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "5000"))
if __name__ == "__main__" and not os.environ.get("BASE_URL"):
    # `make run HOST=… PORT=…`: links in mails, invites and the feed address
    # point at where this server is reached, unless BASE_URL says otherwise.
    reachable = socket.getfqdn() if HOST in ("0.0.0.0", "::", "") else HOST
    if ":" in reachable:  # an IPv6 address
        reachable = f"[{reachable}]"
    os.environ["BASE_URL"] = f"http://{reachable}:{PORT}"

from circle import create_app  # noqa: E402
from circle.extensions import socketio  # noqa: E402

app = create_app()

if __name__ == "__main__":
    host, port = HOST, PORT
    if app.config["JOBS_IN_SERVER"]:
        from circle.jobs.runner import start_in_server

        start_in_server(app)
    print(f"Circle is running at http://{host}:{port}/ (Ctrl+C stops it)", flush=True)
    socketio.run(app, host=host, port=port)
