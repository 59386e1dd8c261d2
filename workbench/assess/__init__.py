"""Assessment: frameworks, indicators, methods (normalize, weights, aggregate), scoring and robustness.

Pure pandas / numpy: no widgets, no charts, no command line.
"""
