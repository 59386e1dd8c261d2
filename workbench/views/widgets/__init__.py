"""The widget kit: views any dashboard can use (header, data picker, charts, tables, exports).

Each view takes the models it shows, builds its widgets once and re-renders when
they change; state lives in models (:mod:`workbench.views.state`,
:mod:`workbench.views.scoring`), bindings in :mod:`workbench.views.mvc`.
"""

from .chart import ChartView
from .data_picker import DataPicker
from .export import ExportBar, ExportFolder
from .header import Header
from .html import StatusLine, style
from .plotly_chart import PlotlyChart
from .table import DataTable

__all__ = ["ChartView", "DataPicker", "DataTable", "ExportBar", "ExportFolder", "Header", "PlotlyChart",
           "StatusLine", "style"]
