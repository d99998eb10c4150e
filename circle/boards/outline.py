"""A board as its exports show it: per column, items that are a card on its
own or a cluster (its first card and the cards grouped under it) with the
cluster's title and summed votes; hidden cards left out, names left out on an
anonymous board (the rules of circle.boards.state, as advisers see the board)."""

from dataclasses import dataclass, field

from flask_babel import ngettext

from circle.boards.models import Board
from circle.boards.state import STAFF, board_state


@dataclass
class Item:
    card: dict
    members: list[dict] = field(default_factory=list)

    @property
    def cards(self) -> list[dict]:
        return [self.card, *self.members]

    @property
    def votes(self) -> int:
        return sum(card["votes"] for card in self.cards)

    @property
    def is_cluster(self) -> bool:
        return bool(self.members)

    @property
    def title(self) -> str:
        """The cluster's title, or what it is when nobody named it."""
        if not self.is_cluster:
            return ""
        count = len(self.cards)
        return self.card.get("cluster_title") or ngettext(
            "Group of %(num)s card", "Group of %(num)s cards", count
        )


def outline(board: Board) -> list[tuple[dict, list[Item]]]:
    state = board_state(board, STAFF)
    cards = [card for card in state["cards"] if not card.get("hidden")]
    shown = {card["id"] for card in cards}
    items: dict[int, Item] = {}
    for card in cards:
        # A card whose cluster's first card is hidden stands on its own.
        if card["cluster_id"] not in shown:
            items[card["id"]] = Item(card)
    for card in cards:
        if card["cluster_id"] in shown and card["cluster_id"] in items:
            items[card["cluster_id"]].members.append(card)
    by_column = {column["id"]: [] for column in state["columns"]}
    for item in items.values():
        by_column.setdefault(item.card["column_id"], []).append(item)
    return [(column, by_column[column["id"]]) for column in state["columns"]]
