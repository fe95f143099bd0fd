"""Long work on a job queue: roster checks and imports, context imports, large exports,
refresh-flags.

A web page records a job (``runs.create``), hands it to the queue
(``queue.submit``) and answers at once with the job's page, which shows the
progress a worker reports (``progress``) and the report when it is done.

The queue is RQ on Redis when ``REDIS_URL`` is set: ``flask jobs work`` runs an
RQ worker, as many as wanted on any machine. Without Redis (a laptop demo on
SQLite) the same command polls the ``job_run`` table instead; ``make run``
starts it beside the web server. A request never runs a job itself.

Every job writes in one transaction, committed only when it succeeds: a worker
killed midway leaves nothing half-written, and the job (its uploads stay in
``job_file`` until it succeeds) can be run again.

The job page is the blueprint in ``views.py`` (registered by the factory); the
rest of the package is services and the worker, which never import it.
"""
