"""The composition root's command line: ``rasad`` and its commands (see
``cli.app`` and ``cli.main``).
"""
