"""Each member's referral code and link: made on first use, then never changed.

A code is up to six letters of the member's first name and four characters from an alphabet
without look-alikes (``MARIA7K2Q``), or eight such characters when there is no usable name;
it is unique per shop. The characters are derived from the shop, the shopper's Shopify id
and the attempt, so the candidates tried for a member are the same every time: a code whose
commit a database crash lost is made again identical on the member's next visit. The
friend's discount code is ``FRIEND-<code>``. Making a code also queues the job that creates
the friend's discount at Shopify.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import cache

from sqlalchemy import Insert, Select, bindparam, literal, or_, select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.models import AffiliateCode
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.programs.config import load, section_version
from shopify_loyalty.referrals.models import ReferralCode
from shopify_loyalty.referrals.rules import ReferralConfig
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import lasts_the_transaction, transaction_memo
from shopify_loyalty.unique_rows import (
    insert_ignoring_conflicts,
    insert_unless_present,
    stored_columns,
    stored_object,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NAME_LETTERS = 6
RANDOM_SUFFIX = 4
RANDOM_ONLY = 8
FRIEND_PREFIX = "FRIEND-"
PROXY_PATH = "/apps/loyalty/r/"
ATTEMPTS = 20
# The member code with each friend code and each link code, by (shop id, normalised text),
# or None when the shop has none: read ahead for the paid orders of a batch. Codes made in
# the transaction are added; a code's text changing (redaction) drops both.
BY_FRIEND_CODE_MEMO = lasts_the_transaction("referrals.codes_by_friend_code")
BY_CODE_MEMO = lasts_the_transaction("referrals.codes_by_code")


def normalise_code(code: str) -> str:
    """Codes are matched case-insensitively, as Shopify matches discount codes."""
    return code.strip().upper()


def friend_code_for(code: str) -> str:
    return f"{FRIEND_PREFIX}{code}"


def referral_link(session: Session, shop: Shop, customer: Customer) -> str:
    """The member's link, served by the storefront through the app proxy."""
    return link_for_code(shop, referral_code_for(session, shop, customer).code)


def link_for_code(shop: Shop, code: str) -> str:
    return f"https://{shop.domain}{PROXY_PATH}{code}"


def find_referral_code(session: Session, shop: Shop, code: str) -> ReferralCode | None:
    return session.scalar(
        select(ReferralCode).where(
            ReferralCode.shop_id == shop.id, ReferralCode.code == normalise_code(code)
        )
    )


def find_by_friend_code(session: Session, shop: Shop, friend_code: str) -> ReferralCode | None:
    return session.scalar(
        select(ReferralCode).where(
            ReferralCode.shop_id == shop.id,
            ReferralCode.friend_code == normalise_code(friend_code),
        )
    )


def find_codes_named(
    session: Session, shop: Shop, friend_codes: Sequence[str], codes: Sequence[str]
) -> tuple[dict[str, ReferralCode], dict[str, ReferralCode]]:
    """In one query, the shop's referral codes whose friend code is among ``friend_codes``
    and those whose link code is among ``codes`` (compared case-insensitively), each by
    its normalised text; those read ahead (``look_up_codes_named``) from memory."""
    friends = {normalise_code(code) for code in friend_codes}
    links = {normalise_code(code) for code in codes}
    known_friends: dict[tuple[int, str], ReferralCode | None] = transaction_memo(
        session, BY_FRIEND_CODE_MEMO
    )
    known_links: dict[tuple[int, str], ReferralCode | None] = transaction_memo(
        session, BY_CODE_MEMO
    )
    by_friend_code = _known(known_friends, shop, friends)
    by_code = _known(known_links, shop, links)
    ask_friends = sorted(text for text in friends if (shop.id, text) not in known_friends)
    ask_links = sorted(text for text in links if (shop.id, text) not in known_links)
    if ask_friends or ask_links:
        rows = session.scalars(
            _codes_named(), {"shop_id": shop.id, "friends": ask_friends, "links": ask_links}
        ).all()
        by_friend_code.update({row.friend_code: row for row in rows if row.friend_code in friends})
        by_code.update({row.code: row for row in rows if row.code in links})
    return by_friend_code, by_code


def look_up_codes_named(
    session: Session, friend_codes: Iterable[tuple[Shop, str]], codes: Iterable[tuple[Shop, str]]
) -> None:
    """Read in one query the member codes that several orders name (each with its shop),
    so ``find_codes_named`` answers them from memory, absent ones too."""
    known_friends: dict[tuple[int, str], ReferralCode | None] = transaction_memo(
        session, BY_FRIEND_CODE_MEMO
    )
    known_links: dict[tuple[int, str], ReferralCode | None] = transaction_memo(
        session, BY_CODE_MEMO
    )
    friends = {(shop.id, normalise_code(code)) for shop, code in friend_codes} - set(known_friends)
    links = {(shop.id, normalise_code(code)) for shop, code in codes} - set(known_links)
    if not friends and not links:
        return
    rows = session.scalars(
        _codes_named_in_shops(),
        {
            "shop_ids": sorted({shop_id for shop_id, _ in friends | links}),
            "friends": sorted({text for _, text in friends}),
            "links": sorted({text for _, text in links}),
        },
    )
    for row in rows:
        known_friends.setdefault((row.shop_id, row.friend_code), row)
        known_links.setdefault((row.shop_id, row.code), row)
    for key in friends:
        known_friends.setdefault(key, None)
    for key in links:
        known_links.setdefault(key, None)


def remember_referral_code(session: Session, row: ReferralCode) -> None:
    """A code made (or found made) in this transaction is never taken for absent."""
    transaction_memo(session, BY_FRIEND_CODE_MEMO)[(row.shop_id, row.friend_code)] = row
    transaction_memo(session, BY_CODE_MEMO)[(row.shop_id, row.code)] = row


def forget_referral_codes(session: Session) -> None:
    """A code's text is changing: what was read ahead by text no longer holds."""
    transaction_memo(session, BY_FRIEND_CODE_MEMO).clear()
    transaction_memo(session, BY_CODE_MEMO).clear()


def _known(
    known: dict[tuple[int, str], ReferralCode | None], shop: Shop, texts: set[str]
) -> dict[str, ReferralCode]:
    return {text: row for text in texts if (row := known.get((shop.id, text))) is not None}


@cache
def _codes_named() -> Select[ReferralCode]:
    # Built once, values bound at execution: building it cost more than sending it.
    return select(ReferralCode).where(
        ReferralCode.shop_id == bindparam("shop_id"),
        or_(
            ReferralCode.friend_code.in_(bindparam("friends", expanding=True)),
            ReferralCode.code.in_(bindparam("links", expanding=True)),
        ),
    )


@cache
def _codes_named_in_shops() -> Select[ReferralCode]:
    return select(ReferralCode).where(
        ReferralCode.shop_id.in_(bindparam("shop_ids", expanding=True)),
        or_(
            ReferralCode.friend_code.in_(bindparam("friends", expanding=True)),
            ReferralCode.code.in_(bindparam("links", expanding=True)),
        ),
    )


def referral_code_for(session: Session, shop: Shop, customer: Customer) -> ReferralCode:
    """The member's code, made (with its friend discount queued) on the first call."""
    existing = _code_of(session, shop, customer)
    return existing if existing is not None else make_referral_code(session, shop, customer)


def make_referral_code(session: Session, shop: Shop, customer: Customer) -> ReferralCode:
    """The code of a member read without one: made now, its friend discount queued, unless a
    concurrent request made it first (then that one)."""
    for candidate in candidate_codes(shop, customer):
        row = _insert_unless_taken(session, shop, customer, candidate)
        if row is None:
            # Either a concurrent request made this member's code first, or (rarely) the
            # candidate is another member's or an affiliate's; the former is the answer, the
            # latter retries.
            raced = _code_of(session, shop, customer)
            if raced is not None:
                remember_referral_code(session, raced)
                return raced
            continue
        remember_referral_code(session, row)
        queue_friend_discount_sync(session, shop, row, load(session, shop, ReferralConfig))
        return row
    raise RuntimeError("could not find a free referral code")


def _insert_unless_taken(
    session: Session, shop: Shop, customer: Customer, candidate: str
) -> ReferralCode | None:
    """Store ``candidate`` as the member's code unless it is an affiliate's code or a stored
    row has one of its unique keys (this member, the code or the friend code): one
    ``INSERT ... SELECT ... WHERE NOT EXISTS ... ON CONFLICT DO NOTHING RETURNING``."""
    values = {
        "shop_id": shop.id,
        "customer_id": customer.id,
        "code": candidate,
        "friend_code": friend_code_for(candidate),
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        if is_affiliate_code(session, shop, candidate):
            return None
        return insert_unless_present(session, ReferralCode(**values))
    if session.autoflush:
        session.flush()
    stored = session.connection().execute(_insert_statement(dialect), values).first()
    return stored_object(session, ReferralCode, stored) if stored is not None else None


@cache
def _insert_statement(dialect: str) -> Insert:
    # Built once, values bound at execution: building it cost more than sending it.
    given = ("shop_id", "customer_id", "code", "friend_code", "created_at")
    table = ReferralCode.__table__
    affiliate = (
        select(AffiliateCode.id)
        .where(
            AffiliateCode.shop_id == bindparam("shop_id"),
            AffiliateCode.code == bindparam("code"),
        )
        .exists()
    )
    row = select(
        *(bindparam(key, type_=table.c[key].type) for key in given),
        literal(False, type_=table.c.discount_active.type),
    ).where(~affiliate)
    return (
        insert_ignoring_conflicts(dialect, ReferralCode)
        .from_select([*given, "discount_active"], row)
        .returning(*stored_columns(ReferralCode))
    )


def queue_friend_discount_sync(
    session: Session, shop: Shop, row: ReferralCode, config: ReferralConfig
) -> None:
    """Queue the job that makes the friend's discount at Shopify match ``config``."""
    if row.discount_terms == config.discount_terms:
        return
    if row.discount_gid is None and not config.enabled:
        return
    # Keyed on the settings version, so changing the terms back and forth queues each time.
    enqueue(
        session,
        shop,
        "referrals.sync_friend_discount",
        {"referral_code_id": row.id},
        key=f"referrals.sync_friend_discount:{row.id}:v{settings_version(session, shop)}",
    )


def settings_version(session: Session, shop: Shop) -> int:
    """How many times the merchant has saved the referral settings (0: never)."""
    return section_version(session, shop, ReferralConfig)


def is_affiliate_code(session: Session, shop: Shop, code: str) -> bool:
    """An affiliate's code is never also a member's, so no order names both."""
    found = session.scalar(
        select(AffiliateCode.id).where(
            AffiliateCode.shop_id == shop.id, AffiliateCode.code == normalise_code(code)
        )
    )
    return found is not None


def _code_of(session: Session, shop: Shop, customer: Customer) -> ReferralCode | None:
    return session.scalar(
        select(ReferralCode).where(
            ReferralCode.shop_id == shop.id, ReferralCode.customer_id == customer.id
        )
    )


def candidate_codes(shop: Shop, customer: Customer) -> Iterator[str]:
    """The codes a member's code is chosen from, in turn: the same for the same member on
    every call, different from one member to the next (up to six letters of the first
    name, then characters derived from the shop, the Shopify id and the attempt)."""
    letters, length = _code_shape(customer)
    for attempt in range(ATTEMPTS):
        seed = f"referral-code:{shop.id}:{customer.shopify_customer_id}:{attempt}"
        number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
        characters = []
        for _ in range(length):
            number, index = divmod(number, len(CODE_ALPHABET))
            characters.append(CODE_ALPHABET[index])
        yield letters + "".join(characters)


def new_code(customer: Customer) -> str:
    """A random code (a redacted member's replacement): eight random characters, or up to
    six letters of the first name and four random ones."""
    letters, length = _code_shape(customer)
    return letters + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _code_shape(customer: Customer) -> tuple[str, int]:
    """A member's code's letters (of the first name, none once redacted) and how many
    characters follow them."""
    letters = _name_letters(customer.first_name if customer.redacted_at is None else None)
    return letters, RANDOM_SUFFIX if letters else RANDOM_ONLY


def _name_letters(name: str | None) -> str:
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii")
    letters = "".join(ch for ch in folded.upper() if "A" <= ch <= "Z")
    return letters[:NAME_LETTERS] if len(letters) >= 2 else ""
