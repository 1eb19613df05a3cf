"""`mock-thaid check-rp`: a battery of generic ThaiD scenarios run against any relying party.

It speaks HTTP only, like the scenario runner: to the relying party as a headless browser
(``scenarios.runner.follow``) and to the mock through its control API, with every fault scoped
to the RP's own ``client_id``. It never resets the mock. Modules, one concept each:

  profile.py    the YAML profile: what the RP shows on success and on refusal, and its hooks
  browser.py    one headless person: a login through the RP, and what it looked like
  control.py    the mock's control API: faults scoped to one client, the clock, the event log
  rows.py       the battery: one row per behaviour, each judged passed / failed / not applicable
  texts.py      what each row expects, why, and the usual fix (texts.yaml, Thai and English)
  report.py     console lines, JUnit XML and the HTML report card (templates/report.html)
  main.py       the command: run the battery, write the reports, exit 1 when a row failed
"""
