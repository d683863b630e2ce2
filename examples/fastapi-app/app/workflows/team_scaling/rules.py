"""The two teams' business rules, pure: money in integer cents, order lines, shipping zones,
discounts, quotes (Team A); export screening and import tax (Team B)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

# --- money -------------------------------------------------------------------------------------


def to_cents(amount: float | str) -> int:
    return math.floor(float(amount) * 100 + 0.5)


def from_cents(cents: float) -> float:
    return math.floor(cents + 0.5) / 100


def percent_of(cents: int, percent: float) -> int:
    """`percent` of `cents`, rounded half-up to the cent."""
    return math.floor(cents * percent / 100 + 0.5)


# --- receive_order -----------------------------------------------------------------------------


def normalize_order_lines(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """One line per sku (upper-cased, repeated skus merged), first-seen order; and the units."""
    by_sku: dict[str, int] = {}
    for item in items:
        sku = item["sku"].strip().upper()
        by_sku[sku] = by_sku.get(sku, 0) + item["quantity"]
    lines: list[dict[str, Any]] = [{"sku": sku, "quantity": quantity} for sku, quantity in by_sku.items()]
    return lines, sum(line["quantity"] for line in lines)


# --- shipping ----------------------------------------------------------------------------------

EUROPE = [
    "GB",
    "IE",
    "FR",
    "DE",
    "NL",
    "BE",
    "LU",
    "ES",
    "PT",
    "IT",
    "AT",
    "CH",
    "DK",
    "SE",
    "NO",
    "FI",
    "PL",
    "CZ",
]
ZONE_BY_COUNTRY = {
    "US": "domestic",
    "CA": "north_america",
    "MX": "north_america",
    **dict.fromkeys(EUROPE, "europe"),
}
#: A fixed handling fee plus a price per kilogram, in cents. Orders ship from the US warehouse.
ZONE_RATES = {
    "domestic": (599, 150),
    "north_america": (1299, 300),
    "europe": (1999, 450),
    "international": (2999, 700),
}


def zone_for(country: str) -> str:
    return ZONE_BY_COUNTRY.get(country.upper(), "international")


def calculate_shipping(lines: list[dict[str, Any]], country: str) -> dict[str, Any]:
    grams = sum(math.floor(line["weight_kg"] * 1000 + 0.5) * line["quantity"] for line in lines)
    zone = zone_for(country)
    base, per_kg = ZONE_RATES[zone]
    weight_cents = math.floor(per_kg * grams / 1000 + 0.5)
    return {
        "zone": zone,
        "total_weight_kg": grams / 1000,
        "base_cost": from_cents(base),
        "weight_cost": from_cents(weight_cents),
        "shipping_cost": from_cents(base + weight_cents),
    }


# --- discounts ---------------------------------------------------------------------------------

VOLUME_THRESHOLD_UNITS = 10
VOLUME_DISCOUNT_PERCENT = 5
MAX_TOTAL_DISCOUNT_PERCENT = 25
TIER_DISCOUNT_PERCENT = {"gold": 5, "silver": 3, "standard": 0}


def apply_discounts(
    subtotal_cents: int, total_units: int, coupon: tuple[str, float] | None, customer_tier: str | None
) -> dict[str, Any]:
    """Each rule is a percentage of the merchandise subtotal (shipping is never discounted);
    they add up, capped so stacked discounts cannot give the goods away."""
    rules: list[dict[str, Any]] = []
    if total_units >= VOLUME_THRESHOLD_UNITS:
        rules.append(
            {"kind": "volume", "code": f"VOLUME_{VOLUME_THRESHOLD_UNITS}", "percent": VOLUME_DISCOUNT_PERCENT}
        )
    if coupon and coupon[1] > 0:
        rules.append({"kind": "coupon", "code": coupon[0], "percent": _num(coupon[1])})
    tier_percent = TIER_DISCOUNT_PERCENT.get(customer_tier or "", 0) if customer_tier else 0
    if tier_percent > 0:
        rules.append(
            {"kind": "tier", "code": f"TIER_{(customer_tier or '').upper()}", "percent": tier_percent}
        )
    requested = sum(r["percent"] for r in rules)
    percent = min(requested, MAX_TOTAL_DISCOUNT_PERCENT)
    total_cents = percent_of(subtotal_cents, percent)
    # Split the (possibly capped) total across the rules; the last absorbs rounding.
    remaining = total_cents
    discounts = []
    for i, rule in enumerate(rules):
        cents = (
            remaining if i == len(rules) - 1 else percent_of(total_cents, rule["percent"] / requested * 100)
        )
        remaining -= cents
        discounts.append({**rule, "amount": from_cents(cents)})
    return {
        "subtotal": from_cents(subtotal_cents),
        "discounts": discounts,
        "discount_percent": _num(percent),
        "discount_total": from_cents(total_cents),
        "discounted_subtotal": from_cents(subtotal_cents - total_cents),
    }


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


# --- quotes ------------------------------------------------------------------------------------

DEFAULT_QUOTE_VALIDITY_DAYS = 30


def quote_number(check_id: int) -> str:
    """QT-000042 for check 42: a retried generate_quote produces the same number."""
    if check_id <= 0:
        raise ValueError(f"quote numbers need a positive integer check id, got {check_id}")
    return f"QT-{check_id:06d}"


def quote_expiry(issued_at: datetime, validity_days: int = DEFAULT_QUOTE_VALIDITY_DAYS) -> datetime:
    if validity_days < 1:
        raise ValueError(f"quote validity must be a whole number of days >= 1, got {validity_days}")
    return issued_at + timedelta(days=validity_days)


def quote_total(discounted_subtotal: float, shipping_cost: float) -> float:
    """Quotes are priced before tax: the compliance team assesses the destination's tax."""
    return from_cents(to_cents(discounted_subtotal) + to_cents(shipping_cost))


# --- compliance --------------------------------------------------------------------------------


def screen_order(items: list[dict[str, Any]], country: str, embargoes: dict[str, str]) -> dict[str, Any]:
    """No goods to an embargoed country; no export-controlled (restricted) or unknown items."""
    country = country.upper()
    violations = []
    if country in embargoes:
        violations.append(
            {
                "code": "embargoed_destination",
                "subject": country,
                "reason": f"destination {country} is under embargo ({embargoes[country]}); no goods may "
                "ship there",
            }
        )
    for item in items:
        if item["restricted"] is None:
            violations.append(
                {
                    "code": "unknown_item",
                    "subject": item["sku"],
                    "reason": f"sku {item['sku']} is not in the catalog, so it cannot be screened",
                }
            )
        elif item["restricted"]:
            violations.append(
                {
                    "code": "restricted_item",
                    "subject": item["sku"],
                    "reason": f"sku {item['sku']} is export-controlled and needs a licence this shop "
                    "does not hold",
                }
            )
    return {
        "approved": not violations,
        "destination_country": country,
        "screened_skus": [i["sku"] for i in items],
        "violations": violations,
    }


def describe_violations(violations: list[dict[str, Any]]) -> str:
    return "compliance check failed: " + "; ".join(v["reason"] for v in violations)


COUNTRY_TAX = {
    "US": (5, "sales_tax"),
    "CA": (5, "gst"),
    "MX": (16, "vat"),
    "GB": (20, "vat"),
    "IE": (23, "vat"),
    "DE": (19, "vat"),
    "FR": (20, "vat"),
    "NL": (21, "vat"),
    "ES": (21, "vat"),
    "IT": (22, "vat"),
    "SE": (25, "vat"),
    "JP": (10, "consumption_tax"),
    "AU": (10, "gst"),
}
#: Keyed COUNTRY-REGION (ISO 3166-2); a region rule wins over the country rule.
REGION_TAX = {
    "US-CA": (7.25, "sales_tax"),
    "US-NY": (4, "sales_tax"),
    "US-TX": (6.25, "sales_tax"),
    "US-WA": (6.5, "sales_tax"),
    "US-FL": (6, "sales_tax"),
    "US-OR": (0, "none"),
    "US-MT": (0, "none"),
    "US-NH": (0, "none"),
    "US-DE": (0, "none"),
    "CA-ON": (13, "hst"),
    "CA-NS": (15, "hst"),
    "CA-QC": (14.975, "gst"),
}


def assess_tax(country: str, region: str | None, taxable_value: float) -> dict[str, Any]:
    """Countries without a rule are assessed at 0% and say so, rather than guessing."""
    c = country.upper()
    region_key = f"{c}-{region.upper()}" if region else None
    if region_key and region_key in REGION_TAX:
        jurisdiction, rule, (rate, tax_type) = region_key, "region", REGION_TAX[region_key]
    elif c in COUNTRY_TAX:
        jurisdiction, rule, (rate, tax_type) = c, "country", COUNTRY_TAX[c]
    else:
        jurisdiction, rule, (rate, tax_type) = c, "no_rule", (0, "none")
    cents = to_cents(taxable_value)
    return {
        "jurisdiction": jurisdiction,
        "rule": rule,
        "tax_type": tax_type,
        "rate_percent": _num(rate),
        "taxable_value": from_cents(cents),
        "tax_amount": from_cents(math.floor(cents * rate / 100 + 0.5)),
    }
