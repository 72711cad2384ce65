"""prodbench.data (public face filled in below)."""
