"""Safe Markdown for everything people write: markdown-it-py renders, nh3 sanitises.

Raw HTML in the source is shown as text, never executed; links get
rel="nofollow noopener noreferrer"; images are allowed only from this site.
No style attributes survive (the Content-Security-Policy would block them
anyway). Headings are renumbered from <h3> down without gaps, so that content never
competes with the page's own <h1> and <h2> and the page outline never skips a level
(screen-reader users move through a page by its headings).
"""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
TOP_HEADING = 3


def _renumber_headings(state) -> None:
    """The text's levels in use become h3, h4, …: `#` and `###` alone give h3 and h4."""
    headings = [token for token in state.tokens if token.type.startswith("heading_")]
    levels = sorted({token.tag for token in headings})
    for token in headings:
        token.tag = f"h{min(TOP_HEADING + levels.index(token.tag), 6)}"


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        # Only images served by Circle itself: no tracking pixels, no mixed content.
        return value if value.startswith("/") and not value.startswith("//") else None
    return value


_renderer = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_renderer.core.ruler.push("renumber_headings", _renumber_headings)


def render_markdown(text: str | None) -> Markup:
    html = _renderer.render(text or "")
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="nofollow noopener noreferrer",
            attribute_filter=_attribute_filter,
        )
    )
