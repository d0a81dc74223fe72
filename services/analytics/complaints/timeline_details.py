"""A timeline event's summary, told to people: each kept field with its name and its value
labelled in Simplified Chinese and English (stages, departments, roles, reasons, scores, local
times), so the page shows no code. A field nobody has named here is left out rather than shown raw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from services.analytics.complaints.models import Label, TimelineDetail
from shared.complaints import (
    Category,
    Channel,
    CloseReason,
    ComplainantKind,
    Grade,
    ReopenTrigger,
    SlaStage,
    label,
)
from shared.complaints.errors import RejectionCode
from shared.complaints.values import Discipline, EightDTrigger, RevisitChannel
from shared.events import Role

_l = Label.of  # the tables below are long enough without the full name


def _same(text: str) -> Label:
    return Label(zh_cn=text, en=text)


FIELD_NAMES: dict[str, Label] = {
    "channel": _l("渠道", "Channel"),
    "complainant_kind": _l("投诉人类型", "Complainant"),
    "anonymous": _l("匿名", "Anonymous"),
    "category": _l("分类", "Category"),
    "grade": _l("等级", "Grade"),
    "previous_grade": _l("原等级", "Previous grade"),
    "subject": _l("主题", "Subject"),
    "received_at": _l("受理时间", "Received"),
    "product_refs": _l("涉及产品", "Products"),
    "department": _l("部门", "Department"),
    "from_department": _l("原部门", "From department"),
    "to_department": _l("转至部门", "To department"),
    "rule": _l("派单规则", "Routing rule"),
    "agent": _l("处理人（登录名）", "Handled by (login name)"),
    "level": _l("升级级别", "Escalation level"),
    "to_role": _l("升级至", "Escalated to"),
    "stage": _l("时限环节", "Time limit"),
    "deadline": _l("截止时间", "Deadline"),
    "due_at": _l("到期时间", "Due"),
    "satisfied": _l("是否满意", "Satisfied"),
    "score": _l("满意度评分", "Satisfaction score"),
    "acknowledged": _l("认可处理方案", "Accepted the solution"),
    "reason": _l("结案原因", "Close reason"),
    "reopen_count": _l("重开次数", "Times reopened"),
    "trigger": _l("重开原因", "Reopened because"),
    "fraction": _l("已用时限", "Time used"),
    "years": _l("缺少节假日的年度", "Years without holidays"),
    "command": _l("被拒绝的操作", "Refused action"),
    "reason_code": _l("拒绝原因", "Refused because"),
    "on_hold_since": _l("暂停开始", "On hold since"),
    "extension": _l("延期", "Extension"),
    "consent_at": _l("投诉人同意时间", "Complainant consented"),
    "of": _l("疑似重复于", "Possible duplicate of"),
    "into": _l("并入", "Merged into"),
    "duplicate": _l("并入的重复投诉", "Duplicate merged in"),
    "window_days": _l("比对窗口（天）", "Window (days)"),
    "similarity": _l("相似度", "Similarity"),
    "notified_roles": _l("已通知", "Notified"),
    "notified": _l("已通知人员（登录名）", "Notified (login names)"),
    "original": _l("原投诉", "Original complaint"),
    "escalated": _l("已升级", "Escalated"),
    "rules": _l("风险规则", "Risk rules"),
    "source": _l("标记方式", "Flagged by"),
    "objected_until": _l("异议截止", "Objection due by"),
    "lead_department": _l("牵头部门", "Lead department"),
    "departments": _l("协同部门", "Co-operating departments"),
    "case": _l("8D 编号", "8D case"),
    "cause": _l("启动原因", "Opened because"),
    "discipline": _l("8D 步骤", "8D discipline"),
    "again": _l("重新登记", "Recorded again"),
    "opened_at": _l("8D 启动时间", "8D opened"),
}
"""The name of each summary field shown on the timeline; fields not named here are not shown."""

NOT_SHOWN = frozenset({"complainant_id", "via", "consent_via", "message_key", "missing_fields"})
"""Summary fields the timeline leaves out: a pseudonym, and free-form codes of the channels and
forms (how a message went out, which intake fields were missing) that have no labels."""

COMMANDS: dict[str, Label] = {
    "ReceiveComplaint": _l("受理投诉", "receive the complaint"),
    "RegradeComplaint": _l("调整级别", "regrade"),
    "AcknowledgeComplaint": _l("确认收到", "acknowledge receipt"),
    "AssignComplaint": _l("派单", "assign"),
    "AcceptComplaint": _l("签收", "accept"),
    "RecordProgress": _l("登记进展", "record progress"),
    "ResolveComplaint": _l("答复处理结果", "resolve"),
    "TransferComplaint": _l("转派", "transfer"),
    "EscalateComplaint": _l("升级", "escalate"),
    "ScheduleRevisit": _l("安排回访", "schedule a revisit"),
    "GiveFeedback": _l("评价", "give feedback"),
    "ReopenComplaint": _l("重新处理", "reopen"),
    "WithdrawComplaint": _l("撤诉", "withdraw"),
    "CloseAsNotAComplaint": _l("非投诉结案", "close as not a complaint"),
    "RaiseSlaWarning": _l("时限预警", "warn of a time limit"),
    "RecordSlaBreach": _l("记录超时", "record a breach"),
    "PutComplaintOnHold": _l("暂停计时", "put on hold"),
    "ResumeComplaint": _l("恢复计时", "resume"),
    "RequestSlaExtension": _l("申请延期", "request an extension"),
    "ApproveSlaExtension": _l("批准延期", "approve an extension"),
    "DeclineSlaExtension": _l("驳回延期", "decline an extension"),
    "LinkPossibleDuplicate": _l("标记疑似重复", "link as a possible duplicate"),
    "MergeComplaint": _l("合并", "merge"),
    "ReturnForCorrection": _l("退回补正", "return for correction"),
    "LapseCorrection": _l("补正逾期", "lapse the correction"),
    "RecordMergedDuplicate": _l("记录并入的重复投诉", "record a merged duplicate"),
    "OpenGreenChannel": _l("开通绿色通道", "open the green channel"),
    "ReportBeyondAuthority": _l("超出权限上报总监", "report to the director"),
    "RecordDirectorInstruction": _l("登记总监批示", "record the director's instruction"),
    "CloseAsUnresolvable": _l("以无法解决结案", "close as unresolvable"),
    "LinkUpgradedComplaint": _l("关联为升级投诉", "link as an upgraded complaint"),
    "FlagRiskAutomatically": _l("自动标记舆情风险", "flag as a risk by the rules"),
    "FlagRisk": _l("人工标记舆情风险", "flag as a risk"),
    "ClearRiskFlag": _l("解除舆情风险标记", "clear the risk flag"),
    "ObjectToAssignment": _l("对派单提出异议", "object to the assignment"),
    "DecideObjection": _l("裁定派单异议", "decide the objection"),
    "RequestCooperation": _l("发起协同", "request co-operation"),
    "AcceptCooperation": _l("协同签收", "sign for the co-operation"),
    "RecordContribution": _l("提交协同意见", "record a contribution"),
    "WithdrawCooperation": _l("撤销协同", "withdraw the co-operation"),
    "OpenEightDCase": _l("启动 8D", "open an 8D case"),
    "RecordEightDDiscipline": _l("登记 8D 步骤", "record an 8D discipline"),
    "HandEightDCaseOver": _l("移交 8D", "hand the 8D case over"),
}

REJECTIONS: dict[RejectionCode, Label] = {
    RejectionCode.UNKNOWN_COMPLAINT: _l("没有该编号的投诉", "no complaint under this number"),
    RejectionCode.ALREADY_RECEIVED: _l("已受理，不能重复受理", "already received"),
    RejectionCode.NOT_PERMITTED: _l("该角色无权操作", "the role may not do this"),
    RejectionCode.NOT_OWNER: _l("不是责任部门", "not the responsible department"),
    RejectionCode.NOT_ASSIGNED: _l("尚未派单", "not assigned yet"),
    RejectionCode.NOT_ACCEPTED: _l("责任部门尚未签收", "not accepted by the department yet"),
    RejectionCode.WRONG_STATE: _l("当前状态不允许", "not allowed in the current status"),
    RejectionCode.ALREADY_CLOSED: _l("投诉已终结", "the complaint is final"),
    RejectionCode.FEEDBACK_ON_OPEN_COMPLAINT: _l("尚未答复，不能评价", "no feedback before the reply"),
    RejectionCode.SAME_DEPARTMENT: _l("已在该部门", "already with that department"),
    RejectionCode.INVALID_SCORE: _l("评分无效", "invalid score"),
    RejectionCode.ALREADY_ACKNOWLEDGED: _l("已确认收到", "already acknowledged"),
    RejectionCode.ALREADY_ESCALATED: _l("已升级到该级别", "already escalated to that level"),
    RejectionCode.ALREADY_RECORDED: _l("已记录", "already recorded"),
    RejectionCode.SAME_GRADE: _l("级别未变", "the grade is the same"),
    RejectionCode.ALREADY_ON_HOLD: _l("已在暂停中", "already on hold"),
    RejectionCode.NOT_ON_HOLD: _l("未暂停", "not on hold"),
    RejectionCode.EXTENSION_TOO_LATE: _l("时限已过，不能延期", "too late for an extension"),
    RejectionCode.EXTENSION_PENDING: _l("已有待批的延期申请", "an extension is already pending"),
    RejectionCode.NO_EXTENSION_PENDING: _l("没有待批的延期申请", "no extension is pending"),
    RejectionCode.CONSENT_IN_FUTURE: _l("同意时间在未来", "the consent is dated in the future"),
    RejectionCode.AWAITING_CORRECTION: _l("退回补正中，尚未受理", "returned for correction, not received"),
    RejectionCode.MERGE_INTO_SELF: _l("不能并入自身", "cannot merge into itself"),
    RejectionCode.MERGE_TARGET_UNKNOWN: _l("目标投诉不存在", "the target complaint does not exist"),
    RejectionCode.MERGE_TARGET_FINAL: _l("目标投诉已终结", "the target complaint is final"),
    RejectionCode.ALREADY_REPORTED: _l("已上报总监，等待批示", "already reported to the director"),
    RejectionCode.NOT_REPORTED: _l("没有等待总监批示的事项", "nothing waits for the director"),
    RejectionCode.UNRESOLVABLE_WITHOUT_REASON: _l("未填写无法解决的原因", "no reason why it is unresolvable"),
    RejectionCode.UNRESOLVABLE_WITHOUT_PLAN: _l("未填写后续计划", "no follow-up plan"),
    RejectionCode.NOT_FLAGGED: _l("没有风险标记", "no risk flag"),
    RejectionCode.OBJECTION_TOO_LATE: _l("派单当个工作日已过，不能提出异议", "too late to object"),
    RejectionCode.OBJECTION_PENDING: _l("已有待裁定的异议", "an objection is already pending"),
    RejectionCode.NO_OBJECTION_PENDING: _l("没有待裁定的异议", "no objection is pending"),
    RejectionCode.NO_OTHER_DEPARTMENT: _l("派单规则没有其他部门", "no rule names another department"),
    RejectionCode.COOPERATION_WITH_ITSELF: _l(
        "牵头部门不能协同自己", "the lead cannot co-operate with itself"
    ),
    RejectionCode.ALREADY_COOPERATING: _l("已是协同部门", "already co-operating"),
    RejectionCode.NOT_COOPERATING: _l("没有待办的协同请求", "no open co-operation request"),
    RejectionCode.COOPERATION_ALREADY_ACCEPTED: _l(
        "协同请求已签收", "the co-operation is already signed for"
    ),
    RejectionCode.COOPERATION_NOT_ACCEPTED: _l("协同请求尚未签收", "the co-operation is not signed for yet"),
    RejectionCode.CONTRIBUTIONS_MISSING: _l("协同意见尚未全部提交", "contributions still missing"),
    RejectionCode.NO_EIGHT_D_CASE: _l("没有进行中的 8D", "no open 8D case"),
    RejectionCode.EIGHT_D_OPEN: _l("已有进行中的 8D", "an 8D case is already open"),
    RejectionCode.EIGHT_D_CLOSED: _l("8D 已结案", "the 8D case is closed"),
    RejectionCode.EIGHT_D_INCOMPLETE: _l("D1 至 D7 尚未登记完", "D1 to D7 are not all recorded"),
    RejectionCode.EIGHT_D_NO_QUALITY_ENGINEER: _l(
        "8D 团队缺少质量工程师", "no quality engineer in the 8D team"
    ),
}

RISK_SOURCES: dict[str, Label] = {
    "auto": _l("风险规则自动标记", "The risk rules"),
    "manual": _l("工作人员人工标记", "A member of staff"),
}

YES, NO = _l("是", "yes"), _l("否", "no")


def _enum(*kinds: type[StrEnum]) -> Callable[[Any, ZoneInfo], Label]:
    """The value labelled as a member of the first of ``kinds`` that has it."""

    def render(value: Any, _zone: ZoneInfo) -> Label:
        for kind in kinds:
            try:
                member = kind(value)
            except ValueError:
                continue
            return Label(zh_cn=label(member, "zh-CN"), en=label(member, "en"))
        return _same(str(value))

    return render


def _department(value: Any, _zone: ZoneInfo) -> Label:
    return Label(zh_cn=label(str(value), "zh-CN"), en=label(str(value), "en"))


def _departments(value: Any, _zone: ZoneInfo) -> Label:
    codes = [str(v) for v in (value if isinstance(value, list) else [value])]
    return Label(
        zh_cn="、".join(label(c, "zh-CN") for c in codes), en=", ".join(label(c, "en") for c in codes)
    )


def local_text(value: Any, zone: ZoneInfo) -> Label:
    """An instant as the organisation's local date and time (minutes), with the zone's offset."""
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(zone)
    text = moment.strftime("%Y-%m-%d %H:%M")
    return _same(text)


def _roles(value: Any, zone: ZoneInfo) -> Label:
    labels = [_enum(Role)(role, zone) for role in (value if isinstance(value, list) else [value])]
    return Label(zh_cn="、".join(x.zh_cn for x in labels), en=", ".join(x.en for x in labels))


def _plain(value: Any, _zone: ZoneInfo) -> Label:
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        return _same(", ".join(str(v) for v in value))
    return _same(str(value))


def _score(value: Any, _zone: ZoneInfo) -> Label:
    return _l(f"{value} 分（满分 5 分）", f"{value} of 5")


def _percent(value: Any, _zone: ZoneInfo) -> Label:
    return _same(f"{round(float(value) * 100)}%")


def _level(value: Any, _zone: ZoneInfo) -> Label:
    return _l(f"第 {value} 级", f"level {value}")


def _command(value: Any, _zone: ZoneInfo) -> Label:
    return COMMANDS.get(str(value), _same(str(value)))


def _rejection(value: Any, _zone: ZoneInfo) -> Label:
    try:
        return REJECTIONS[RejectionCode(value)]
    except (ValueError, KeyError):
        return _l("其他原因", "another reason")


def _days(value: Any, _zone: ZoneInfo) -> Label:
    return _l(f"{value} 天", f"{value} days")


def _extension(value: Any, _zone: ZoneInfo) -> Label:
    # a duration in ISO 8601 (P3D, PT12H) or seconds, as the event serialises it
    text = str(value)
    if text.startswith("P"):
        days = text[1:].split("T")[0].rstrip("D") if "D" in text else "0"
        hours = text.split("T")[1].rstrip("H") if "T" in text and text.endswith("H") else "0"
        zh = "".join(
            part for part in (f"{days} 天" if days != "0" else "", f"{hours} 小时" if hours != "0" else "")
        )
        en = " ".join(
            part for part in (f"{days} days" if days != "0" else "", f"{hours} hours" if hours != "0" else "")
        )
        return _l(zh or text, en or text)
    return _same(text)


RENDER: dict[str, Callable[[Any, ZoneInfo], Label]] = {
    # a complaint's intake channel, or the revisit's (questionnaire, sms...) on feedback
    "channel": _enum(Channel, RevisitChannel),
    "complainant_kind": _enum(ComplainantKind),
    "category": _enum(Category),
    "grade": _enum(Grade),
    "previous_grade": _enum(Grade),
    "department": _department,
    "from_department": _department,
    "to_department": _department,
    "lead_department": _department,
    "departments": _departments,
    "to_role": _enum(Role),
    "notified_roles": _roles,
    "stage": _enum(SlaStage),
    "reason": _enum(CloseReason),
    "trigger": _enum(ReopenTrigger),
    "received_at": local_text,
    "deadline": local_text,
    "due_at": local_text,
    "on_hold_since": local_text,
    "consent_at": local_text,
    "objected_until": local_text,
    "opened_at": local_text,
    "cause": _enum(EightDTrigger),
    "discipline": _enum(Discipline),
    "case": lambda value, _zone: _l(f"第 {value} 个", f"no. {value}"),
    "score": _score,
    "fraction": _percent,
    "level": _level,
    "command": _command,
    "reason_code": _rejection,
    "window_days": _days,
    "extension": _extension,
    "source": lambda value, _zone: RISK_SOURCES.get(str(value), _same(str(value))),
}


def details(summary: Mapping[str, Any], zone: ZoneInfo) -> list[TimelineDetail]:
    """The summary's named fields, in FIELD_NAMES order, each value labelled."""
    shown = []
    for key, name in FIELD_NAMES.items():
        if key not in summary or summary[key] is None or summary[key] == []:
            continue
        render = RENDER.get(key, _plain)
        shown.append(TimelineDetail(key=key, name=name, value=render(summary[key], zone)))
    return shown
