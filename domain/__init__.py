"""Business rules of the Online Activity window: plain Python, no GraphQL."""
