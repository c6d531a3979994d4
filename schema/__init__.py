"""The GraphQL schema: types, inputs, payloads and the root operations."""
