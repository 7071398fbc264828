"""The canonical views every stage reads: ``events``, ``accounts``, ``indicators``.

``accounts`` is the declared accounts plus every account seen only in events.
``indicators`` is derived, never stored twice: one row per observable an
account showed (event fields: ip, subnet, device, url, domain, hashtag;
account fields: email_domain, phone, payment, signup_ip), with the event and
time where it was seen.
"""

from __future__ import annotations

from opwatch.engines.base import Engine
from opwatch.models import ACCOUNT_SCHEMA, EVENT_SCHEMA
from opwatch.store.columnar import ColumnStore

INDICATORS_SQL = r"""
WITH ev AS (SELECT source, account_id, event_id, timestamp, ip, device_id, urls, hashtags FROM events),
urls AS (SELECT source, account_id, event_id, timestamp, unnest(urls) AS url FROM ev WHERE urls IS NOT NULL),
acc_first AS (
  SELECT source, account_id, min(timestamp) AS ts FROM events GROUP BY source, account_id
)
SELECT source, account_id, 'ip' AS kind, ip AS value, event_id, timestamp FROM ev WHERE ip IS NOT NULL AND ip <> ''
UNION ALL
SELECT source, account_id, 'subnet', regexp_extract(ip, '^(\d+\.\d+\.\d+)\.\d+$', 1) || '.0/24', event_id, timestamp
  FROM ev WHERE regexp_matches(coalesce(ip, ''), '^\d+\.\d+\.\d+\.\d+$')
UNION ALL
SELECT source, account_id, 'device', device_id, event_id, timestamp FROM ev WHERE device_id IS NOT NULL AND device_id <> ''
UNION ALL
SELECT source, account_id, 'url', url, event_id, timestamp FROM urls WHERE url IS NOT NULL AND url <> ''
UNION ALL
SELECT source, account_id, 'domain',
       regexp_replace(lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#@]+)', 1)), '^www\.', ''),
       event_id, timestamp
  FROM urls WHERE regexp_matches(coalesce(url, ''), '^[A-Za-z][A-Za-z0-9+.-]*://[^/:?#@]+')
UNION ALL
SELECT source, account_id, 'hashtag', lower(ltrim(h, '#')), event_id, timestamp
  FROM (SELECT source, account_id, event_id, timestamp, unnest(hashtags) AS h FROM ev WHERE hashtags IS NOT NULL)
  WHERE h IS NOT NULL AND ltrim(h, '#') <> ''
UNION ALL
SELECT a.source, a.account_id, k.kind, k.value, NULL, coalesce(a.created_at, f.ts)
FROM accounts a
LEFT JOIN acc_first f ON f.source = a.source AND f.account_id = a.account_id
CROSS JOIN LATERAL (VALUES
    ('email_domain', lower(coalesce(a.email_domain, regexp_extract(coalesce(a.email, ''), '@(.+)$', 1)))),
    ('phone', regexp_replace(coalesce(a.phone, ''), '[^0-9+]', '', 'g')),
    ('payment', a.payment_fingerprint),
    ('signup_ip', a.signup_ip)
) AS k(kind, value)
WHERE k.value IS NOT NULL AND k.value <> ''
"""

ACCOUNTS_SQL = """
SELECT * FROM declared_accounts
UNION ALL BY NAME
SELECT DISTINCT e.source, e.account_id FROM events e
WHERE NOT EXISTS (
  SELECT 1 FROM declared_accounts d WHERE d.source = e.source AND d.account_id = e.account_id
)
"""


def register_canonical(engine: Engine, store: ColumnStore) -> None:
    """Register ``events``, ``accounts`` and ``indicators`` on ``engine``."""
    engine.register_parquet("events", store.files("events"), EVENT_SCHEMA)
    engine.register_parquet("declared_accounts", store.files("accounts"), ACCOUNT_SCHEMA)
    engine.register("accounts", engine.sql(ACCOUNTS_SQL))
    engine.register("indicators", engine.sql(INDICATORS_SQL))
