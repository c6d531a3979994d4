"""Wiring: settings, the ASGI application, authentication and the command line."""
