"""Coordination networks of the social-media toolkits (QUT, CooRnet, CooRTweet), exact and fast.

One windowed self-join engine (:mod:`.engine`) and one small module per network
type (:mod:`.network_types`) that only says what the match key is. The public
API is :class:`Networks` (read once, compute many), :func:`compute` and
:func:`evidence`; exports live in :mod:`.exports`, the operations-graph link
layers in :mod:`.layers`.
"""

from opwatch.links.coordination.api import Networks, compute, evidence
from opwatch.links.coordination.types import NETWORK_TYPES, NetworkType, Params

__all__ = ["NETWORK_TYPES", "NetworkType", "Networks", "Params", "compute", "evidence"]
