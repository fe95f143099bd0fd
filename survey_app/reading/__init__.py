"""The read side: database rows → the tables :mod:`relationships` reads, and what is kept of them.

- :mod:`~survey_app.reading.frames`: SQL rows → DataFrames, the fast way every loader reads;
- :mod:`~survey_app.reading.adult_ties`: adults and their support ties (merges, staff, the
  surest of duplicate ties);
- :mod:`~survey_app.reading.households`: household conditions per student and wave;
- :mod:`~survey_app.reading.loader`: the district's reading context and the loaders of a
  school's, a student's or a neighbourhood's tables (the one seam);
- :mod:`~survey_app.reading.flag_tables`: the same tables loaded narrow, a whole school at
  a time, for exports;
- :mod:`~survey_app.reading.stored_flags`: each school's flags stored in the database for
  exports, until the flags version moves;
- :mod:`~survey_app.reading.cache`: the one in-process caching helper
  (:func:`~survey_app.reading.cache.at_version`) and, on it, the per-school cache
  (:func:`~survey_app.reading.cache.state`, :func:`~survey_app.reading.cache.memo`);
- :mod:`~survey_app.reading.incremental`: a kept school state brought up to date after
  survey saves by reloading only the students they changed (the saves' log,
  ``respondent_change``), not the whole school.

It reads models through the database layer (and the settings' defaults); it imports no
blueprint, and services and blueprints reach the database's tables through it.
"""
