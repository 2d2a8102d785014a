"""Code of the Cognito pre-sign-up trigger (deployed as a Lambda asset from this folder)."""
