"""The organisation's business calendar: working days and hours in its time zone, public and
organisation holidays (:mod:`.business`), and its YAML file (:mod:`.config`, ``calendar.yaml`` or
``TOUSU_SLA_CALENDAR_FILE``). Pure computation: the SLA counts its time limits on it, routing
bounds the day a department may object to an assignment."""
