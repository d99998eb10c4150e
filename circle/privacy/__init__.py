"""The person's rights over their data (AVG/GDPR): the download, deletion, retention.

A package above every feature, because deleting an account touches them all:
it frees session places, leaves groups and ends live connections.
"""
