"""cdk-nag checks and the acknowledgement helper."""

from .acknowledge import acknowledge
from .checks import add_compliance_checks

__all__ = ["acknowledge", "add_compliance_checks"]
