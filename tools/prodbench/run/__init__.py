"""prodbench.run (public face filled in below)."""
