// Texts of the sign-in page, in both languages (the dashboard's own texts are in dashboard.js).
export const TEXT_SIGN_IN = {
  "zh-CN": {
    title: "投诉运营看板", sign_in_title: "登录", subject_label: "登录名", token_label: "访问令牌", sign_in: "登录",
    hint: "登录名与访问令牌由管理员在令牌文件中发放；令牌只用于本次登录，浏览器不会保存它。",
    both_needed: "请填写登录名和访问令牌。", refused: "登录名或访问令牌不正确。",
    unreachable: "无法连接服务，请稍后再试。", switch: "English",
    session_ended: "登录已结束（长时间未操作，或已在别处退出），请重新登录。",
    sso_with: "使用 {name} 登录", sso_default: "单点登录", or_token: "或使用访问令牌登录：",
  },
  en: {
    title: "Complaints dashboard", sign_in_title: "Sign in", subject_label: "Login name", token_label: "Access token",
    sign_in: "Sign in",
    hint: "Your login name and access token are issued by an administrator in the tokens file; the token is used for this sign-in only and the browser does not keep it.",
    both_needed: "Enter your login name and access token.", refused: "The login name or access token is not right.",
    unreachable: "The service cannot be reached; try again shortly.", switch: "中文",
    session_ended: "Your session has ended (inactive too long, or signed out elsewhere); please sign in again.",
    sso_with: "Sign in with {name}", sso_default: "single sign-on", or_token: "Or sign in with an access token:",
  },
};
