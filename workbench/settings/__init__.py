"""Branch settings: rule checks, scenarios of merges, splits and moves, and suggested changes.

Pure pandas / numpy: no widgets, no charts, no command line.
"""
