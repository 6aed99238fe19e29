"""CLI subcommands, one module each.

Every module here defines ``NAME`` (the subcommand), ``HELP`` (one line), ``add_arguments(parser)``
and ``run(args) -> int``. ``phasegate.app.cli.main`` discovers them, so adding a subcommand is adding a
file. Import heavy libraries (git, openai, sqlglot, textual) inside ``run``, never at module level:
``phasegate --help`` and the workbench's cold start must not pay for them.
"""
