"""Evaluation against a truth file: account-level quality of the flagged operations.

The truth file (JSON Lines: ``account_id``, ``source``, ``operation`` — a name,
or null for benign — and optionally ``group``, a benign look-alike crowd) is
read here and nowhere else: detection never sees it.

Reported: precision, recall and F1 of "account is in a flagged operation"
against "account belongs to a true operation"; the benign false-positive
rate; for each true operation, its recall and how many detected operations it
is split across; for each look-alike group, how many of its accounts were
flagged and whether a flagged operation is mostly made of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opwatch.models import account_key


class TruthError(ValueError):
    pass


def read_truth(path: str | Path) -> dict[str, dict[str, Any]]:
    truth: dict[str, dict[str, Any]] = {}
    p = Path(path)
    if not p.is_file():
        raise TruthError(f"{p}: no such truth file")
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                key = account_key(str(row["source"]), str(row["account_id"]))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise TruthError(f"{p}:{n}: bad truth row ({exc}); need account_id, source, operation") from exc
            truth[key] = {"operation": row.get("operation"), "group": row.get("group")}
    return truth


def evaluate(operations: list[dict[str, Any]], truth: dict[str, dict[str, Any]]) -> dict[str, Any]:
    flagged_ops = [o for o in operations if o["flagged"]]
    flagged = {a for o in flagged_ops for a in o["accounts"]}
    positives = {k for k, v in truth.items() if v["operation"]}
    benign = {k for k, v in truth.items() if not v["operation"]}
    tp = len(flagged & positives)
    fp_benign = len(flagged & benign)
    unknown = len(flagged - truth.keys())
    precision = tp / len(flagged) if flagged else 0.0
    recall = tp / len(positives) if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    per_op: dict[str, Any] = {}
    for name in sorted({v["operation"] for v in truth.values() if v["operation"]}):
        members = {k for k, v in truth.items() if v["operation"] == name}
        hit = members & flagged
        split = [o["operation_id"] for o in flagged_ops if members & set(o["accounts"])]
        per_op[name] = {
            "accounts": len(members),
            "flagged_accounts": len(hit),
            "recall": round(len(hit) / len(members), 4),
            "split_across": len(split),
            "detected_operations": split,
            "flagged": bool(hit),
        }
    groups: dict[str, Any] = {}
    for name in sorted({v["group"] for v in truth.values() if v.get("group")}):
        members = {k for k, v in truth.items() if v.get("group") == name}
        mostly = [
            o["operation_id"] for o in flagged_ops
            if len(members & set(o["accounts"])) > 0.5 * len(o["accounts"])
        ]
        groups[name] = {
            "accounts": len(members),
            "flagged_accounts": len(members & flagged),
            "flagged_as_operation": bool(mostly),
            "operations": mostly,
        }
    return {
        "accounts": len(truth),
        "true_operation_accounts": len(positives),
        "flagged_operations": len(flagged_ops),
        "flagged_accounts": len(flagged),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "benign_false_positive_rate": round(fp_benign / len(benign), 5) if benign else 0.0,
        "benign_flagged": fp_benign,
        "flagged_not_in_truth": unknown,
        "all_operations_flagged": all(v["flagged"] for v in per_op.values()) if per_op else False,
        "lookalike_groups_flagged": sorted(g for g, v in groups.items() if v["flagged_as_operation"]),
        "operations": per_op,
        "groups": groups,
    }
