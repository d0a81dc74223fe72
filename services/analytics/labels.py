"""Labels the read models show beside codes, in Simplified Chinese and English.

Enum values and departments are labelled by the domain (:func:`shared.complaints.label`); this
module adds what only the read models show: event titles for the timeline, "unassigned" and
"anonymous".
"""

from __future__ import annotations

from shared.complaints import Lang
from shared.complaints.values import bilingual

_l = bilingual  # the table below is long enough without the full name


EVENT_TITLES: dict[str, dict[Lang, str]] = {
    "ComplaintReceived": _l("受理投诉", "Complaint received"),
    "ComplaintRegraded": _l("调整投诉级别", "Complaint regraded"),
    "ComplaintAcknowledged": _l("确认收到", "Receipt acknowledged"),
    "ComplaintAssigned": _l("派单", "Assigned to a department"),
    "ComplaintAccepted": _l("签收", "Accepted by the department"),
    "ProgressRecorded": _l("登记处理进展", "Progress recorded"),
    "ComplaintResolved": _l("答复处理结果", "Resolved"),
    "ComplaintTransferred": _l("转派", "Transferred"),
    "ComplaintEscalated": _l("升级", "Escalated"),
    "RevisitScheduled": _l("安排回访", "Revisit scheduled"),
    "FeedbackReceived": _l("收到评价", "Feedback received"),
    "ComplaintClosed": _l("结案归档", "Closed"),
    "ComplaintReopened": _l("重新处理", "Reopened"),
    "ComplaintWithdrawn": _l("投诉人撤诉", "Withdrawn"),
    "ComplaintClosedAsNotAComplaint": _l("非投诉，致谢结案", "Closed as not a complaint"),
    "SlaWarningRaised": _l("时限预警", "Time limit warning"),
    "SlaBreached": _l("超过时限", "Time limit breached"),
    "SlaCalendarYearUnknown": _l("工作日历缺少该年度节假日", "Working calendar lacks that year"),
    "CommandRejected": _l("操作被拒绝", "Command refused"),
    "ComplaintPutOnHold": _l("等待投诉人（暂停计时）", "Waiting on the complainant (clock paused)"),
    "ComplaintResumed": _l("恢复处理（继续计时）", "Resumed (clock running)"),
    "SlaExtensionRequested": _l("申请延期", "Extension requested"),
    "SlaExtensionApproved": _l("批准延期", "Extension approved"),
    "SlaExtensionDeclined": _l("驳回延期", "Extension declined"),
    "ComplainantDataErased": _l("投诉人个人信息已删除", "Complainant's personal data erased"),
    "ComplaintLinkedAsPossibleDuplicate": _l("疑似重复投诉", "Linked as a possible duplicate"),
    "ComplaintMerged": _l("合并到其他投诉", "Merged into another complaint"),
    "ComplaintReturnedForCorrection": _l("退回补正", "Returned for correction"),
    "ComplaintCorrectionLapsed": _l("逾期未补正", "Correction lapsed"),
    "DuplicateMergedInto": _l("重复投诉已并入", "A duplicate was merged into it"),
}
"""Timeline titles by event type."""

UNASSIGNED = _l("未派单", "Unassigned")
"""The department label of a complaint not yet dispatched."""

ANONYMOUS = _l("匿名", "Anonymous")
"""How an anonymous complainant is shown."""


def event_title(event_type: str) -> dict[Lang, str]:
    """The timeline title of an event type; an unknown type is shown as itself."""
    return EVENT_TITLES.get(event_type, _l(event_type, event_type))
