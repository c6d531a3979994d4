"""One strawberry module per activity kind: its object type (``OBJECT``) and
portal input (``INPUT``), found by the kind's module name (``schema.entries``)."""
