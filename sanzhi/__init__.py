"""Sanzhi (三治): party-building-led grid governance — 自治、法治、德治 on one grid."""

__version__ = "0.1.0"
