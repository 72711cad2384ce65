"""prodbench.diff (public face filled in below)."""
