"""Print the environment's name (`name:` in its YAML) after validating the whole file.

    python scripts/environment_name.py config/prod.yaml    # prints: prod

The Makefile calls it before every synth, so that a typo in ENV or CONFIG fails with the
loader's message (file, setting, fix) before anything is written, and to key the deploy record
(`.deployed/<name>`) by the environment itself rather than by how it was named on the command
line: `make deploy CONFIG=f` and `make deploy ENV=example` must never share a record.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from langfuse_aws.config import ConfigError, load_config


def main(argv: list[str]) -> int:
    """Print the name and exit 0, or print the configuration error and exit 1."""
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        config = load_config(Path(argv[1]))
    except ConfigError as error:
        print(f"Invalid configuration:\n{error}", file=sys.stderr)
        return 1
    print(config.name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
