"""Read-only views over many learners: cohort overviews, exports."""
