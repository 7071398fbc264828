"""The network types, one module each; importing this package registers them all."""

from opwatch.links.coordination.network_types import (  # noqa: F401
    co_domain,
    co_hashtag,
    co_link,
    co_message,
    co_post,
    co_reply,
    co_repost,
    co_similar,
)
