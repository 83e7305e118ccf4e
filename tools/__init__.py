"""Maintenance and teaching tools of the repository (not part of the installed library)."""
