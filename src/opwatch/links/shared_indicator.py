"""Layer ``shared_indicator``: accounts that showed the same observable.

Indicators (addresses, subnets, devices, payment fingerprints, phones, e-mail
domains, sign-up addresses, URLs, domains, hashtags) come from the
``indicators`` view. A sign-up address is an address (one object, seen at
sign-up or later), and a shared subnet or domain counts only when the pair
shares no address or URL that already implies it. Each shared indicator is weighed by how rare it is and
each pair is tested against the co-occurrence null model
(:mod:`opwatch.links.cooccurrence`).
"""

from __future__ import annotations

import pyarrow as pa

from opwatch.links.base import LinkLayer
from opwatch.links.cooccurrence import cooccurrence_links
from opwatch.registry import register_layer
from opwatch.signals.base import DetectContext

DEFAULT_KINDS = (
    "ip", "subnet", "device", "payment", "phone", "email_domain", "signup_ip",
    "url", "domain", "hashtag",
)
#: coarse kinds credited only when the pair shares no finer object that implies them
IMPLIED_BY = {"subnet": "ip", "domain": "url"}


@register_layer
class SharedIndicator(LinkLayer):
    name = "shared_indicator"

    def __init__(self, kinds: tuple[str, ...] = DEFAULT_KINDS, max_object_accounts: int = 200) -> None:
        self.kinds = tuple(kinds)
        self.max_object_accounts = max_object_accounts

    def run(self, ctx: DetectContext) -> pa.Table:
        kinds = ", ".join("'" + k.replace("'", "''") + "'" for k in self.kinds)
        ctx.engine.sql(f"""
            CREATE OR REPLACE TEMP VIEW _shared_indicator_inc AS
            SELECT source, account_id,
                   CASE WHEN kind = 'signup_ip' THEN 'ip' ELSE kind END AS kind,
                   value AS object, event_id, timestamp
            FROM indicators WHERE kind IN ({kinds})
        """)
        return cooccurrence_links(
            ctx, "_shared_indicator_inc", self.name, self.max_object_accounts, implied_by=IMPLIED_BY
        )
