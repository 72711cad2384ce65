"""prodbench.llm (public face filled in below)."""
