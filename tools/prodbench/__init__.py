"""prodbench: a git-native benchmark for LLM applications.

One folder per stage or command family (the map with every module is docs/ARCHITECTURE.md):
``core`` (shared foundations), ``llm`` (calling models), ``validate``, ``run``, ``score``,
``report``, ``diff``, ``data``, ``production``; ``cli`` and ``commands`` are the command line.

Importing the package is cheap on purpose: heavy libraries (litellm, pandas,
matplotlib, scipy) are imported only inside the commands that need them.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
