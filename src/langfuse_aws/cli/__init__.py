"""The operator's command line, ``langfuse-aws``: doctor, smoke, cost, diagram and status."""

import os

# The package imports aws-cdk-lib, whose jsii runtime would print Node 20's end-of-life banner.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
