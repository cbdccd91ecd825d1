"""The report of an experiment sweep: ``report.md``, ``report.html`` and ``figures/*.png``.

``write_report(results_dir)`` reads what the sweep stored (``manifest.json``,
``runs.parquet``, ``timeseries/*.parquet``; see ``docs/experiments.md``) and explains it
by design:

* arms: per condition and metric, each arm's mean with its 95 % interval and the paired
  difference against the reference arm, with plain-language readings; time-series bands,
  resilience to the scheduled shock, and a forest plot of the first metric;
* grid: a heatmap (phase diagram) over the first two factors per metric, and a table of means;
* lhs: scatter plots of each metric against each factor, and Spearman rank correlations;
* sobol / morris: sensitivity indices with their intervals (SALib), as a table and a bar chart.

Figures are written first (each atomically), then the two reports with ``sim.io.write_text``.
The HTML report is self-contained: inline CSS and images embedded as base64 data URIs,
so it opens offline and can be sent as a single file.

Where things are: ``experiment.py`` (``write_report``: the header, then the design's
section), ``arms.py``, ``grid.py`` (grid and lhs), ``sensitivity.py`` (sobol and morris),
``document.py`` (Markdown and HTML), ``results.py`` (reading the folder), ``wording.py``
(every sentence and label, and number formats: the file to translate) and ``measures.py``
(every measure's label, unit and better direction the report uses).
"""

import matplotlib

matplotlib.use("Agg")  # figures are written to files only; set before any submodule imports pyplot

from sim.report.experiment import write_report, write_reports  # noqa: E402

__all__ = ["write_report", "write_reports"]
