"""prodbench.report (public face filled in below)."""
