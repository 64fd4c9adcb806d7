"""Course certificates: who is eligible, issuing and revoking, verification by code."""
