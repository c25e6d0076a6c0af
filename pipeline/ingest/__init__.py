"""Fetch and read the sources: CBS, PDOK, the gemeente's own files."""
