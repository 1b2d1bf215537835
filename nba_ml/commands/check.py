"""``check``: whether the installed model set can be served."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from nba_ml.config import Settings

if TYPE_CHECKING:
    from nba_ml.state.store import Verification


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The verdict on the installed set: ``problems`` names every model that cannot be served;
    ``lacking``: the registered models a valid set was trained without (it predates them)."""

    ok: bool
    loaded: bool
    problems: list[tuple[str, str]]
    seconds: float
    verification: Verification
    lacking: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        """The exit code ``nba-ml check`` ends with for this verdict: 0 valid, 1 not."""
        from nba_ml.errors import EXIT_FAILURE, EXIT_OK

        return EXIT_OK if self.ok else EXIT_FAILURE

    def lines(self) -> list[str]:
        """The verdict as ``nba-ml check`` words it: one line when valid, else one line per
        problem, ``invalid: MODEL: WHY``; a valid set that lacks newer models says so in a
        second line."""
        from nba_ml import modelset

        if self.ok:
            how = "loaded" if self.loaded else "verified by sha256, not loaded"
            served = len(modelset.models()) - len(self.lacking)
            lines = [f"ok: {served} models valid ({how})"]
            if self.lacking:
                lines.append(self.verification.lacking_line())
            return lines
        return [f"invalid: {model}: {problem}" for model, problem in self.problems]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def verify(settings: Settings, *, full_load: bool = False) -> Verification:
    """Return the verification of the installed model set (hashes, versions, permissions)."""
    from nba_ml.state.store import verify_model_set

    return verify_model_set(settings.data_dir, full_load=full_load)


def problems_by_model(settings: Settings, verification: Verification) -> list[tuple[str, str]]:
    """Return (model, problem) pairs naming every model that cannot be served.

    A set-wide problem (no manifest, no model set) is reported for the set and then for each
    model whose file is missing, so an operator sees every name.
    """
    from nba_ml import modelset

    pairs = [(p.model, p.problem) for p in verification.problems]
    named = {model for model, _ in pairs}
    if not verification.ok:
        for spec in modelset.models():
            path = settings.models_dir / spec.file
            if spec.name not in named and not path.exists():
                pairs.append((spec.name, f"missing ({path})"))
    return pairs


def check(settings: Settings, *, full_load: bool = False) -> CheckResult:
    """Return whether every model is present, matches its manifest and can be served."""
    verification = verify(settings, full_load=full_load)
    return CheckResult(
        ok=verification.ok,
        loaded=verification.loaded,
        problems=problems_by_model(settings, verification),
        seconds=verification.seconds,
        verification=verification,
        lacking=tuple(spec.name for spec in verification.lacking),
    )
