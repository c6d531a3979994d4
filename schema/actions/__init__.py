"""Staff action mutations: approve, deny, dismiss, review, email, suspend.

Each takes one ``input`` and returns a payload with ``userErrors`` (the whole
request was refused; nothing changed) and, for actions on entries, one result
per item: "each item atomic", so a refused item changes nothing while the
others go through. ``mutation`` gathers them; a module per area of the domain
holds its inputs and payloads.
"""
