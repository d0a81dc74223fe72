"""A complaint's lifecycle, one module per stage: each declares its events and commands, decides
each command (``@decides``) and evolves the state by each event (``@evolves``), see
:mod:`shared.complaints.kernel`. Importing this package registers them all.

* :mod:`.receipt`: received (受理), acknowledged, returned for correction and lapsed;
* :mod:`.grading`: regraded, linked as a possible duplicate;
* :mod:`.dispatch`: assigned (派单), accepted (签收), transferred (转派), escalated (升级);
* :mod:`.cooperation`: lead and co-operating departments (牵头/协同), their sign-for and contributions;
* :mod:`.objection`: the department's objection to its assignment (异议) and the supervisor's decision;
* :mod:`.handling`: progress, on hold and resumed, resolved (答复);
* :mod:`.time_limits`: SLA warnings, breaches and extensions (时限);
* :mod:`.revisit`: the revisit (回访) and the complainant's feedback;
* :mod:`.risk`: flagged as a reputational risk (舆情风险) for the PR owner, and cleared;
* :mod:`.closure`: closed (结案), reopened, withdrawn, not a complaint, merged, data erased;
* :mod:`.green_channel`: an urgent complaint made known at once to its department head and supervisors;
* :mod:`.beyond_authority`: a matter beyond the handler's authority reported to the director (批示);
* :mod:`.unresolvable`: closed as unresolvable, with the reason and the follow-up plan;
* :mod:`.upgrade`: an upgraded complaint (升级投诉) linked to the one whose answer was rejected;
* :mod:`.eight_d`: the 8D case of a severe complaint, D1 (team) to D8 (closure).

A new stage is a new module here, imported below.
"""

from shared.complaints.stages import (
    beyond_authority,
    closure,
    cooperation,
    dispatch,
    eight_d,
    grading,
    green_channel,
    handling,
    objection,
    receipt,
    revisit,
    risk,
    time_limits,
    unresolvable,
    upgrade,
)

__all__ = [
    "beyond_authority",
    "closure",
    "cooperation",
    "dispatch",
    "eight_d",
    "grading",
    "green_channel",
    "handling",
    "objection",
    "receipt",
    "revisit",
    "risk",
    "time_limits",
    "unresolvable",
    "upgrade",
]
