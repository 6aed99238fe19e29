"""Modal screens of the workbench: each returns the user's decision through ``dismiss``.

Push them with ``await app.push_screen_wait(Screen(...))`` from a worker, or ``push_screen(screen, callback)``.
"""
