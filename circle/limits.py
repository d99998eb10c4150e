"""Sizes and ranges that forms, services, socket payloads and the CLI agree on.

One small module with no imports of its own, so a form can check a length
without importing the service that enforces it.
"""

#: Passwords (accounts): long enough to resist guessing, short enough for scrypt.
PASSWORD_MIN = 10
PASSWORD_MAX = 128

#: Long free-text answers in applications and intakes.
LONG_TEXT = 5000

#: Places in a regional learning group.
MAX_GROUP_CAPACITY = 500
#: Places in one session.
MAX_MEETING_CAPACITY = 1000

#: Conversations.
MAX_POST_BODY = 20_000
MAX_THREAD_TITLE = 200

#: Live boards.
MAX_CARD_TEXT = 500
MAX_COLUMN_TITLE = 120
MAX_COLUMNS = 12
MAX_TIMER_MINUTES = 180
MAX_BOARD_TITLE = 200
MAX_ON_BEHALF_OF = 120
MAX_COMMENT_TEXT = 300
MAX_CLUSTER_TITLE = 120
