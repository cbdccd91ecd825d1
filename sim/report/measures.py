"""The measures the report shows: labels, units, which direction is better."""

from __future__ import annotations

# per-step columns drawn in the arms' time-series figure: column -> (title, y label, share?)
SERIES = {
    "mean_consumption": ("mean consumption", "poverty lines per household", False),
    "poverty_rate": ("poverty rate", "share of households", True),
    "food_insecurity_rate": ("food-insecurity rate", "share of households", True),
    "participation_agriculture": ("participation in agriculture", "share of villages", True),
    "participation_services": ("participation in services", "share of villages", True),
    "participation_infrastructure": ("participation in infrastructure", "share of villages", True),
    "contribution_rate": ("contribution rate", "share of member-domain pairs", True),
    "mean_trust": ("mean trust", "trust (0-1)", True),
}
