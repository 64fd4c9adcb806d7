"""Users, roles, organisations, cohorts, enrolments, invitations and permissions."""
