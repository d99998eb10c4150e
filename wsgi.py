"""Entry point: `gunicorn -k gevent -w 1 wsgi:app` in production; `python wsgi.py`
locally.

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
    print(f"Circle is running at http://{host}:{port}/ (Ctrl+C stops it)", flush=True)
    socketio.run(app, host=host, port=port)
