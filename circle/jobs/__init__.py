"""Background jobs: the outbox worker and the scheduled work, in one runner.

`circle/jobs/schedule.py` lists every job; `flask circle worker` runs them, and
`python wsgi.py` (`make run`) runs them inside the server process.
"""
