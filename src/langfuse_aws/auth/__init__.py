"""Single sign-on: Amazon Cognito, federation into Cognito, and direct Langfuse providers."""
