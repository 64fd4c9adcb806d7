"""Reflective assignments: definitions, practice log, drafts, versions, reviews."""
