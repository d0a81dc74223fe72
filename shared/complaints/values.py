"""Value types of the complaint domain, with their Chinese and English labels.

Every enum value is a stable code (it is stored in events and on Kafka); what users see comes
from :func:`label`. Departments are plain string codes, because each organisation configures
its own; the usual ones have labels in :data:`DEPARTMENTS`, and an unknown code labels as itself.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shared.clock import ensure_utc
from shared.events.envelope import Role

Lang = Literal["zh-CN", "en"]
"""The languages labels are kept in."""

UtcDatetime = Annotated[datetime, AfterValidator(ensure_utc)]
"""A timezone-aware instant, normalised to UTC; a naive datetime is rejected."""

COMPLAINT_NO_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
"""What a complaint number can be. Intake gives every complaint, imported history included, a
number ``TS-<local date>-<sequence>`` (services/intake/numbers.py: 18 characters, the sequence
zero-padded to six digits and never cut, so at most 31); the source system's own id of an
imported record is kept beside it (``ImportedHistory.row_id``), never used as the number. The
rule leaves room beyond that and keeps out what no number contains (spaces, slashes, non-ASCII),
so a request naming such a complaint is refused as invalid instead of looked up."""

ComplaintNo = Annotated[str, StringConstraints(pattern=COMPLAINT_NO_PATTERN)]
"""A complaint number in a request body (:data:`COMPLAINT_NO_PATTERN`)."""


class Channel(StrEnum):
    """Where the complaint came in (受理渠道)."""

    HOTLINE = "hotline"
    ONLINE = "online"
    WEB_FORM = "web_form"
    APP = "app"
    EMAIL = "email"
    LETTER = "letter"
    ON_SITE = "on_site"
    SUGGESTION_BOX = "suggestion_box"
    AFTER_SALES_REVISIT = "after_sales_revisit"
    STORE = "store"
    EMPLOYEE_PLATFORM = "employee_platform"
    FACE_TO_FACE = "face_to_face"
    EMPLOYEE_MAILBOX = "employee_mailbox"
    REFERRAL = "referral"
    """Referred by a regulator, a government hotline (12345, 12315) or another agency (上级/监管转办)."""


class ComplainantKind(StrEnum):
    """Who complains: an outside customer or partner, or an employee."""

    CUSTOMER = "customer"
    EMPLOYEE = "employee"


class Category(StrEnum):
    """What the complaint is about (分类)."""

    PRODUCT_QUALITY = "product_quality"
    SERVICE_ATTITUDE = "service_attitude"
    AFTER_SALES = "after_sales"
    DELIVERY = "delivery"
    BILLING = "billing"
    PAY_BENEFITS = "pay_benefits"
    PERFORMANCE_REVIEW = "performance_review"
    WORK_ENVIRONMENT = "work_environment"
    FACILITIES = "facilities"
    OTHER = "other"


class Grade(StrEnum):
    """Severity grade (分级). An organisation grades by one scheme (see :data:`GRADING_SCHEMES`):
    general/complex/urgent (urgent: personal safety or major company interests), level 1/2/3
    (service desk; level 3 is a formal complaint), or general/batch/severe (manufacturing)."""

    GENERAL = "general"
    COMPLEX = "complex"
    URGENT = "urgent"
    LEVEL_1 = "level_1"
    LEVEL_2 = "level_2"
    LEVEL_3 = "level_3"
    BATCH = "batch"
    SEVERE = "severe"


GRADING_SCHEMES: dict[str, tuple[Grade, ...]] = {
    "general_complex_urgent": (Grade.GENERAL, Grade.COMPLEX, Grade.URGENT),
    "levels": (Grade.LEVEL_1, Grade.LEVEL_2, Grade.LEVEL_3),
    "manufacturing": (Grade.GENERAL, Grade.BATCH, Grade.SEVERE),
}
"""The grading schemes an organisation can choose, each from the least to the most severe grade."""

BASE_GRADE: dict[Grade, Grade] = {
    Grade.GENERAL: Grade.GENERAL,
    Grade.COMPLEX: Grade.COMPLEX,
    Grade.URGENT: Grade.URGENT,
    Grade.LEVEL_1: Grade.GENERAL,
    Grade.LEVEL_2: Grade.COMPLEX,
    Grade.LEVEL_3: Grade.URGENT,
    Grade.BATCH: Grade.COMPLEX,
    Grade.SEVERE: Grade.URGENT,
}
"""The general/complex/urgent grade of equal severity, for policies written for those three
(e.g. SLA time limits) when a complaint carries a grade of another scheme."""


class Status(StrEnum):
    """Where a complaint is in its life cycle. Escalation and the reopen flag are not statuses."""

    RECEIVED = "received"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REVISIT_PENDING = "revisit_pending"
    CLOSED = "closed"
    REOPENED = "reopened"
    TRANSFERRED = "transferred"
    WITHDRAWN = "withdrawn"
    CLOSED_NOT_COMPLAINT = "closed_not_complaint"
    AWAITING_CORRECTION = "awaiting_correction"
    """Returned to the channel for missing fields; not yet received (no ComplaintReceived)."""
    CORRECTION_LAPSED = "correction_lapsed"
    """Returned for correction and not corrected in time; final, never received."""
    MERGED = "merged"
    """Merged into another complaint (a duplicate); final, worked on as the surviving one."""


class SlaStage(StrEnum):
    """The time limit an SLA warning, breach or escalation is about."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    ACKNOWLEDGEMENT = "acknowledgement"
    """Tell the complainant the complaint was received (确认收到)."""
    INITIAL_PLAN = "initial_plan"
    """Contact the complainant with an initial plan or handling opinion (初步方案)."""
    PROGRESS_UPDATE = "progress_update"
    """The next progress update is due (进展反馈); restarts at every update."""
    REVISIT = "revisit"
    """Revisit (回访) the complainant after the resolution."""
    DIRECTOR_REPORT = "director_report"
    """A matter reported as beyond the handler's authority waits for the director's instruction."""
    COOPERATION_ACCEPTANCE = "cooperation_acceptance"
    """A co-operating department (协同部门) signs for the co-operation request (协同签收)."""
    COOPERATION_CONTRIBUTION = "cooperation_contribution"
    """A co-operating department records its contribution (协同意见) for the lead department."""
    EIGHT_D_CONTAINMENT = "eight_d_containment"
    """An 8D case's containment (D3 临时围堵措施), due round the clock from the case's opening."""
    EIGHT_D_COUNTERMEASURE = "eight_d_countermeasure"
    """An 8D case's permanent countermeasure (D5 永久纠正措施), due in working days."""
    EIGHT_D_CLOSURE = "eight_d_closure"
    """An 8D case's closure (D8 结案), the whole case due within days of its opening."""


class CloseReason(StrEnum):
    """Why a complaint was closed (结案原因)."""

    SATISFIED = "satisfied"
    ACKNOWLEDGED = "acknowledged"
    UNRESOLVABLE = "unresolvable"
    """It cannot be resolved: closed with the reason and the follow-up plan recorded."""


class RevisitChannel(StrEnum):
    """How the revisit (回访) reached the complainant."""

    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    QUESTIONNAIRE = "questionnaire"
    """The complainant answered the single-use questionnaire link themselves."""


class ReopenTrigger(StrEnum):
    """What reopened a complaint."""

    FEEDBACK = "feedback"
    SUPERVISOR = "supervisor"


class Flag(StrEnum):
    """Marks shown beside the status; they never block work on the complaint."""

    ESCALATED = "escalated"
    REOPENED = "reopened"
    ON_HOLD = "on_hold"
    """Waiting on the complainant: the resolution and progress clocks are paused."""


class Discipline(StrEnum):
    """The eight disciplines of an 8D case (8D 报告), in order."""

    D1 = "D1"
    """The team (组建团队), with at least one quality engineer."""
    D2 = "D2"
    D3 = "D3"
    """Containment (临时围堵措施)."""
    D4 = "D4"
    D5 = "D5"
    """The permanent corrective action (永久纠正措施)."""
    D6 = "D6"
    D7 = "D7"
    D8 = "D8"
    """Closure and the team's recognition (结案与团队表彰): the case closes."""


class EightDTrigger(StrEnum):
    """What opened an 8D case."""

    SEVERE_GRADE = "severe_grade"
    """The complaint was received graded severe (严重)."""
    RECURRENCE = "recurrence"
    """Intake's recurrence rule raised the grade to severe at receipt."""
    REGRADE = "regrade"
    """A person regraded the complaint to severe."""
    MANUAL = "manual"
    """A supervisor or quality engineer opened one for a complaint that is not severe."""


class TeamRole(StrEnum):
    """A member's part in an 8D team (D1)."""

    LEADER = "leader"
    QUALITY_ENGINEER = "quality_engineer"
    MEMBER = "member"


class ProgressKind(StrEnum):
    """What a progress record is."""

    UPDATE = "update"
    """A progress update (进展); restarts the progress-update clock."""
    PLAN = "plan"
    """The initial plan or handling opinion (初步方案); stops the initial-plan clock."""


class CooperationStatus(StrEnum):
    """Where one co-operating department's (协同部门) part in a complaint stands."""

    REQUESTED = "requested"
    """Asked to co-operate; not signed for yet."""
    ACCEPTED = "accepted"
    """Signed for (协同签收); its contribution is awaited."""
    CONTRIBUTED = "contributed"
    """Its contribution is recorded."""
    WAIVED = "waived"
    """A supervisor let the lead resolve without it (with a reason)."""
    WITHDRAWN = "withdrawn"
    """The request was withdrawn (by the lead or a supervisor, or the department became the lead)."""


OPEN_COOPERATION: frozenset[CooperationStatus] = frozenset(
    {CooperationStatus.REQUESTED, CooperationStatus.ACCEPTED}
)
"""A co-operation whose contribution is still awaited."""


FINAL_STATUSES: frozenset[Status] = frozenset(
    {Status.CLOSED, Status.WITHDRAWN, Status.CLOSED_NOT_COMPLAINT, Status.CORRECTION_LAPSED, Status.MERGED}
)
"""Nothing happens to a complaint in one of these, except a permitted reopen of a closed one."""

OPEN_STATUSES: frozenset[Status] = frozenset(Status) - FINAL_STATUSES
"""Every status a complaint is still being worked in (awaiting_correction: waiting on the channel)."""


def bilingual(zh: str, en: str) -> dict[Lang, str]:
    """A text in both languages, as the label tables keep it."""
    return {"zh-CN": zh, "en": en}


_l = bilingual  # the tables below are long enough without the full name


class Label(BaseModel):
    """A text for people, in Simplified Chinese and English: ``{"zh-CN": ..., "en": ...}``."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    zh_cn: str = Field(alias="zh-CN", description="Simplified Chinese.")
    en: str = Field(description="English.")

    @classmethod
    def of(cls, zh: str, en: str) -> Label:
        return cls(zh_cn=zh, en=en)

    def texts(self) -> dict[Lang, str]:
        return bilingual(self.zh_cn, self.en)


class Name(Label):
    """A label an organisation writes in a policy file (a department's, a rating's): both
    languages filled in, nothing else beside them unless the file's model adds it."""

    model_config = ConfigDict(extra="forbid")

    zh_cn: str = Field(alias="zh-CN", min_length=1, description="Simplified Chinese, e.g. 质量部.")
    en: str = Field(min_length=1, description="English, e.g. Quality.")


LABELS: dict[type[StrEnum], dict[StrEnum, dict[Lang, str]]] = {
    Channel: {
        Channel.HOTLINE: _l("客服热线", "Hotline"),
        Channel.ONLINE: _l("在线客服", "Online service"),
        Channel.WEB_FORM: _l("网站表单", "Web form"),
        Channel.APP: _l("手机应用", "App"),
        Channel.EMAIL: _l("电子邮件", "Email"),
        Channel.LETTER: _l("书面信函", "Letter"),
        Channel.ON_SITE: _l("现场反馈", "On site"),
        Channel.SUGGESTION_BOX: _l("意见箱", "Suggestion box"),
        Channel.AFTER_SALES_REVISIT: _l("售后回访", "After-sales revisit"),
        Channel.STORE: _l("线下门店", "Store"),
        Channel.EMPLOYEE_PLATFORM: _l("内部沟通平台", "Employee platform"),
        Channel.FACE_TO_FACE: _l("面对面沟通", "Face to face"),
        Channel.EMPLOYEE_MAILBOX: _l("员工信箱", "Employee mailbox"),
        Channel.REFERRAL: _l("上级/监管转办", "Referral (regulator or agency)"),
    },
    ComplainantKind: {
        ComplainantKind.CUSTOMER: _l("客户", "Customer"),
        ComplainantKind.EMPLOYEE: _l("员工", "Employee"),
    },
    Category: {
        Category.PRODUCT_QUALITY: _l("产品质量", "Product quality"),
        Category.SERVICE_ATTITUDE: _l("服务态度", "Service attitude"),
        Category.AFTER_SALES: _l("售后服务", "After-sales"),
        Category.DELIVERY: _l("配送物流", "Delivery"),
        Category.BILLING: _l("账单费用", "Billing"),
        Category.PAY_BENEFITS: _l("薪酬福利", "Pay and benefits"),
        Category.PERFORMANCE_REVIEW: _l("绩效考核", "Performance review"),
        Category.WORK_ENVIRONMENT: _l("工作环境", "Work environment"),
        Category.FACILITIES: _l("设施设备", "Facilities"),
        Category.OTHER: _l("其他", "Other"),
    },
    Grade: {
        Grade.GENERAL: _l("一般", "General"),
        Grade.COMPLEX: _l("复杂", "Complex"),
        Grade.URGENT: _l("紧急", "Urgent"),
        Grade.LEVEL_1: _l("一级（常规咨询）", "Level 1"),
        Grade.LEVEL_2: _l("二级（复杂咨询/故障）", "Level 2"),
        Grade.LEVEL_3: _l("三级（正式投诉）", "Level 3"),
        Grade.BATCH: _l("批量", "Batch"),
        Grade.SEVERE: _l("严重", "Severe"),
    },
    Status: {
        Status.RECEIVED: _l("已受理", "Received"),
        Status.ASSIGNED: _l("已派单", "Assigned"),
        Status.ACCEPTED: _l("已签收", "Accepted"),
        Status.IN_PROGRESS: _l("处理中", "In progress"),
        Status.RESOLVED: _l("已答复", "Resolved"),
        Status.REVISIT_PENDING: _l("待回访", "Revisit pending"),
        Status.CLOSED: _l("已结案", "Closed"),
        Status.REOPENED: _l("重新处理", "Reopened"),
        Status.TRANSFERRED: _l("已转派", "Transferred"),
        Status.WITHDRAWN: _l("已撤回", "Withdrawn"),
        Status.CLOSED_NOT_COMPLAINT: _l("非投诉已致谢结案", "Closed as not a complaint"),
        Status.AWAITING_CORRECTION: _l("退回补正中", "Returned for correction"),
        Status.CORRECTION_LAPSED: _l("逾期未补正", "Correction lapsed"),
        Status.MERGED: _l("已合并", "Merged"),
    },
    SlaStage: {
        SlaStage.FIRST_RESPONSE: _l("首次响应", "First response"),
        SlaStage.RESOLUTION: _l("处理完成", "Resolution"),
        SlaStage.ACKNOWLEDGEMENT: _l("确认收到", "Acknowledgement"),
        SlaStage.INITIAL_PLAN: _l("初步方案", "Initial plan"),
        SlaStage.PROGRESS_UPDATE: _l("进展反馈", "Progress update"),
        SlaStage.REVISIT: _l("回访", "Revisit"),
        SlaStage.DIRECTOR_REPORT: _l("上报总监", "Report to the director"),
        SlaStage.COOPERATION_ACCEPTANCE: _l("协同签收", "Co-operation sign-for"),
        SlaStage.COOPERATION_CONTRIBUTION: _l("协同意见", "Co-operation contribution"),
        SlaStage.EIGHT_D_CONTAINMENT: _l("8D 临时围堵", "8D containment"),
        SlaStage.EIGHT_D_COUNTERMEASURE: _l("8D 永久措施", "8D permanent countermeasure"),
        SlaStage.EIGHT_D_CLOSURE: _l("8D 结案", "8D closure"),
    },
    CloseReason: {
        CloseReason.SATISFIED: _l("投诉人满意", "Complainant satisfied"),
        CloseReason.ACKNOWLEDGED: _l("投诉人认可处理方案", "Complainant acknowledged the solution"),
        CloseReason.UNRESOLVABLE: _l(
            "无法解决，已记录原因及后续计划", "Unresolvable, reason and follow-up plan recorded"
        ),
    },
    RevisitChannel: {
        RevisitChannel.PHONE: _l("电话回访", "Phone"),
        RevisitChannel.SMS: _l("短信回访", "SMS"),
        RevisitChannel.EMAIL: _l("邮件回访", "Email"),
        RevisitChannel.QUESTIONNAIRE: _l("问卷回访", "Questionnaire"),
    },
    ReopenTrigger: {
        ReopenTrigger.FEEDBACK: _l("投诉人不满意", "Complainant dissatisfied"),
        ReopenTrigger.SUPERVISOR: _l("主管重新打开", "Reopened by a supervisor"),
    },
    Flag: {
        Flag.ESCALATED: _l("已升级", "Escalated"),
        Flag.REOPENED: _l("重新打开", "Reopened"),
        Flag.ON_HOLD: _l("等待投诉人", "Waiting on the complainant"),
    },
    ProgressKind: {
        ProgressKind.UPDATE: _l("进展", "Progress update"),
        ProgressKind.PLAN: _l("初步方案", "Initial plan"),
    },
    CooperationStatus: {
        CooperationStatus.REQUESTED: _l("待协同签收", "Requested"),
        CooperationStatus.ACCEPTED: _l("已协同签收", "Signed for"),
        CooperationStatus.CONTRIBUTED: _l("已提交协同意见", "Contributed"),
        CooperationStatus.WAIVED: _l("主管免除", "Waived by a supervisor"),
        CooperationStatus.WITHDRAWN: _l("已撤销", "Withdrawn"),
    },
    Role: {
        Role.CHANNEL: _l("受理渠道", "Channel"),
        Role.AGENT: _l("坐席", "Agent"),
        Role.SUPERVISOR: _l("主管", "Supervisor"),
        Role.OPERATOR: _l("运维人员", "Operator"),
        Role.AUDITOR: _l("审计员", "Auditor"),
        Role.ADMIN: _l("管理员", "Administrator"),
        Role.SERVICE: _l("系统服务", "Service"),
        Role.COMPLAINANT: _l("投诉人", "Complainant"),
        Role.DIRECTOR: _l("总监", "Director"),
        Role.DEPARTMENT_HEAD: _l("部门负责人", "Department head"),
        Role.PR_OWNER: _l("公关负责人", "Public-relations owner"),
        Role.QUALITY_ENGINEER: _l("质量工程师", "Quality engineer"),
    },
    Discipline: {
        Discipline.D1: _l("D1 组建团队", "D1 Team"),
        Discipline.D2: _l("D2 问题描述", "D2 Problem description"),
        Discipline.D3: _l("D3 临时围堵措施", "D3 Containment"),
        Discipline.D4: _l("D4 根本原因", "D4 Root cause"),
        Discipline.D5: _l("D5 永久纠正措施", "D5 Permanent corrective action"),
        Discipline.D6: _l("D6 实施与验证", "D6 Implement and validate"),
        Discipline.D7: _l("D7 预防再发生", "D7 Prevent recurrence"),
        Discipline.D8: _l("D8 结案与团队表彰", "D8 Closure and team recognition"),
    },
    EightDTrigger: {
        EightDTrigger.SEVERE_GRADE: _l("严重投诉", "Severe complaint"),
        EightDTrigger.RECURRENCE: _l("重复发生升为严重", "Recurrence made it severe"),
        EightDTrigger.REGRADE: _l("改级为严重", "Regraded to severe"),
        EightDTrigger.MANUAL: _l("人工发起", "Opened by hand"),
    },
    TeamRole: {
        TeamRole.LEADER: _l("组长", "Team leader"),
        TeamRole.QUALITY_ENGINEER: _l("质量工程师", "Quality engineer"),
        TeamRole.MEMBER: _l("组员", "Member"),
    },
}
"""Labels of every enum value, by enum type, so equal codes of different enums never collide."""

DEPARTMENTS: dict[str, dict[Lang, str]] = {
    "customer_service": _l("客服部", "Customer Service"),
    "quality": _l("质量部", "Quality"),
    "after_sales": _l("售后服务部", "After-Sales Service"),
    "logistics": _l("物流部", "Logistics"),
    "finance": _l("财务部", "Finance"),
    "hr": _l("人力资源部", "Human Resources"),
    "administration": _l("行政部", "Administration"),
}
"""Labels of the usual department codes; organisations may use other codes."""


def label(value: StrEnum | str, lang: Lang = "zh-CN") -> str:
    """The user-facing label of an enum value, or of a department code (plain string).

    A department code without a label is shown as the code itself.
    """
    if isinstance(value, StrEnum):
        try:
            return LABELS[type(value)][value][lang]
        except KeyError:
            raise KeyError(f"no {lang} label for {type(value).__name__}.{value.name}") from None
    labels = DEPARTMENTS.get(value)
    return labels[lang] if labels is not None else value
