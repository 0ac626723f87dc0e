"""Chinese (zh-CN, the default) and English for the pages: ``t(key)`` in the request's language.

The language comes from ``?lang=zh|en`` (remembered in a cookie), else the cookie, else the
browser's Accept-Language. Category names come from ``planner.incidents.CATEGORIES`` in both.
"""

from flask import g, request

from planner.incidents import CATEGORIES

__all__ = ["DRAW_LOCAL_ZH", "LANGUAGES", "STATUS_TITLES", "category_name", "draw_texts", "language", "other_language", "remember_language", "t"]

LANGUAGES = ("zh", "en")
STATUS_TITLES = {400: ("请求有误", "Bad request"), 401: ("请先登录", "Sign in first"), 403: ("无权访问", "Forbidden"),
                 404: ("找不到", "Not found"), 405: ("方法不允许", "Method not allowed"), 409: ("冲突", "Conflict"),
                 413: ("内容过大", "Too large"), 429: ("请求过多", "Too many requests"),
                 503: ("暂时不可用", "Unavailable")}
TEXT = {
    "dispatcher": ("调度台", "Dispatcher console"),
    "planner": ("规划工作台", "Planner workspace"),
    "officer": ("巡逻路线", "Patrol route"),
    "api": ("接口文档", "API description"),
    "location": ("经度,纬度 或 地址", "lon,lat or address"),
    "dispatch": ("推荐", "Recommend"),
    "recommended": ("推荐", "recommended"),
    "assign": ("派遣", "Assign"),
    "arrive": ("到达", "Arrived"),
    "close": ("结案", "Close"),
    "click_map": ("点击地图即可上报位置", "Click the map to place the report"),
    "patrol": ("巡逻组", "patrol"),
    "mode": ("方式", "mode"),
    "eta": ("预计到达", "ETA"),
    "distance": ("距离", "distance"),
    "within": ("达标", "within target"),
    "excluded": ("不可用", "excluded"),
    "active": ("进行中的派遣", "active dispatches"),
    "none": ("无", "none"),
    "position_age": ("位置更新于", "position age"),
    "min_ago": ("分钟前", "min ago"),
    "no_position": ("无位置", "no position"),
    "assigned": ("已派遣", "assigned"),
    "arrived": ("已到达", "arrived"),
    "all_covered": ("所有责任区均可在时限内到达", "all zones covered"),
    "not_covered": ("部分街道超出时限", "NOT all covered"),
    "worst": ("最长响应", "worst"),
    "within_min": ("分钟内", "min target"),
    "uncovered": ("超时街道", "uncovered streets"),
    "hotspots": ("拥堵点", "congestion points"),
    "hot_segments": ("热点路段", "hot segments"),
    "key_blocks": ("重点街区", "key blocks"),
    "standby": ("待命点", "standby points"),
    "zones": ("责任区", "zones"),
    "category": ("类别", "category"),
    "all": ("全部", "all"),
    "days": ("天数", "days"),
    "hours": ("时段", "hours"),
    "filter": ("筛选", "Filter"),
    "edit_zone": ("重画责任区", "Redraw zone"),
    "edit_help": ("选择责任区，在地图上画出或修改其边界，然后保存为新版本。",
                  "Choose a zone, draw or edit its boundary on the map, then save it as a new version."),
    "save_version": ("保存为新版本", "Save as new version"),
    "comment": ("说明", "comment"),
    "saved": ("已保存为版本", "saved as version"),
    "compare": ("比较版本", "Compare versions"),
    "moved": ("调整街道", "streets moved"),
    "download": ("下载", "Download"),
    "version": ("版本", "version"),
    "compute": ("计算", "Compute"),
    "route": ("路线", "route"),
    "stops": ("站点", "stops"),
    "navigate": ("导航", "navigate"),
    "next_stop": ("下一站", "Next stop"),
    "today_hotspots": ("今日拥堵点", "today's congestion points"),
    "sign_out": ("退出", "Sign out"),
    "sign_in": ("登录", "Sign in"),
    "error": ("错误", "error"),
    "jobs": ("后台任务", "Background jobs"),
    "start": ("开始", "Start"),
    "cancel": ("取消", "Cancel"),
    "job_queued": ("排队中", "queued"),
    "job_running": ("运行中", "running"),
    "job_done": ("已完成", "done"),
    "job_failed": ("失败", "failed"),
    "job_cancelled": ("已取消", "cancelled"),
    "job_standby": ("待命点", "standby points"),
    "job_zones_generate": ("生成责任区", "generate zones"),
    "job_routes_plan": ("规划巡逻路线", "plan routes"),
    "job_simulate": ("模拟一天", "simulate a day"),
    "job_lists_xlsx": ("清单 (XLSX)", "list (XLSX)"),
    "job_city_build": ("构建城市", "build the city"),
    "job_incidents_import": ("导入事件", "import incidents"),
    "list_tasks": ("任务清单", "tasks"),
    "list_responsibility": ("责任清单", "responsibilities"),
    "list_assessment": ("考核清单", "assessment"),
    "open_version": ("查看新版本", "open the new version"),
    "points_on_map": ("个待命点已画在地图上", "standby points drawn on the map"),
    "within_target_share": ("时限内到达比例", "reached within target"),
    "routes_planned": ("条路线", "routes planned"),
    "rows": ("行", "rows"),
    "job_hourly_check": ("全天候覆盖检查（7×24）", "hour-by-hour coverage (7 x 24)"),
    "job_staffing": ("分时段警力配置", "staffing per hour"),
    "target_share": ("达标比例", "target share"),
    "rate_scale": ("警情倍数", "report rate x"),
    "hour_strip": ("每周 7×24 小时覆盖：格内为最坏到达时间（分钟），颜色为时限内街道比例",
                   "7 x 24 hours of the week: worst case (min) in each cell, colour = share of street km within target"),
    "weekdays": ("周一,周二,周三,周四,周五,周六,周日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
    "patrols_on_duty": ("在岗巡逻组", "patrols on duty"),
    "covered_share": ("时限内街道", "street km within target"),
    "backup_share": ("第二支援也达标", "also within target of a second patrol"),
    "reports_share": ("历史犬只警情达标", "past dog reports within target"),
    "all_hours_covered": ("每个小时都能在时限内到达所有街道", "every hour reaches every street within target"),
    "failing_hours": ("未达标时段", "hours that fail"),
    "uncovered_streets": ("超时街道", "streets beyond target"),
    "staffing_title": ("每小时建议在岗巡逻组", "recommended patrols on duty per hour"),
    "simulated_share": ("模拟达标 %", "simulated within target %"),
    "patrols": ("巡逻组", "patrols"),
    "roster_xlsx": ("排班表 (XLSX)", "roster (XLSX)"),
    "mode_car": ("汽车", "car"),
    "mode_ebike": ("电动车", "e-bike"),
    "mode_foot": ("步行", "foot"),
    "zone_table": ("责任区一览", "zones at a glance"),
    "visits_per_shift": ("每班巡查次数", "visits per shift"),
    "reports_per_day": ("日均警情", "reports per day"),
    "share_of_shift": ("占班次时间", "share of the shift"),
    "compare_note": ("括号内为最长响应，对比版本", "in brackets: worst case in version"),
    "plan_bases": ("在基地待命", "patrols at their bases"),
    "legend": ("图例", "Legend"),
    "username": ("用户名", "username"),
    "product_name": ("巡逻规划", "patrol-planner"),
    "password": ("密码", "password"),
    "zoom_in": ("放大", "Zoom in"),
    "zoom_out": ("缩小", "Zoom out"),
    "layers": ("图层", "Layers"),
    "leaflet_title": ("Leaflet 交互地图库", "A JavaScript library for interactive maps"),
    "legend_good": ("最长响应", "worst case"),
    "legend_tight": ("最长响应", "worst case"),
    "legend_over": ("超出承诺时间", "beyond the promise"),
    "legend_label": ("责任区标签：编号与最长响应（分钟）", "zone labels: id and worst case (min)"),
    "zone_labels": ("责任区标签", "zone labels"),
    "stop_base": ("基地", "base"),
    "stop_block": ("重点街区", "key block"),
    "stop_hotspot": ("聚集点", "congestion point"),
    "stop_patrol": ("巡查点", "patrol stop"),
    "minutes": ("分钟", "min"),
    "click_map_help": ("右键（手机上长按）地图即在该处新建报告；点击巡逻组查看详情",
                       "Right-click (long-press on a phone) the map for a report there; click a patrol to select it"),
    "new_report_here": ("在此新建报告", "New report here"),
    "report_place": ("报告位置", "Report at"),
    "address_match": ("地址匹配", "address matched"),
    "confidence": ("可信度", "confidence"),
    "time_left": ("剩余", "left"),
    "late_by": ("已超时", "late by"),
    "assigned_at": ("派遣于", "assigned"),
    "by": ("调度员", "by"),
    "selected_patrol": ("已选巡逻组", "Selected patrol"),
    "status": ("状态", "status"),
    "working": ("计算中…", "working…"),
    "reason": ("理由", "reason"),
    "zone": ("责任区", "zone"),
    "street": ("街道", "street"),
    "plan_routes": ("按巡逻路线", "patrols on their routes"),
    # live operations: the console's feed and the officer's phone
    "accept": ("接受", "Accept"),
    "accepted": ("已接受", "accepted"),
    "closed": ("已办结", "closed"),
    "open_reports": ("待派遣报告", "Open reports"),
    "no_open_reports": ("最近两小时没有待派遣的报告", "No open reports in the last two hours"),
    "dispatch_this": ("派遣", "Dispatch"),
    "live_on": ("实时更新中", "live"),
    "live_off": ("正在重新连接…", "reconnecting…"),
    "new_stray_dog": ("新的流浪犬报告", "New stray-dog report"),
    "new_report": ("新报告", "New report"),
    "about_to_miss": ("即将超时", "about to miss its target"),
    "seconds_ago": ("秒前", "s ago"),
    "assignment": ("当前任务", "Current assignment"),
    "no_assignment": ("暂无任务", "No assignment"),
    "outcome": ("处置结果", "outcome"),
    "outcome_resolved": ("已处置", "resolved"),
    "outcome_not_found": ("现场未发现", "not found"),
    "outcome_referred": ("已移交", "referred"),
    "note": ("备注", "note"),
    "position": ("位置", "Position"),
    "position_off": ("位置未开启：请允许本页使用定位", "Position off: allow this page to use your location"),
    "position_sent": ("位置已发送", "position sent"),
    "positions_waiting": ("个位置待发送（离线）", "positions waiting to send (offline)"),
    "position_refused": ("位置未被接受", "position refused"),
    "accuracy": ("精度", "accuracy"),
    "route_to_report": ("前往报告的路线", "route to the report"),
    "audit_log": ("审计日志", "Audit log"),
    "actor": ("操作人", "who"),
    "origin": ("来源地址", "from"),
    "action": ("操作", "action"),
    "subject": ("对象", "subject"),
    "detail": ("详情", "detail"),
    "time": ("时间", "time"),
    "all_actions": ("全部操作", "all actions"),
    "older": ("更早的记录", "older lines"),
    # the audit log's actions
    "action_dispatch.assign": ("派遣", "dispatch assigned"),
    "action_dispatch.accept": ("接受派遣", "dispatch accepted"),
    "action_dispatch.arrive": ("到达现场", "arrived"),
    "action_dispatch.close": ("结案", "dispatch closed"),
    "action_incident.report": ("接入报告", "report received"),
    "action_incidents.import": ("导入报告", "reports imported"),
    "action_zones.save": ("保存责任区版本", "zone version saved"),
    "action_token.add": ("创建令牌", "token made"),
    "action_token.revoke": ("吊销令牌", "token revoked"),
    "action_token.use": ("使用令牌", "token used"),
    "action_token.refused": ("拒绝令牌", "token refused"),
    "action_patrols.import": ("导入巡逻组", "roster imported"),
    "action_position.refused": ("拒绝位置", "position refused"),
}


# Leaflet Draw's toolbar and hints in Chinese (merged into L.drawLocal; keys as in leaflet.draw's own English)
DRAW_LOCAL_ZH = {
    "draw": {
        "toolbar": {
            "actions": {"title": "取消绘制", "text": "取消"},
            "finish": {"title": "完成绘制", "text": "完成"},
            "undo": {"title": "删除最后一个点", "text": "删除最后一点"},
            "buttons": {"polygon": "画多边形", "rectangle": "画矩形"},
        },
        "handlers": {
            "polygon": {"tooltip": {"start": "点击开始绘制", "cont": "点击继续绘制", "end": "点击第一个点闭合图形"}},
            "polyline": {"error": "<strong>错误：</strong>边不能相交！",
                         "tooltip": {"start": "点击开始画线", "cont": "点击继续画线", "end": "点击最后一点结束"}},
            "rectangle": {"tooltip": {"start": "按住并拖动画矩形"}},
            "simpleshape": {"tooltip": {"end": "松开鼠标完成绘制"}},
        },
    },
    "edit": {
        "toolbar": {
            "actions": {"save": {"title": "保存修改", "text": "保存"}, "cancel": {"title": "放弃修改", "text": "取消"},
                        "clearAll": {"title": "清除全部图形", "text": "全部清除"}},
            "buttons": {"edit": "编辑图形", "editDisabled": "没有可编辑的图形", "remove": "删除图形",
                        "removeDisabled": "没有可删除的图形"},
        },
        "handlers": {
            "edit": {"tooltip": {"text": "拖动顶点或标记来修改图形", "subtext": "点击取消放弃修改"}},
            "remove": {"tooltip": {"text": "点击图形将其删除"}},
        },
    },
}


def draw_texts() -> dict | None:
    """Leaflet Draw's texts for the request's language (None: its own English)."""
    return DRAW_LOCAL_ZH if language() == "zh" else None


def _city_language() -> str:
    """The served city's language ('zh' for Chinese cities, else 'en'): the default without a browser preference."""
    from flask import current_app

    from geo.errors import PatrolError

    try:
        language_tag = current_app.extensions["patrol"].city.profile.language
    except (KeyError, PatrolError):
        return "zh"
    return "zh" if language_tag.startswith("zh") else "en"


def language() -> str:
    """The request's language: 'zh' or 'en'."""
    if "lang" not in g:
        chosen = request.args.get("lang") or request.cookies.get("lang")
        if chosen not in LANGUAGES:
            best = request.accept_languages.best_match(["zh", "zh-CN", "en"]) or _city_language()
            chosen = "en" if best.startswith("en") else "zh"
        g.lang = chosen
    return g.lang


def t(key: str) -> str:
    """The text for ``key`` in the request's language."""
    zh, en = TEXT[key]
    return zh if language() == "zh" else en


def category_name(category: str) -> str:
    """A category's name in the request's language (its key if unknown)."""
    names = CATEGORIES.get(category)
    return category if names is None else names[0 if language() == "zh" else 1]


def other_language() -> dict:
    """The link to the same page in the other language: ``{"url": ..., "label": ...}``."""
    from urllib.parse import urlencode

    args = {k: v for k, v in request.args.items() if k != "lang"}
    other = "en" if language() == "zh" else "zh"
    return {"url": f"{request.path}?{urlencode(args | {'lang': other})}", "label": "English" if other == "en" else "中文"}


def remember_language(response):
    """After a request that chose a language with ``?lang=``, keep it in a cookie."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie("lang", chosen, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response
