"""prodbench.score (public face filled in below)."""
