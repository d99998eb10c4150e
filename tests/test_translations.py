"""Every user-facing string has a Dutch translation; placeholders match."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHOD_MAP = [
    ("circle/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
}


def extracted_ids() -> set[str]:
    ids = set()
    # Babel skips folders starting with "_" by default; templates/_macros counts.
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        METHOD_MAP,
        keywords=KEYWORDS,
        directory_filter=lambda path: not Path(path).name.startswith("."),
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def dutch_catalogue():
    with open(ROOT / "circle/translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle, locale="nl")


def test_every_string_in_the_code_is_translated_to_dutch():
    catalogue = dutch_catalogue()
    untranslated = sorted(
        message_id
        for message_id in extracted_ids()
        if not (message := catalogue.get(message_id))
        or not message.string
        or message.fuzzy
    )
    assert untranslated == [], "run `make messages` and translate:\n" + "\n".join(
        untranslated
    )


def test_dutch_translations_keep_their_placeholders():
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in dutch_catalogue().check()
    ]
    assert problems == []
