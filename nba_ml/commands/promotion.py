"""The promotion gate: whether a newly trained model set may replace the installed one."""

from __future__ import annotations

from typing import Any

# The promotion gate: a new set must not be worse than the current one on the same holdout by
# more than these margins, and must beat the naive baselines.
BRIER_TOLERANCE = 0.005
MAE_TOLERANCE = 0.02
NAIVE_BRIER = 0.25


def promotion_verdict(new: dict[str, Any], current: dict[str, Any] | None) -> list[str]:
    """Return the reasons a newly trained set should not replace ``current`` (empty: promote)."""
    reasons = []
    metrics = new.get("metrics", {})
    game = metrics.get("game_outcome", {})
    if game.get("brier", 1.0) > NAIVE_BRIER:
        reasons.append(f"game Brier {game.get('brier', float('nan')):.4f} is worse than a coin "
                       f"flip ({NAIVE_BRIER})")
    for name in ("points", "assists", "rebounds"):
        ratio = metrics.get(name, {}).get("ratio_last10", 99.0)
        if ratio > 1.0:
            reasons.append(f"{name} MAE is {ratio:.3f} x the last-10-games average")
    if current and current.get("holdout") == new.get("holdout"):
        old = current.get("metrics", {})
        old_brier = old.get("game_outcome", {}).get("brier")
        if old_brier is not None and game.get("brier", 1.0) > old_brier + BRIER_TOLERANCE:
            reasons.append(f"game Brier {game['brier']:.4f} is worse than the current "
                           f"{old_brier:.4f} (tolerance {BRIER_TOLERANCE})")
        for name in ("points", "assists", "rebounds"):
            old_mae = old.get(name, {}).get("mae")
            new_mae = metrics.get(name, {}).get("mae")
            if old_mae and new_mae and new_mae > old_mae * (1 + MAE_TOLERANCE):
                reasons.append(f"{name} MAE {new_mae:.3f} is worse than the current "
                               f"{old_mae:.3f} (tolerance {MAE_TOLERANCE:.0%})")
    return reasons
