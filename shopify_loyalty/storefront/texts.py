"""What the storefront widget says, in English and German, and the merchant's own wording.

Every text has a key; placeholders in braces (``{points}``) are filled in by the widget. A
merchant may replace any text per language through the ``widget`` settings section; an
override may use only the placeholders of the text it replaces. A shop locale we have no
texts for falls back to English (``de-CH`` uses German).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

DEFAULT_LOCALE = "en"
MAX_TEXT_LENGTH = 300
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

ENGLISH: dict[str, str] = {
    "launcher": "Rewards",
    "title": "Rewards",
    "close": "Close",
    "loading": "Loading…",
    "guest_heading": "Join our rewards program",
    "guest_body": "Create an account and get {points} points as a welcome gift.",
    "join": "Create account",
    "sign_in": "Sign in",
    "balance": "Your points",
    "pending": "{points} pending",
    "earn_heading": "Ways to earn",
    "earn_per_unit": "{points} points for every {amount} you spend",
    "earn_per_order": "{points} points for every order",
    "earn_signup": "{points} points for creating an account",
    "earn_birthday": "{points} points on your birthday",
    "earn_feedback": "{points} points for telling us about an order",
    "earn_referral": "{points} points for every friend you refer",
    "stamps_heading": "Stamp card",
    "stamps_head_start": "You start with {head_start} of {card_size} stamps for free",
    "stamps_progress": "{collected} of {required} stamps",
    "stamps_reward": "A full card gives you {reward}",
    "stamp_head_start": "Head-start stamp",
    "stamp_collected": "Stamp collected",
    "stamp_empty": "Stamp still open",
    "tiers_heading": "VIP tiers",
    "tier_current": "Your tier: {tier}",
    "tier_none": "No tier yet",
    "tier_to_next": "{amount} more to reach {tier}",
    "tier_top": "You have reached the top tier",
    "tier_threshold": "from {amount}",
    "tier_discount": "{percent}% off every order",
    "membership_heading": "Membership",
    "membership_active": "{plan} member until {date}",
    "membership_ended": "Your {plan} membership ended on {date}",
    "membership_offer": "Join {plan}: {percent}% off, {multiplier}x points",
    "membership_join": "Become a member",
    "perks_heading": "Your perks",
    "perk_discount": "{percent}% off with code {code}",
    "perk_multiplier": "{multiplier}x points on every order",
    "perk_free_shipping": "Free shipping with code {code}",
    "unit_orders": "{count} orders",
    "unit_points": "{count} points",
    "discount_percentage": "{value}% off",
    "discount_fixed_amount": "{amount} off",
    "discount_free_shipping": "free shipping",
    "reward_free_shipping": "Free shipping",
    "rewards_heading": "Rewards",
    "reward_cost": "{points} points",
    "redeem": "Redeem",
    "redeem_label": "Redeem {reward} for {points} points",
    "redeeming": "One moment…",
    "code_heading": "Your code for {reward}",
    "copy": "Copy code",
    "copied": "Copied",
    "apply": "Apply to cart",
    "my_codes_heading": "Your codes",
    "referral_heading": "Refer a friend",
    "referral_body": "Your friend gets {discount} on a first order, you get {points} points.",
    "copy_link": "Copy link",
    "share_email": "Share by email",
    "share_whatsapp": "Share on WhatsApp",
    "share_subject": "A treat for your first order",
    "birthday_heading": "Your birthday",
    "birthday_body": "Tell us your birthday and get {points} points on the day.",
    "birthday_label": "Birthday",
    "birthday_save": "Save birthday",
    "birthday_saved": "Thank you, we will celebrate with you.",
    "feedback_heading": "How was order {order}?",
    "feedback_body": "Answer two questions and get {points} points.",
    "feedback_satisfaction": "How satisfied are you?",
    "satisfaction_not_satisfied": "Not satisfied",
    "satisfaction_somewhat_satisfied": "Somewhat satisfied",
    "satisfaction_satisfied": "Satisfied",
    "satisfaction_very_satisfied": "Very satisfied",
    "satisfaction_extremely_satisfied": "Extremely satisfied",
    "feedback_score": "How likely are you to recommend us (0 to 10)?",
    "feedback_comment": "Anything else? (optional)",
    "feedback_send": "Send answer",
    "feedback_thanks": "Thank you for your feedback!",
    "history_heading": "History",
    "history_empty": "Nothing here yet.",
    "reason_order": "Order",
    "reason_refund": "Refund",
    "reason_cancellation": "Cancelled order",
    "reason_redemption": "Reward redeemed",
    "reason_signup": "Welcome bonus",
    "reason_birthday": "Birthday bonus",
    "reason_anniversary": "Anniversary bonus",
    "reason_feedback": "Feedback bonus",
    "reason_referral": "Friend referred",
    "reason_tier_entry": "New tier bonus",
    "reason_adjustment": "Adjustment",
    "reason_expiry": "Points expired",
    "terms_heading": "Program terms",
    "terms_pending": "Points from an order can be spent {days} days after payment.",
    "terms_returns": "Returned or cancelled orders take their points and stamps back.",
    "terms_expiry": "Points expire after {months} months without earning or spending.",
    "terms_no_expiry": "Points do not expire.",
    "terms_codes": "Reward codes can be used once, by you only.",
    "terms_version": "Version {version} of {date}",
    "error_insufficient_points": "Not quite yet: this reward needs {needed} points and "
    "you have {available}.",
    "error_rate_limited": "That was a lot at once. Please try again in a minute.",
    "error_login_required": "Please sign in to use your points.",
    "error_shopify_unavailable": "We could not create your code just now, and no points "
    "were spent. Please try again.",
    "error_reward_unavailable": "This reward is not available at the moment.",
    "error_invalid": "Please check your entry.",
    "error_already_answered": "You have already answered for this order.",
    "error_generic": "Something went wrong. Please try again.",
    "offers_heading": "Member offers",
    "offers_starts": "Starts {date}",
    "offers_ends": "Until {date}",
    "offers_not_eligible": "For selected members only",
    "early_access_heading": "Early access",
    "early_access_members_only": "Early access for selected members until {date}. "
    "It opens to everyone after that.",
    "early_access_sign_in": "Members get early access to this product. Sign in to see "
    "whether you can buy it now.",
}

GERMAN: dict[str, str] = {
    "launcher": "Prämien",
    "title": "Prämienprogramm",
    "close": "Schließen",
    "loading": "Wird geladen…",
    "guest_heading": "Werde Mitglied im Prämienprogramm",
    "guest_body": "Erstelle ein Kundenkonto und erhalte {points} Punkte als Willkommensgeschenk.",
    "join": "Konto erstellen",
    "sign_in": "Anmelden",
    "balance": "Deine Punkte",
    "pending": "{points} ausstehend",
    "earn_heading": "So sammelst du Punkte",
    "earn_per_unit": "{points} Punkte für jeden Einkauf von {amount}",
    "earn_per_order": "{points} Punkte für jede Bestellung",
    "earn_signup": "{points} Punkte für dein Kundenkonto",
    "earn_birthday": "{points} Punkte zu deinem Geburtstag",
    "earn_feedback": "{points} Punkte für deine Meinung zu einer Bestellung",
    "earn_referral": "{points} Punkte für jede Freundin und jeden Freund, die du wirbst",
    "stamps_heading": "Stempelkarte",
    "stamps_head_start": "Du startest mit {head_start} von {card_size} Stempeln geschenkt",
    "stamps_progress": "{collected} von {required} Stempeln",
    "stamps_reward": "Eine volle Karte bringt dir {reward}",
    "stamp_head_start": "Startstempel",
    "stamp_collected": "Stempel gesammelt",
    "stamp_empty": "Stempel noch offen",
    "tiers_heading": "VIP-Stufen",
    "tier_current": "Deine Stufe: {tier}",
    "tier_none": "Noch keine Stufe",
    "tier_to_next": "Noch {amount} bis {tier}",
    "tier_top": "Du hast die höchste Stufe erreicht",
    "tier_threshold": "ab {amount}",
    "tier_discount": "{percent} % Rabatt auf jede Bestellung",
    "membership_heading": "Mitgliedschaft",
    "membership_active": "{plan}-Mitglied bis {date}",
    "membership_ended": "Deine {plan}-Mitgliedschaft endete am {date}",
    "membership_offer": "Werde {plan}-Mitglied: {percent} % Rabatt, {multiplier}-fache Punkte",
    "membership_join": "Mitglied werden",
    "perks_heading": "Deine Vorteile",
    "perk_discount": "{percent} % Rabatt mit dem Code {code}",
    "perk_multiplier": "{multiplier}-fache Punkte auf jede Bestellung",
    "perk_free_shipping": "Kostenloser Versand mit dem Code {code}",
    "unit_orders": "{count} Bestellungen",
    "unit_points": "{count} Punkte",
    "discount_percentage": "{value} % Rabatt",
    "discount_fixed_amount": "{amount} Rabatt",
    "discount_free_shipping": "kostenlosen Versand",
    "reward_free_shipping": "Kostenloser Versand",
    "rewards_heading": "Prämien",
    "reward_cost": "{points} Punkte",
    "redeem": "Einlösen",
    "redeem_label": "{reward} für {points} Punkte einlösen",
    "redeeming": "Einen Moment…",
    "code_heading": "Dein Code für {reward}",
    "copy": "Code kopieren",
    "copied": "Kopiert",
    "apply": "Im Warenkorb anwenden",
    "my_codes_heading": "Deine Codes",
    "referral_heading": "Freunde werben",
    "referral_body": "Deine Freunde erhalten {discount} auf die erste Bestellung, du "
    "erhältst {points} Punkte.",
    "copy_link": "Link kopieren",
    "share_email": "Per E-Mail teilen",
    "share_whatsapp": "Über WhatsApp teilen",
    "share_subject": "Ein Geschenk für deine erste Bestellung",
    "birthday_heading": "Dein Geburtstag",
    "birthday_body": "Verrate uns deinen Geburtstag und erhalte an dem Tag {points} Punkte.",
    "birthday_label": "Geburtstag",
    "birthday_save": "Geburtstag speichern",
    "birthday_saved": "Danke, wir feiern mit dir.",
    "feedback_heading": "Wie war Bestellung {order}?",
    "feedback_body": "Beantworte zwei Fragen und erhalte {points} Punkte.",
    "feedback_satisfaction": "Wie zufrieden bist du?",
    "satisfaction_not_satisfied": "Nicht zufrieden",
    "satisfaction_somewhat_satisfied": "Etwas zufrieden",
    "satisfaction_satisfied": "Zufrieden",
    "satisfaction_very_satisfied": "Sehr zufrieden",
    "satisfaction_extremely_satisfied": "Äußerst zufrieden",
    "feedback_score": "Wie wahrscheinlich empfiehlst du uns weiter (0 bis 10)?",
    "feedback_comment": "Möchtest du noch etwas sagen? (optional)",
    "feedback_send": "Antwort senden",
    "feedback_thanks": "Danke für deine Meinung!",
    "history_heading": "Verlauf",
    "history_empty": "Noch keine Einträge.",
    "reason_order": "Bestellung",
    "reason_refund": "Erstattung",
    "reason_cancellation": "Stornierte Bestellung",
    "reason_redemption": "Prämie eingelöst",
    "reason_signup": "Willkommensbonus",
    "reason_birthday": "Geburtstagsbonus",
    "reason_anniversary": "Jubiläumsbonus",
    "reason_feedback": "Bonus für deine Meinung",
    "reason_referral": "Freund geworben",
    "reason_tier_entry": "Bonus für die neue Stufe",
    "reason_adjustment": "Korrektur",
    "reason_expiry": "Punkte verfallen",
    "terms_heading": "Teilnahmebedingungen",
    "terms_pending": "Punkte aus einer Bestellung sind {days} Tage nach der Zahlung einlösbar.",
    "terms_returns": "Bei Rücksendung oder Stornierung werden Punkte und Stempel zurückgebucht.",
    "terms_expiry": "Punkte verfallen nach {months} Monaten ohne Sammeln oder Einlösen.",
    "terms_no_expiry": "Punkte verfallen nicht.",
    "terms_codes": "Prämiencodes gelten einmal und nur für dich.",
    "terms_version": "Fassung {version} vom {date}",
    "error_insufficient_points": "Noch nicht ganz: Diese Prämie kostet {needed} Punkte, "
    "du hast {available}.",
    "error_rate_limited": "Das war etwas viel auf einmal. Bitte versuche es in einer "
    "Minute noch einmal.",
    "error_login_required": "Bitte melde dich an, um deine Punkte zu nutzen.",
    "error_shopify_unavailable": "Dein Code konnte gerade nicht erstellt werden; es wurden "
    "keine Punkte abgezogen. Bitte versuche es noch einmal.",
    "error_reward_unavailable": "Diese Prämie ist gerade nicht verfügbar.",
    "error_invalid": "Bitte prüfe deine Eingabe.",
    "error_already_answered": "Du hast für diese Bestellung schon geantwortet.",
    "error_generic": "Etwas ist schiefgelaufen. Bitte versuche es noch einmal.",
    "offers_heading": "Angebote für Mitglieder",
    "offers_starts": "Ab {date}",
    "offers_ends": "Bis {date}",
    "offers_not_eligible": "Nur für ausgewählte Mitglieder",
    "early_access_heading": "Früher Zugang",
    "early_access_members_only": "Bis {date} nur für ausgewählte Mitglieder erhältlich. "
    "Danach für alle.",
    "early_access_sign_in": "Mitglieder können diesen Artikel früher kaufen. Melde dich an, "
    "um zu sehen, ob du ihn schon kaufen kannst.",
}

DEFAULT_TEXTS: dict[str, dict[str, str]] = {"en": ENGLISH, "de": GERMAN}
LOCALES: tuple[str, ...] = tuple(DEFAULT_TEXTS)


def widget_locale(requested: str | None) -> str:
    """The language we speak for a shop locale such as ``de``, ``de-CH`` or ``en-US``."""
    language = (requested or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return language if language in DEFAULT_TEXTS else DEFAULT_LOCALE


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def texts_for(locale: str, overrides: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Every text of ``locale``, the merchant's wording where they chose one."""
    language = widget_locale(locale)
    return {**DEFAULT_TEXTS[language], **overrides.get(language, {})}


def fill(text: str, **values: object) -> str:
    """``text`` with its placeholders replaced; unknown placeholders stay as they are."""
    return PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), match.group(0))), text)


def format_number(value: Decimal, locale: str, *, places: int | None = None) -> str:
    """``1234.5`` as ``1,234.50`` in English and ``1.234,50`` in German."""
    quantum = Decimal(1).scaleb(-places) if places is not None else None
    number = value.quantize(quantum) if quantum is not None else value.normalize()
    text = f"{number:,f}"
    if widget_locale(locale) == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_money(value: Decimal, currency: str, locale: str) -> str:
    return f"{format_number(value, locale, places=2)} {currency}"


def discount_headline(
    texts: Mapping[str, str], kind: str, value: Decimal, currency: str, locale: str
) -> str:
    """A discount in the shopper's language: ``15% off``, ``5,00 EUR Rabatt``."""
    if kind == "percentage":
        return fill(texts["discount_percentage"], value=format_number(value, locale))
    if kind == "fixed_amount":
        return fill(texts["discount_fixed_amount"], amount=format_money(value, currency, locale))
    return texts["discount_free_shipping"]
