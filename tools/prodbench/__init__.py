"""prodbench: a git-native benchmark for LLM applications.

Importing the package is cheap on purpose: heavy libraries (litellm, pandas,
matplotlib, scipy) are imported only inside the commands that need them.
"""

__version__ = "0.1.0"
