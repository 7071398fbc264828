"""The usage-policy taxonomy: categories with definitions, examples and counter-examples.

The taxonomy is data (``taxonomy.yaml`` next to this module); users may edit it
or pass their own file, which can add categories. This module owns loading and
validating it, and rendering a category's policy text for a model judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_TAXONOMY = Path(__file__).resolve().parent / "taxonomy.yaml"
BENIGN = "benign"


class TaxonomyError(ValueError):
    """The taxonomy file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Category:
    """One usage-policy category."""

    id: str
    name: str
    harmful: bool
    definition: str
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()

    def policy_text(self) -> str:
        """The text a model judge reads for this category."""
        lines = [f"## {self.id}: {self.name}", self.definition.strip()]
        if self.examples:
            lines.append("Violating examples:")
            lines += [f"- {e}" for e in self.examples]
        if self.counter_examples:
            lines.append("Not violating (do not flag):")
            lines += [f"- {e}" for e in self.counter_examples]
        return "\n".join(lines)


@dataclass(frozen=True)
class Taxonomy:
    """All categories, in file order; ``benign`` is always present."""

    categories: tuple[Category, ...]
    flag_threshold: float = 0.5
    path: str = ""
    #: the offline model's veto of decisive rule hits (veto.py): a P(harmful) before the shift; 0 is off
    model_veto: float = 0.0
    _by_id: dict[str, Category] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({c.id: c for c in self.categories})

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.categories]

    @property
    def harmful_ids(self) -> list[str]:
        return [c.id for c in self.categories if c.harmful]

    def __getitem__(self, cid: str) -> Category:
        return self._by_id[cid]

    def __contains__(self, cid: object) -> bool:
        return cid in self._by_id

    def policy_text(self) -> str:
        """Every category's policy text, for a judge's system prompt."""
        return "\n\n".join(c.policy_text() for c in self.categories)


def _as_tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"{where}: expected a list of strings")
    return tuple(value)


def parse_taxonomy(data: Any, path: str = "<data>") -> Taxonomy:
    """Validate parsed YAML and build a :class:`Taxonomy`."""
    if not isinstance(data, dict) or not isinstance(data.get("categories"), list):
        raise TaxonomyError(f"{path}: expected a mapping with a 'categories' list")
    cats: list[Category] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["categories"]):
        where = f"{path}: categories[{i}]"
        if not isinstance(raw, dict):
            raise TaxonomyError(f"{where}: expected a mapping")
        cid = raw.get("id")
        if not isinstance(cid, str) or not cid.isidentifier():
            raise TaxonomyError(f"{where}: 'id' must be an identifier-like string, got {cid!r}")
        if cid in seen:
            raise TaxonomyError(f"{where}: duplicate category id {cid!r}")
        seen.add(cid)
        definition = raw.get("definition")
        if not isinstance(definition, str) or not definition.strip():
            raise TaxonomyError(f"{where} ({cid}): a non-empty 'definition' is required")
        cats.append(
            Category(
                id=cid,
                name=str(raw.get("name", cid)),
                harmful=bool(raw.get("harmful", cid != BENIGN)),
                definition=" ".join(definition.split()),
                examples=_as_tuple(raw.get("examples"), f"{where}.examples"),
                counter_examples=_as_tuple(raw.get("counter_examples"), f"{where}.counter_examples"),
            )
        )
    if BENIGN not in seen:
        raise TaxonomyError(f"{path}: a '{BENIGN}' category is required")
    if cats and not any(c.harmful for c in cats):
        raise TaxonomyError(f"{path}: at least one harmful category is required")
    threshold = data.get("flag_threshold", 0.5)
    if not isinstance(threshold, int | float) or not 0 < float(threshold) < 1:
        raise TaxonomyError(f"{path}: flag_threshold must be a number in (0, 1)")
    veto = data.get("model_veto", 0.0)
    if not isinstance(veto, int | float) or isinstance(veto, bool) or not 0 <= float(veto) < float(threshold):
        raise TaxonomyError(
            f"{path}: model_veto must be a number in [0, flag_threshold) (0 turns the veto off), got {veto!r}"
        )
    return Taxonomy(tuple(cats), float(threshold), path, model_veto=float(veto))


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load the shipped taxonomy, or a user's file."""
    p = Path(path) if path is not None else DEFAULT_TAXONOMY
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy {p}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{p}: not valid YAML: {exc}") from exc
    return parse_taxonomy(data, str(p))
