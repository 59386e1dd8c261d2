"""Registry of the subcommands that live beside the modules they drive.

Each entry takes the argparse sub-parsers object and adds one command.
"""

from .scenario import register as register_scenario
from .serve import register as register_serve
from .uncertainty import register as register_robustness

REGISTRY: list = [register_serve, register_scenario, register_robustness]
