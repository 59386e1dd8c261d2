"""Registry of the subcommands that live beside the modules they drive.

Each entry takes the argparse sub-parsers object and adds one command.
"""

from .scenario import register as register_scenario
from .serve import register as register_serve

REGISTRY: list = [register_serve, register_scenario]
