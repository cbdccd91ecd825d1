"""Calibration of a scenario's free parameters with ABC-SMC (pyabc): ``kerjasama calibrate FILE``.

* ``file``: the calibration file (``calibrations/*.toml``): scenario, free parameters and their
  priors, summary statistics with their observed values, the ABC-SMC settings; one-line errors;
* ``statistics``: what a summary statistic is and how a particle's statistics are simulated;
* ``sampler``: the deterministic sampler (the same posterior in this process, on local processes
  and on a Dask cluster) and the particles' seeds;
* ``run``: the calibration from start (or ``--resume``) to the results folder;
* ``figures``: marginal, pair and epsilon plots; ``posterior``: drawing parameter sets from a
  posterior table (``kerjasama run --posterior``); ``cli``: the subcommand.

pyabc is an optional extra (``pip install 'kerjasama[calibrate]'``), imported only inside the
functions that need it: reading and checking a calibration file never imports it.
"""
