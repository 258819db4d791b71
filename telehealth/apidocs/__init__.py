"""The interactive API documentation at /docs, served wholly from our own files."""
