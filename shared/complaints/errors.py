"""Why a command is refused: stable reason codes with English and Chinese explanations.

A refusal is not an exception to callers: ``decide`` turns a :class:`Rejection` into a
``CommandRejected`` event. Exceptions that do escape this package are programming or data
errors (:class:`UnexpectedEvent`, :class:`StreamOutOfOrder`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class RejectionCode(StrEnum):
    """Stable reason codes of ``CommandRejected.reason_code``; clients may branch on them."""

    UNKNOWN_COMPLAINT = "unknown_complaint"
    ALREADY_RECEIVED = "already_received"
    NOT_PERMITTED = "not_permitted"
    NOT_OWNER = "not_owner"
    NOT_ASSIGNED = "not_assigned"
    NOT_ACCEPTED = "not_accepted"
    WRONG_STATE = "wrong_state"
    ALREADY_CLOSED = "already_closed"
    FEEDBACK_ON_OPEN_COMPLAINT = "feedback_on_open_complaint"
    SAME_DEPARTMENT = "same_department"
    INVALID_SCORE = "invalid_score"
    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    ALREADY_ESCALATED = "already_escalated"
    ALREADY_RECORDED = "already_recorded"
    SAME_GRADE = "same_grade"
    ALREADY_ON_HOLD = "already_on_hold"
    NOT_ON_HOLD = "not_on_hold"
    EXTENSION_TOO_LATE = "extension_too_late"
    EXTENSION_PENDING = "extension_pending"
    NO_EXTENSION_PENDING = "no_extension_pending"
    CONSENT_IN_FUTURE = "consent_in_future"
    AWAITING_CORRECTION = "awaiting_correction"
    MERGE_INTO_SELF = "merge_into_self"
    MERGE_TARGET_UNKNOWN = "merge_target_unknown"
    MERGE_TARGET_FINAL = "merge_target_final"
    ALREADY_REPORTED = "already_reported"
    NOT_REPORTED = "not_reported"
    UNRESOLVABLE_WITHOUT_REASON = "unresolvable_without_reason"
    UNRESOLVABLE_WITHOUT_PLAN = "unresolvable_without_plan"
    NOT_FLAGGED = "not_flagged"
    OBJECTION_TOO_LATE = "objection_too_late"
    OBJECTION_PENDING = "objection_pending"
    NO_OBJECTION_PENDING = "no_objection_pending"
    NO_OTHER_DEPARTMENT = "no_other_department"
    COOPERATION_WITH_ITSELF = "cooperation_with_itself"
    ALREADY_COOPERATING = "already_cooperating"
    NOT_COOPERATING = "not_cooperating"
    COOPERATION_ALREADY_ACCEPTED = "cooperation_already_accepted"
    COOPERATION_NOT_ACCEPTED = "cooperation_not_accepted"
    CONTRIBUTIONS_MISSING = "contributions_missing"
    NO_EIGHT_D_CASE = "no_eight_d_case"
    EIGHT_D_OPEN = "eight_d_open"
    EIGHT_D_CLOSED = "eight_d_closed"
    EIGHT_D_INCOMPLETE = "eight_d_incomplete"
    EIGHT_D_NO_QUALITY_ENGINEER = "eight_d_no_quality_engineer"


_MESSAGES: dict[RejectionCode, tuple[str, str]] = {
    RejectionCode.COOPERATION_WITH_ITSELF: (
        "{department} leads this complaint; the lead department cannot co-operate with itself.",
        "{department_zh}是该投诉的牵头部门，不能作为自己的协同部门。",
    ),
    RejectionCode.ALREADY_COOPERATING: (
        "Already asked to co-operate on this complaint (or named twice): {departments}.",
        "以下部门已是该投诉的协同部门（或被重复指定）：{departments_zh}。",
    ),
    RejectionCode.NOT_COOPERATING: (
        "{cooperating} has no open co-operation request on this complaint; cannot {verb} it.",
        "{cooperating_zh}在该投诉上没有待办的协同请求，不能{verb_zh}。",
    ),
    RejectionCode.COOPERATION_ALREADY_ACCEPTED: (
        "The co-operation request on this complaint has already been signed for.",
        "该投诉的协同请求已签收，不能重复签收。",
    ),
    RejectionCode.COOPERATION_NOT_ACCEPTED: (
        "Sign for the co-operation request before recording a contribution.",
        "请先签收协同请求，再提交协同意见。",
    ),
    RejectionCode.CONTRIBUTIONS_MISSING: (
        "The contributions of the co-operating departments are not all in ({missing}); the lead "
        "answers once they are, or a supervisor resolves with an override reason.",
        "协同部门的意见尚未全部提交（{missing_zh}）；须待其提交后由牵头部门答复，或由主管填写理由后强制答复。",
    ),
    RejectionCode.NO_EIGHT_D_CASE: (
        "The complaint has no open 8D case; cannot {verb} it.",
        "该投诉没有进行中的 8D，不能{verb_zh}。",
    ),
    RejectionCode.EIGHT_D_OPEN: (
        "The complaint's 8D case {case} is still open; a complaint has one open case at a time.",
        "该投诉的第 {case} 个 8D 仍在进行中，同一投诉同时只能有一个进行中的 8D。",
    ),
    RejectionCode.EIGHT_D_CLOSED: (
        "The complaint's 8D case {case} is closed (D8 recorded); nothing more is recorded on it.",
        "该投诉的第 {case} 个 8D 已结案（D8 已登记），不能再登记。",
    ),
    RejectionCode.EIGHT_D_INCOMPLETE: (
        "D8 closes the 8D case only once D1 to D7 are recorded; missing: {missing}.",
        "须先登记 D1 至 D7 才能登记 D8 结案；尚缺：{missing_zh}。",
    ),
    RejectionCode.EIGHT_D_NO_QUALITY_ENGINEER: (
        "The 8D team (D1) must include at least one quality engineer.",
        "8D 团队（D1）中至少须有一名质量工程师。",
    ),
    RejectionCode.OBJECTION_TOO_LATE: (
        "An objection to an assignment is raised by the end of the working day it was assigned; "
        "{department} was given this complaint at {assigned_at} and that working day ended at {ended}.",
        "对派单的异议须在派单当个工作日结束前提出；{department_zh}于 {assigned_at} 接到该投诉，"
        "该工作日已于 {ended} 结束。",
    ),
    RejectionCode.OBJECTION_PENDING: (
        "An objection of {department} to this assignment already waits for a supervisor's decision.",
        "{department_zh}对该派单的异议正在等待主管裁定，不能重复提出。",
    ),
    RejectionCode.NO_OBJECTION_PENDING: (
        "No objection to this complaint's assignment waits for a decision; cannot {verb} it.",
        "该投诉没有待裁定的派单异议，不能{verb_zh}。",
    ),
    RejectionCode.NO_OTHER_DEPARTMENT: (
        "No routing rule names a department other than {department}; name the department to take it over.",
        "派单规则没有指向{department_zh}以外的部门，请指定接手部门。",
    ),
    RejectionCode.UNKNOWN_COMPLAINT: (
        "No complaint has been received under this number; cannot {verb} it.",
        "该编号下没有已受理的投诉，无法{verb_zh}。",
    ),
    RejectionCode.ALREADY_RECEIVED: (
        "Complaint {complaint_no} has already been received.",
        "投诉 {complaint_no} 已受理，不能重复受理。",
    ),
    RejectionCode.NOT_PERMITTED: (
        "The role {role} may not {verb} a complaint.",
        "「{role_zh}」角色无权{verb_zh}投诉。",
    ),
    RejectionCode.NOT_OWNER: (
        "Only the responsible department ({department}) may {verb} this complaint.",
        "只有责任部门（{department_zh}）可以{verb_zh}该投诉。",
    ),
    RejectionCode.NOT_ASSIGNED: (
        "Cannot {verb} a complaint before it is assigned to a department.",
        "投诉尚未派单到责任部门，不能{verb_zh}。",
    ),
    RejectionCode.NOT_ACCEPTED: (
        "Cannot {verb} a complaint before the responsible department has accepted it.",
        "责任部门尚未签收该投诉，不能{verb_zh}。",
    ),
    RejectionCode.WRONG_STATE: (
        "Cannot {verb} a complaint whose status is {status}.",
        "投诉当前状态为「{status_zh}」，不能{verb_zh}。",
    ),
    RejectionCode.ALREADY_CLOSED: (
        "The complaint's status is {status}, which is final; cannot {verb} it.",
        "投诉状态为「{status_zh}」（已终结），不能再{verb_zh}。",
    ),
    RejectionCode.FEEDBACK_ON_OPEN_COMPLAINT: (
        "Feedback is taken only after the complaint is resolved; its status is {status}.",
        "投诉尚未答复（当前状态「{status_zh}」），不能评价。",
    ),
    RejectionCode.SAME_DEPARTMENT: (
        "The complaint already belongs to {department}; transfer it to another department.",
        "投诉已由{department_zh}负责，只能转派给其他部门。",
    ),
    RejectionCode.SAME_GRADE: (
        "The complaint is already graded {grade}; regrade it to another grade.",
        "投诉已是该级别（{grade}），只能改为其他级别。",
    ),
    RejectionCode.INVALID_SCORE: (
        "A satisfaction score must be from 1 to 5, not {score}.",
        "满意度评分须为 1 至 5 分，收到的是 {score}。",
    ),
    RejectionCode.ALREADY_ACKNOWLEDGED: (
        "The complainant has already been told the complaint was received.",
        "已向投诉人确认收到，不能重复确认。",
    ),
    RejectionCode.ALREADY_ESCALATED: (
        "The complaint is already escalated to level {current}; level {level} is not higher.",
        "投诉已升级至第 {current} 级，第 {level} 级并不更高。",
    ),
    RejectionCode.ALREADY_RECORDED: (
        "This {what} has already been recorded.",
        "该{what_zh}已记录，不再重复记录。",
    ),
    RejectionCode.ALREADY_ON_HOLD: (
        "The complaint is already waiting on the complainant.",
        "投诉已处于等待投诉人状态。",
    ),
    RejectionCode.NOT_FLAGGED: (
        "The complaint carries no risk flag; there is nothing to clear.",
        "投诉没有舆情风险标记，无需解除。",
    ),
    RejectionCode.NOT_ON_HOLD: (
        "The complaint is not waiting on the complainant; there is nothing to resume.",
        "投诉并未处于等待投诉人状态，无需恢复。",
    ),
    RejectionCode.EXTENSION_TOO_LATE: (
        "An extension must be requested at least one working day before the deadline "
        "({deadline}); one working day from now is {notice_until}.",
        "延期须在时限截止（{deadline}）前至少一个工作日申请；自现在起一个工作日后为 {notice_until}。",
    ),
    RejectionCode.EXTENSION_PENDING: (
        "An extension of the {stage} time limit is already waiting for a supervisor's decision.",
        "「{stage_zh}」时限已有待主管审批的延期申请。",
    ),
    RejectionCode.NO_EXTENSION_PENDING: (
        "No extension of the {stage} time limit is waiting for a decision.",
        "「{stage_zh}」时限没有待审批的延期申请。",
    ),
    RejectionCode.CONSENT_IN_FUTURE: (
        "The complainant's consent ({consent_at}) cannot be later than the request ({at}).",
        "投诉人同意时间（{consent_at}）不能晚于申请时间（{at}）。",
    ),
    RejectionCode.AWAITING_CORRECTION: (
        "The submission was returned to its channel for correction and is not received yet; "
        "cannot {verb} it.",
        "该提交已退回渠道补正，尚未受理，不能{verb_zh}。",
    ),
    RejectionCode.MERGE_INTO_SELF: (
        "A complaint cannot be merged into itself.",
        "投诉不能合并到自身。",
    ),
    RejectionCode.MERGE_TARGET_UNKNOWN: (
        "No complaint {into} has been received; cannot merge into it.",
        "没有已受理的投诉 {into}，无法合并到该投诉。",
    ),
    RejectionCode.MERGE_TARGET_FINAL: (
        "Complaint {into} is {into_status}, which is final; merge into an open complaint.",
        "投诉 {into} 状态为「{into_status_zh}」（已终结），只能合并到未结案的投诉。",
    ),
    RejectionCode.ALREADY_REPORTED: (
        "The matter has already been reported to the director and waits for an instruction.",
        "该事项已上报总监，正在等待总监批示，不能重复上报。",
    ),
    RejectionCode.NOT_REPORTED: (
        "No matter of this complaint waits for the director's instruction; cannot {verb} it.",
        "该投诉没有等待总监批示的上报事项，不能{verb_zh}。",
    ),
    RejectionCode.UNRESOLVABLE_WITHOUT_REASON: (
        "A complaint is closed as unresolvable only with the reason why it cannot be resolved.",
        "以无法解决结案时，必须填写无法解决的原因。",
    ),
    RejectionCode.UNRESOLVABLE_WITHOUT_PLAN: (
        "A complaint is closed as unresolvable only with the follow-up plan.",
        "以无法解决结案时，必须填写后续跟进计划。",
    ),
}


class Rejection(Exception):
    """A refused command, with its reason in English and Chinese."""

    def __init__(self, code: RejectionCode, reason: str, reason_zh: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.reason_zh = reason_zh


def reject(code: RejectionCode, **context: Any) -> Rejection:
    """The rejection for ``code``, its messages filled in from ``context``."""
    en, zh = _MESSAGES[code]
    return Rejection(code, en.format(**context), zh.format(**context))


class UnexpectedEvent(TypeError):
    """An event that does not belong to a complaint stream was folded."""


class StreamOutOfOrder(ValueError):
    """Stored events were folded out of order or with a gap in their stream versions."""
