"""The modes, over PocketVAE's two steps: ``notes.py`` (which notes) and ``feel.py`` (their velocity
and timing), ``steps.py`` and ``chains.py`` shared, then one module per command.

The modes are reached through ``groovecli`` (``groovecli.humanize`` ...); this package does not
re-export them, since a function named like its module (``fill``, ``sample``) would hide the module.
"""
