"""Sabaq: Markdown courses → SCORM, IMS and offline packages."""

from __future__ import annotations

__version__ = "0.1.0"
