"""Stamp cards with a head start: joining, stamping orders, filling cards, taking back.

The stamp entries are the record; each customer's :class:`StampCard` row caches what they
add up to and :func:`rebuild_card` recomputes it from the entries. Every change locks the
card row first, so two orders of one customer handled at once never fill the same slot.

Rules:

- Joining (``customers/create``, or the first paid order of a customer we never saw join)
  gives ``head_start`` stamps on card 1, once.
- A paid order that qualifies (see :func:`~shopify_loyalty.stamps.rules.order_qualifies`)
  adds one stamp to the open card, once per order. When the card holds ``card_size`` stamps
  it is complete: its reward code is issued, and the next card opens with the head start
  (or empty, per ``head_start_on_next_card``).
- When a refund or cancellation leaves the order no longer qualifying, its stamp is taken
  back, once. If the stamp sits on a card already completed, the card stays complete and the
  reward code already issued is not revoked (the shopper may have spent it); the take-back
  is still recorded, with no effect on the card.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import created_in_this_transaction
from shopify_loyalty.db import utcnow
from shopify_loyalty.metafields.stale import mark_metafields_stale
from shopify_loyalty.orders.models import Order
from shopify_loyalty.privacy.requests import register_customer_data
from shopify_loyalty.programs.config import load
from shopify_loyalty.rewards.issuing import issue_reward_code
from shopify_loyalty.rows_ahead import keep_ahead, take_ahead
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.lines import OrderLine, RefundedItems
from shopify_loyalty.stamps.models import (
    CARD_COMPLETED,
    CARD_OPENED,
    JOINED,
    ORDER,
    TAKE_BACK,
    StampCard,
    StampEntry,
    StampOrder,
)
from shopify_loyalty.stamps.order_facts import (
    facts_of,
    locked_order_facts,
    record_cancellation,
    record_paid,
    record_refund,
)
from shopify_loyalty.stamps.rules import StampConfig, order_qualifies, reward_spec_of
from shopify_loyalty.transaction_memo import lasts_the_transaction
from shopify_loyalty.unique_rows import insert_all_unless_present, insert_unless_present

STAMP_CARD_SOURCE = "stamp_card"
# New members' cards written ahead for the first orders of a batch, by customer id: the
# card, the order's stamp (None when it earned none), whether any entry was written, and
# what they were written from; until the order's stamp takes them.
JOINED_AHEAD_MEMO = lasts_the_transaction("stamps.joined_ahead")


@dataclass(frozen=True)
class StampSummary:
    """The customer's open card: ``collected`` of ``required`` stamps."""

    collected: int
    required: int
    head_start: int
    completed_cards: int


@dataclass(frozen=True)
class CardState:
    """What a customer's stamp entries add up to."""

    card_number: int
    collected: int
    completed_cards: int


def card_summary(session: Session, shop: Shop, customer: Customer) -> StampSummary:
    config = load(session, shop, StampConfig)
    card = session.scalar(
        select(StampCard).where(StampCard.shop_id == shop.id, StampCard.customer_id == customer.id)
    )
    return summary_of(card, config)


def summary_of(card: StampCard | None, config: StampConfig) -> StampSummary:
    return StampSummary(
        collected=card.collected if card else 0,
        required=config.card_size,
        head_start=config.head_start,
        completed_cards=card.completed_cards if card else 0,
    )


def join_stamp_card(
    session: Session, shop: Shop, customer: Customer, *, config: StampConfig | None = None
) -> StampCard | None:
    """The customer's card, locked; on joining, card 1 with the head start on it.

    None while the shop has stamp cards switched off and the customer never joined.
    """
    if not created_in_this_transaction(session, customer):
        card = _locked_card(session, shop, customer.id)
        if card is not None:
            return card
    config = config or load(session, shop, StampConfig)
    if not config.enabled:
        return None
    # The card just inserted is this transaction's until it commits: locked already.
    card = insert_unless_present(
        session,
        StampCard(
            shop_id=shop.id,
            customer_id=customer.id,
            card_number=1,
            collected=0,
            completed_cards=0,
        ),
    )
    if card is None:
        # Joined at the same moment by another event (customers/create vs orders/paid).
        card = _locked_card(session, shop, customer.id)
        assert card is not None
    _append(
        session,
        card,
        kind=JOINED,
        card_number=1,
        stamps=config.head_start,
        key=f"joined:{customer.id}",
        note="head start on joining" if config.head_start else None,
    )
    return card


def stamp_order(
    session: Session,
    shop: Shop,
    customer: Customer,
    order: Order,
    line_items: Sequence[OrderLine],
) -> StampEntry | None:
    """Add the paid order's stamp when it qualifies; returns the new entry, or None when the
    order earns none (or had it already). A customer seen for the first time joins first."""
    if order.test:
        return None
    config = load(session, shop, StampConfig)
    facts = record_paid(session, shop, config, order, customer, line_items)
    if not config.enabled:
        return None
    qualifies = order_qualifies(facts_of(facts))
    ahead = take_ahead(session, JOINED_AHEAD_MEMO, customer.id, (config, order, qualifies))
    if ahead is not None:
        card, entry, written = ahead
        if written:
            mark_metafields_stale(session, shop, customer)
    elif created_in_this_transaction(session, customer):
        card, entry = _join_with_first_order(session, shop, customer, config, order, qualifies)
    else:
        joined = join_stamp_card(session, shop, customer, config=config)
        if joined is None or not qualifies:
            return None
        card = joined
        entry = _append(
            session,
            card,
            kind=ORDER,
            card_number=card.card_number,
            stamps=1,
            key=f"order:{order.shopify_order_id}",
            order_id=order.shopify_order_id,
        )
    if entry is not None and card.collected >= config.card_size:
        _complete_card(session, shop, customer, card, config)
    return entry


def join_with_first_orders_ahead(
    session: Session, orders: Sequence[tuple[Shop, StampConfig, Customer, Order, StampOrder]]
) -> None:
    """What :func:`stamp_order` writes for the first orders of members this transaction
    created ahead (each named once, with the stamp facts noted ahead), for all of them in
    two inserts: the entries, then the cards holding them. Nobody else can have a card of
    theirs yet: one found all the same fails the batch, whose events are then applied one
    at a time."""
    now = utcnow()
    joining = []
    for shop, config, customer, order, facts in orders:
        if config.enabled:
            qualifies = order_qualifies(facts_of(facts))
            wanted = _first_entries(shop, customer, config, order, qualifies, now)
            joining.append((shop, config, customer, order, qualifies, wanted))
    stored = {
        id(entry)
        for entry in insert_all_unless_present(
            session, [entry for *_, wanted in joining for entry in wanted]
        )
    }
    written = [[entry for entry in wanted if id(entry) in stored] for *_, wanted in joining]
    cards = [
        _new_card(shop, customer, entries, now)
        for (shop, _, customer, *_), entries in zip(joining, written, strict=True)
    ]
    if len(insert_all_unless_present(session, cards)) != len(cards):
        raise RuntimeError("a member created in this transaction had a stamp card already")
    for card, entries, (_, config, customer, order, qualifies, _) in zip(
        cards, written, joining, strict=True
    ):
        stamp = next((entry for entry in entries if entry.kind == ORDER), None)
        keep_ahead(
            session,
            JOINED_AHEAD_MEMO,
            customer.id,
            (card, stamp, bool(entries)),
            (config, order, qualifies),
        )


def _first_entries(
    shop: Shop,
    customer: Customer,
    config: StampConfig,
    order: Order,
    qualifies: bool,
    now: datetime,
) -> list[StampEntry]:
    """A new member's first entries: joining, and the order's stamp when it qualifies."""

    def entry(
        kind: str, stamps: int, key: str, order_id: int | None, note: str | None
    ) -> StampEntry:
        return StampEntry(
            shop_id=shop.id,
            customer_id=customer.id,
            kind=kind,
            card_number=1,
            stamps=stamps,
            idempotency_key=key,
            shopify_order_id=order_id,
            note=note,
            created_at=now,
        )

    wanted = [
        entry(
            JOINED,
            config.head_start,
            f"joined:{customer.id}",
            None,
            "head start on joining" if config.head_start else None,
        )
    ]
    if qualifies:
        order_key = f"order:{order.shopify_order_id}"
        wanted.append(entry(ORDER, 1, order_key, order.shopify_order_id, None))
    return wanted


def _new_card(
    shop: Shop, customer: Customer, entries: Sequence[StampEntry], now: datetime
) -> StampCard:
    """A new member's card holding ``entries``."""
    state = CardState(card_number=1, collected=0, completed_cards=0)
    for written in entries:
        state = _after(state, written)
    return StampCard(
        shop_id=shop.id,
        customer_id=customer.id,
        card_number=state.card_number,
        collected=state.collected,
        completed_cards=state.completed_cards,
        updated_at=now,
    )


def _join_with_first_order(
    session: Session,
    shop: Shop,
    customer: Customer,
    config: StampConfig,
    order: Order,
    qualifies: bool,
) -> tuple[StampCard, StampEntry | None]:
    """What :func:`join_stamp_card` and the order's stamp do for a customer this transaction
    created, in two inserts: the entries (joining, and the order's stamp when it qualifies),
    then the card holding them. Nobody else can have a card or entries of theirs yet; a row
    found all the same is taken as it stands, as :func:`join_stamp_card` would."""
    now = utcnow()
    stored = insert_all_unless_present(
        session, _first_entries(shop, customer, config, order, qualifies, now)
    )
    card = insert_unless_present(session, _new_card(shop, customer, stored, now))
    if card is None:
        card = _locked_card(session, shop, customer.id)
        assert card is not None
        for written in stored:
            _bring_along(card, written)
    if stored:
        mark_metafields_stale(session, shop, customer)
    stamp = next((written for written in stored if written.kind == ORDER), None)
    return card, stamp


def take_back_stamp(
    session: Session,
    shop: Shop,
    shopify_order_id: int,
    *,
    refund: RefundedItems | None = None,
    cancelled_at: datetime | None = None,
) -> StampEntry | None:
    """Record a refund (``refund``) or cancellation (``cancelled_at``) of the order and take
    its stamp back if the order no longer qualifies.

    Safe in any order of arrival and any number of deliveries: a refund or cancellation seen
    before the paid order is kept, and the paid order is then judged with it; the take-back
    itself is written once per order. See the module docstring for completed cards.
    """
    if refund is not None:
        record_refund(session, shop, shopify_order_id, refund)
    if cancelled_at is not None:
        record_cancellation(session, shop, shopify_order_id, cancelled_at)
    facts = locked_order_facts(session, shop, shopify_order_id)
    if order_qualifies(facts_of(facts)):
        return None
    stamp = session.scalar(
        select(StampEntry).where(
            StampEntry.shop_id == shop.id,
            StampEntry.shopify_order_id == shopify_order_id,
            StampEntry.kind == ORDER,
        )
    )
    if stamp is None:
        return None
    card = _locked_card(session, shop, stamp.customer_id)
    assert card is not None  # a stamp implies a card
    on_open_card = stamp.card_number == card.card_number
    return _append(
        session,
        card,
        kind=TAKE_BACK,
        card_number=stamp.card_number,
        stamps=-1 if on_open_card else 0,
        key=f"order:{shopify_order_id}:take_back",
        order_id=shopify_order_id,
        note=None
        if on_open_card
        else f"card {stamp.card_number} was already complete; its reward stays issued",
    )


def rebuild_card(session: Session, shop: Shop, customer: Customer) -> CardState | None:
    """The card state recomputed from the customer's entries (None: never joined)."""
    entries = session.scalars(
        select(StampEntry)
        .where(StampEntry.shop_id == shop.id, StampEntry.customer_id == customer.id)
        .order_by(StampEntry.id)
    )
    return fold_entries(entries)


def repair_card(session: Session, shop: Shop, customer: Customer) -> StampCard | None:
    """Overwrite the cached card with what the entries say."""
    card = _locked_card(session, shop, customer.id)
    state = rebuild_card(session, shop, customer)
    if card is None or state is None:
        return card
    card.card_number = state.card_number
    card.collected = state.collected
    card.completed_cards = state.completed_cards
    card.updated_at = utcnow()
    return card


def fold_entries(entries: Iterable[StampEntry]) -> CardState | None:
    """The open card is the highest card any entry names; it holds the stamps of the
    entries on it; every completion entry is one completed card."""
    state: CardState | None = None
    for entry in entries:
        state = _after(state or CardState(entry.card_number, 0, 0), entry)
    return state


def _after(state: CardState, entry: StampEntry) -> CardState:
    card_number, collected = state.card_number, state.collected
    if entry.card_number > card_number:
        card_number, collected = entry.card_number, entry.stamps
    elif entry.card_number == card_number:
        collected += entry.stamps
    completed = state.completed_cards + (1 if entry.kind == CARD_COMPLETED else 0)
    return CardState(card_number, collected, completed)


def _complete_card(
    session: Session, shop: Shop, customer: Customer, card: StampCard, config: StampConfig
) -> None:
    number = card.card_number
    issue_reward_code(
        session,
        shop,
        customer,
        reward_spec_of(config.reward, shop.currency),
        source=STAMP_CARD_SOURCE,
        key=f"{STAMP_CARD_SOURCE}:{customer.id}:{number}",
    )
    _append(
        session,
        card,
        kind=CARD_COMPLETED,
        card_number=number,
        stamps=0,
        key=f"card:{customer.id}:{number}:completed",
        note=f"card {number} complete; reward code issued",
    )
    _append(
        session,
        card,
        kind=CARD_OPENED,
        card_number=number + 1,
        stamps=config.next_card_head_start,
        key=f"card:{customer.id}:{number + 1}:opened",
        note="head start on the new card" if config.next_card_head_start else None,
    )


def _locked_card(session: Session, shop: Shop, customer_id: int) -> StampCard | None:
    # populate_existing: once the lock is ours, read what the previous holder committed,
    # not a copy this session loaded before.
    return session.scalar(_locked_card_query(), {"shop_id": shop.id, "customer_id": customer_id})


@cache
def _locked_card_query() -> Select[StampCard]:
    # Built once, values bound at execution: building it cost more than sending it.
    return (
        select(StampCard)
        .where(
            StampCard.shop_id == bindparam("shop_id"),
            StampCard.customer_id == bindparam("customer_id"),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _append(
    session: Session,
    card: StampCard,
    *,
    kind: str,
    card_number: int,
    stamps: int,
    key: str,
    order_id: int | None = None,
    note: str | None = None,
) -> StampEntry | None:
    """Write one entry and bring the cached card along; None when the key was used before.

    The caller holds the card's lock, so the key check and the cache update cannot race.
    """
    # The card's pending change (a head start just given) is flushed with this one.
    with session.no_autoflush:
        entry = insert_unless_present(
            session,
            StampEntry(
                shop_id=card.shop_id,
                customer_id=card.customer_id,
                kind=kind,
                card_number=card_number,
                stamps=stamps,
                idempotency_key=key,
                shopify_order_id=order_id,
                note=note,
                created_at=utcnow(),
            ),
        )
    if entry is None:
        return None
    _bring_along(card, entry)
    customer = session.get(Customer, card.customer_id)
    shop = session.get(Shop, card.shop_id)
    if shop is not None:
        mark_metafields_stale(session, shop, customer)
    return entry


def _bring_along(card: StampCard, entry: StampEntry) -> None:
    """The cached card after ``entry``."""
    state = _after(CardState(card.card_number, card.collected, card.completed_cards), entry)
    card.card_number = state.card_number
    card.collected = state.collected
    card.completed_cards = state.completed_cards
    card.updated_at = utcnow()


def export_stamp_history(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    """The customer's stamp card and stamp entries, for a customers/data_request export."""
    card = session.scalar(
        select(StampCard).where(StampCard.shop_id == shop.id, StampCard.customer_id == customer.id)
    )
    entries = session.scalars(
        select(StampEntry)
        .where(StampEntry.shop_id == shop.id, StampEntry.customer_id == customer.id)
        .order_by(StampEntry.id)
    )
    return {
        "stamp_card": None
        if card is None
        else {
            "card_number": card.card_number,
            "collected": card.collected,
            "completed_cards": card.completed_cards,
        },
        "stamp_entries": [
            {
                "kind": entry.kind,
                "card_number": entry.card_number,
                "stamps": entry.stamps,
                "shopify_order_id": entry.shopify_order_id,
                "note": entry.note,
                "created_at": entry.created_at.isoformat(),
            }
            for entry in entries
        ],
    }


register_customer_data(exporter=export_stamp_history)
