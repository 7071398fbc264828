"""Links: evidence that two accounts are coordinated. One layer per module.

The built-in layers are listed in :data:`opwatch.registry.BUILTIN_MODULES` and
imported when the registry is first asked, so importing one layer stays cheap.
"""

from opwatch.links.base import LinkLayer

__all__ = ["LinkLayer"]
