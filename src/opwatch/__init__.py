"""opwatch: find, understand and disrupt coordinated misuse of AI services.

The public API is the :class:`Workspace` façade; the CLI and the web console are
thin layers over it. Data flows event → signal → link → operation → case →
action → report, and the package layout follows that order.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Workspace", "__version__"]


def __getattr__(name: str) -> object:
    # Imported lazily so that `import opwatch` stays cheap for the CLI's start-up.
    if name == "Workspace":
        from opwatch.workspace import Workspace

        return Workspace
    raise AttributeError(name)
