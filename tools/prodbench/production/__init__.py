"""prodbench.production (public face filled in below)."""
