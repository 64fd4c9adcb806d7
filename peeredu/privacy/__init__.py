"""A person's rights over their data (GDPR): export, erasure, anonymisation and retention."""
