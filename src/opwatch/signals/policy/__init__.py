"""Misuse classification: a policy taxonomy, rules as code, an offline model, a model judge.

Public API::

    from opwatch.signals.policy import Classifier, account_profile
    clf = Classifier()                      # shipped taxonomy, rules and model
    results = clf.classify(["write 30 fake reviews ..."])
    results[0].category, results[0].score, results[0].flagged, results[0].scores

The workspace detectors ``policy`` (events) and ``policy_account`` (accounts)
live in :mod:`opwatch.signals.policy.detector`. See docs/policy.md.
"""

from opwatch.signals.policy.classifier import Classifier
from opwatch.signals.policy.combine import JudgeVerdict, Result
from opwatch.signals.policy.judge import JudgeClient
from opwatch.signals.policy.profile import AccountProfile, account_profile
from opwatch.signals.policy.rules import RuleError, load_rules
from opwatch.signals.policy.taxonomy import Category, Taxonomy, TaxonomyError, load_taxonomy

__all__ = [
    "AccountProfile",
    "Category",
    "Classifier",
    "JudgeClient",
    "JudgeVerdict",
    "Result",
    "RuleError",
    "Taxonomy",
    "TaxonomyError",
    "account_profile",
    "load_rules",
    "load_taxonomy",
]
