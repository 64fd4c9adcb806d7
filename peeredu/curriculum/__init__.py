"""The course as content files: loading, validation, progress and attendance."""
