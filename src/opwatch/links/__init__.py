"""Links: evidence that two accounts are coordinated. One layer per module.

Importing this package registers the built-in layers (see opwatch.registry).
"""

from opwatch.links.base import LinkLayer

__all__ = ["LinkLayer"]

# Built-in layers register themselves on import; one line per module.
import opwatch.links.code_lineage  # noqa: E402,F401
import opwatch.links.coordination.layers  # noqa: E402,F401
import opwatch.links.generated_then_posted  # noqa: E402,F401
import opwatch.links.near_duplicate_text  # noqa: E402,F401
import opwatch.links.prompt_template  # noqa: E402,F401
import opwatch.links.shared_indicator  # noqa: E402,F401
