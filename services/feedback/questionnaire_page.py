"""The questionnaire page (问卷回访) the complainant opens from the link: plain HTML, no script,
in Simplified Chinese (default) or English, fit for a phone 360 px wide.

Each control has a label, the radio groups are fieldsets with legends, the page keeps the
browser's focus ring, so it works with a keyboard and a screen reader. No personal data is
shown: only the complaint number.
"""

from __future__ import annotations

from html import escape
from typing import Literal

from shared.complaints.values import Lang

Screen = Literal["form", "thanks", "used", "expired", "unknown", "closed", "invalid"]

TEXTS: dict[str, dict[Lang, str]] = {
    "title": {"zh-CN": "投诉处理回访问卷", "en": "Follow-up on your complaint"},
    "intro": {
        "zh-CN": "感谢您反馈投诉 {no}。请花一分钟告诉我们处理结果。",
        "en": "Thank you for your complaint {no}. Please take a minute to tell us how it was handled.",
    },
    "solved": {"zh-CN": "您的问题解决了吗？", "en": "Was the problem solved?"},
    "yes": {"zh-CN": "已解决", "en": "Yes, solved"},
    "no": {"zh-CN": "未解决", "en": "No, not solved"},
    "score": {"zh-CN": "您对服务的满意度（1–5 分）", "en": "How satisfied are you with the service (1–5)?"},
    "score_1": {"zh-CN": "1 分 · 非常不满意", "en": "1 · Very dissatisfied"},
    "score_2": {"zh-CN": "2 分 · 不满意", "en": "2 · Dissatisfied"},
    "score_3": {"zh-CN": "3 分 · 一般", "en": "3 · Neutral"},
    "score_4": {"zh-CN": "4 分 · 满意", "en": "4 · Satisfied"},
    "score_5": {"zh-CN": "5 分 · 非常满意", "en": "5 · Very satisfied"},
    "comment": {"zh-CN": "补充意见（选填）", "en": "Anything to add (optional)"},
    "upgrade": {
        "zh-CN": "问题未解决：我不认可处理结果，就此问题提出新的（升级）投诉",
        "en": "Not solved: I reject the answer and open a new (escalated) complaint about this",
    },
    "submit": {"zh-CN": "提交", "en": "Submit"},
    "thanks": {
        "zh-CN": "感谢您的反馈，我们已记录。",
        "en": "Thank you, your answer has been recorded.",
    },
    "reopened": {
        "zh-CN": "我们已将投诉退回责任部门重新处理，并会再次与您联系。",
        "en": "Your complaint goes back to the department to be handled again; we will contact you.",
    },
    "upgraded": {
        "zh-CN": "您的升级投诉已提交，我们会另行告知新的投诉编号。",
        "en": "Your escalated complaint has been submitted; you will be told its new number.",
    },
    "used": {
        "zh-CN": "此问卷链接已使用过，每个链接只能提交一次。如需帮助，请联系客服。",
        "en": "This questionnaire link has already been used; each link can be answered once. "
        "Please contact customer service if you need help.",
    },
    "expired": {
        "zh-CN": "此问卷链接已过期。如需反馈，请联系客服获取新的链接。",
        "en": "This questionnaire link has expired. Please contact customer service for a new one.",
    },
    "unknown": {
        "zh-CN": "找不到此问卷链接，请检查链接是否完整。",
        "en": "This questionnaire link was not found; please check that it is complete.",
    },
    "closed": {
        "zh-CN": "此投诉的回访已完成，无需再次填写。",
        "en": "The follow-up on this complaint is already complete; nothing more is needed.",
    },
    "invalid": {
        "zh-CN": "请回答“问题是否已解决”并选择 1–5 分的满意度；只有未解决时才能提出升级投诉。",
        "en": "Please say whether the problem was solved and choose a score from 1 to 5; an "
        "escalated complaint can only be opened when it was not solved.",
    },
    "switch": {"zh-CN": "English", "en": "中文"},
}

STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
color:#1a1a1a;background:#f5f6f8}
main{max-width:36rem;margin:0 auto;padding:1rem}
header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;flex-wrap:wrap}
h1{font-size:1.35rem;margin:.5rem 0}
a{color:#0b57d0}
fieldset{border:1px solid #c4c7cc;border-radius:8px;margin:1rem 0;padding:.75rem 1rem;background:#fff}
legend{font-weight:600;padding:0 .25rem}
label.choice{display:flex;align-items:center;gap:.6rem;min-height:44px;cursor:pointer}
input[type=radio],input[type=checkbox]{width:1.25rem;height:1.25rem;margin:0;flex:none}
textarea{width:100%;min-height:6rem;font:inherit;padding:.5rem;border:1px solid #767676;border-radius:6px}
.field{display:block;font-weight:600;margin:1rem 0 .35rem}
button{font:inherit;font-weight:600;color:#fff;background:#0b57d0;border:0;border-radius:8px;
padding:.75rem 1.5rem;min-height:48px;width:100%;margin-top:1rem;cursor:pointer}
:focus-visible{outline:3px solid #b3261e;outline-offset:2px}
.note{background:#fff;border-left:4px solid #0b57d0;padding:.75rem 1rem;border-radius:4px}
.error{border-left-color:#b3261e}
"""


def t(key: str, lang: Lang, **values: str) -> str:
    return escape(TEXTS[key][lang].format(**values))


def render(screen: Screen, lang: Lang, token: str, complaint_no: str = "", **flags: bool) -> str:
    """The whole page for ``screen``; ``flags``: ``reopened``, ``upgraded`` on the thanks screen."""
    other: Lang = "en" if lang == "zh-CN" else "zh-CN"
    body = (
        _form(lang, token, complaint_no, error=screen == "invalid")
        if screen in ("form", "invalid")
        else _note(screen, lang, **flags)
    )
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{t('title', lang)}</title><style>{STYLE}</style></head><body><main>"
        f'<header><h1>{t("title", lang)}</h1><a href="?lang={other}" lang="{other}" hreflang="{other}">'
        f"{t('switch', lang)}</a></header>{body}</main></body></html>"
    )


def _note(screen: Screen, lang: Lang, **flags: bool) -> str:
    if screen != "thanks":
        # whoever opens a dead link may not read the page's language: the other one follows
        other: Lang = "en" if lang == "zh-CN" else "zh-CN"
        return (
            f'<p class="note error" role="alert">{t(screen, lang)}</p>'
            f'<p class="note error" lang="{other}">{t(screen, other)}</p>'
        )
    parts = [t("thanks", lang)]
    if flags.get("reopened"):
        parts.append(t("reopened", lang))
    if flags.get("upgraded"):
        parts.append(t("upgraded", lang))
    return f'<p class="note" role="status">{" ".join(parts)}</p>'


def _form(lang: Lang, token: str, complaint_no: str, *, error: bool) -> str:
    warning = f'<p class="note error" role="alert" id="problem">{t("invalid", lang)}</p>' if error else ""
    scores = "".join(
        f'<label class="choice"><input type="radio" name="score" value="{n}" required>'
        f"{t(f'score_{n}', lang)}</label>"
        for n in range(1, 6)
    )
    return (
        f"<p>{t('intro', lang, no=complaint_no)}</p>{warning}"
        f'<form method="post" action="?lang={lang}">'
        f"<fieldset><legend>{t('solved', lang)}</legend>"
        '<label class="choice"><input type="radio" name="solved" value="yes" required>'
        f"{t('yes', lang)}</label>"
        f'<label class="choice"><input type="radio" name="solved" value="no">{t("no", lang)}</label>'
        f"</fieldset><fieldset><legend>{t('score', lang)}</legend>{scores}</fieldset>"
        f'<label class="field" for="comment">{t("comment", lang)}</label>'
        '<textarea id="comment" name="comment" maxlength="2000"></textarea>'
        '<label class="choice"><input type="checkbox" name="upgrade" value="yes">'
        f"{t('upgrade', lang)}</label>"
        f'<button type="submit">{t("submit", lang)}</button></form>'
    )
