"""Thin glue between the schema and the domain: unpack, check, call, shape."""
