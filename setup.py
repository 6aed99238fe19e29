"""Packages are found, not listed: every folder with an ``__init__.py`` under the four source roots.

The source roots sit at the top of the repository and map onto ``phasegate.<root>`` (pyproject's
``package-dir``); setuptools' own ``find`` cannot prefix the names it finds, so this file does.
Everything else about the project is in ``pyproject.toml``.
"""

from setuptools import find_packages, setup

ROOTS = ("app", "widgets", "phases", "prompts")

setup(packages=[f"phasegate.{root}" + (f".{sub}" if sub else "")
                for root in ROOTS for sub in ["", *find_packages(root, exclude=["*.data", "*.data.*"])]])
