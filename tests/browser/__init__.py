"""Browser tests of the served dashboards (marked ``browser``)."""
