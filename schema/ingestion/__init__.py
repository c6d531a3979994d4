"""Portal ingestion: the references and the call the portal sends (``mutation``)."""
