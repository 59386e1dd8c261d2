"""Studies on the assessed county: inspection and rectification, research on branch functions, key figures.

Pure pandas / numpy (statsmodels for the fits): no widgets, no charts, no command line.
"""
