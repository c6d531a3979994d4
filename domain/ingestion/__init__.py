"""Portal ingestion: each customer-portal event becomes entries of the window.

``record_portal_event`` is the one entry point; ``events`` holds the typed
events it accepts.
"""

from domain.ingestion.recorder import IngestionResult, record_portal_event

__all__ = ["IngestionResult", "record_portal_event"]
