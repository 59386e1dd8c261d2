"""Meeting-ready output: the context every output carries, the deck, the feedback reports.

A layer beside ``studies``: it reads data, assess, settings and studies, and
never the views (the dashboards call it, not the other way round).
"""

from .context import OutputContext
from .facts import MeetingError, MeetingFacts, gather

__all__ = ["OutputContext", "MeetingFacts", "MeetingError", "gather"]
