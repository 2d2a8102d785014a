#!/usr/bin/env python3
"""CDK entry point for ``cdk`` users in a checkout: the package's app, langfuse_aws.cdk_app,
which reads the context (see there).

npx cdk synth -c env=prod                   # config/prod.yaml
npx cdk synth -c config=my.yaml             # any file
npx cdk synth -c env=prod -c validate=true  # with the validators (compliance/validators.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from langfuse_aws.cdk_app import main

if __name__ == "__main__":
    sys.exit(main())
