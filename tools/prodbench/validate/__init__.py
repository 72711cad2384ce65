"""prodbench.validate (public face filled in below)."""
