"""Write the JSON Schema of an environment file (for editor completion and validation)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from langfuse_aws.config.models import EnvironmentConfig


def main() -> None:
    """Write the schema to the path given (default schema/environment.schema.json)."""
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "schema/environment.schema.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    schema = EnvironmentConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "langfuse-aws environment"
    target.write_text(json.dumps(schema, indent=2) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
