"""The product's messages in the request's language.

The planner and the routing core speak English (the command line's ``--json`` keys and texts are a public
interface and stay as they are). What a person reads on a page (a recommendation's reason, why a patrol
was left out, every error) goes through ``message_text``: in Chinese each known message is rewritten by
one pattern below, its numbers, names and ids kept; in English it is returned unchanged.
"""

import re

from web.i18n import language

__all__ = ["PATTERNS", "message_text", "translated"]

_MODES = {"car": "汽车", "ebike": "电动车", "foot": "步行"}
_STATES = {"assigned": "已派遣", "accepted": "已接受", "arrived": "已到达", "closed": "已结案", "open": "待处理"}
_FIELDS = {"days": "天数", "version": "版本", "compare": "对比版本", "limit": "条数", "hours": "时段", "a": "版本 a",
           "b": "版本 b", "active": "active"}

# (English pattern, Chinese template with \g<name> groups); the first that matches the whole text wins.
PATTERNS: list[tuple[str, str]] = [
    # a recommendation's reason
    (r"fastest", "最快"),
    (r"no patrol can go", "没有可派的巡逻组"),
    (r"no patrol within (?P<m>\d+) min: the fastest", r"没有巡逻组能在 \g<m> 分钟内到达：派最快的"),
    (r"fastest; its departure leaves (?P<n>\d+) key blocks beyond (?P<m>\d+) min",
     r"最快；它离开后有 \g<n> 个重点街区超出 \g<m> 分钟"),
    (r"coverage-aware: (?P<a>\S+) arrives (?P<s>\d+) s after (?P<b>\S+) but its departure leaves (?P<n>\d+) key "
     r"blocks beyond (?P<m>\d+) min instead of (?P<k>\d+)",
     r"兼顾覆盖：\g<a> 比 \g<b> 晚 \g<s> 秒到达，但它离开后只有 \g<n> 个重点街区超出 \g<m> 分钟（而不是 \g<k> 个）"),
    # why a patrol was left out
    (r"busy", "忙碌"),
    (r"off duty", "不在班"),
    (r"stale position \(last seen (?P<m>\d+) min ago\)", r"位置过旧（\g<m> 分钟前）"),
    (r"unreachable: no street path to the report", "无法到达：没有通往报告地点的道路"),
    (r"unreachable: point \((?P<p>[^)]*)\) is (?P<d>\d+) m from the nearest (?P<mode>\w+) street \(limit (?P<l>\d+) m\).*",
     r"无法到达：点 (\g<p>) 距最近的\g<mode>道路 \g<d> 米（上限 \g<l> 米）"),
    # dispatching
    (r"\((?P<p>[^)]*)\) is outside the city: (?P<d>.+?) from any street of (?P<city>.+); check the datum or the address",
     r"(\g<p>) 不在辖区内：距\g<city>的任何道路 \g<d>；请检查坐标系或地址"),
    (r"(?P<p>\S+) was just sent to report #(?P<r>\S+) by (?P<who>\S+) \((?P<t>[\d:]+) UTC\); choose another patrol\.",
     r"\g<p> 刚被 \g<who> 派往报告 #\g<r>（UTC \g<t>）；请选择其他巡逻组。"),
    (r"(?P<p>\S+) was just sent to report #(?P<r>\S+) \((?P<t>[\d:]+) UTC\); choose another patrol\.",
     r"\g<p> 刚被派往报告 #\g<r>（UTC \g<t>）；请选择其他巡逻组。"),
    (r"patrol (?P<p>\S+) is no longer available; choose another\.", r"巡逻组 \g<p> 已不可用；请选择其他巡逻组。"),
    (r"patrol '(?P<p>[^']*)' is not among the candidates of this report\.", r"巡逻组 \g<p> 不在此报告的候选名单中。"),
    (r"no patrol to assign: none can reach the report\.", "无巡逻组可派：没有巡逻组能到达报告地点。"),
    (r"dispatch (?P<d>\d+) is (?P<s>\w+); cannot mark it (?P<n>\w+)\.", r"派遣 #\g<d> 状态为 \g<s>，不能标记为 \g<n>。"),
    (r"dispatch (?P<d>\d+) changed meanwhile; try again\.", r"派遣 #\g<d> 刚被他人修改；请重试。"),
    (r"no dispatch (?P<d>\d+) in (?P<c>\S+)\.", r"\g<c> 没有派遣 #\g<d>。"),
    (r"outcome must be one of (?P<k>.*); got (?P<v>.*)\.", r"处置结果必须是 \g<k> 之一；收到 \g<v>。"),
    (r"the note has (?P<n>\d+) characters; keep it under 500\.", r"备注有 \g<n> 个字符；请少于 500 个。"),
    (r"report #(?P<r>\d+) is (?P<s>\w+); only an open report is assigned", r"报告 #\g<r> 状态为 \g<s>；只能派遣待处理的报告"),
    (r"no report #(?P<r>\d+) in (?P<c>\S+)", r"\g<c> 没有报告 #\g<r>"),
    # phone positions
    (r"position of (?P<p>\S+) is from the future \((?P<m>\d+) min ahead of the server's clock\); check the phone's clock\.",
     r"\g<p> 的位置来自未来（比服务器时钟快 \g<m> 分钟）；请检查手机时间。"),
    (r"position of (?P<p>\S+) is (?P<h>\d+) h old; only fixes from the last 24 h are taken\.",
     r"\g<p> 的位置已是 \g<h> 小时前的；只接受最近 24 小时内的定位。"),
    (r"position of (?P<p>\S+) is (?P<d>\d+) m beyond the fix of (?P<t>[\d:]+) UTC after (?P<s>\d+) s: (?P<v>\d+) km/h, "
     r"faster than a (?P<mode>\w+) patrol can go \((?P<l>\d+) km/h\)\.",
     r"\g<p> 的位置距 UTC \g<t> 的定位 \g<d> 米、只隔 \g<s> 秒：时速 \g<v> 公里，超过\g<mode>巡逻组的可能速度（\g<l> 公里/小时）。"),
    (r"position of (?P<p>\S+) \((?P<c>[^)]*)\) is outside the city\.", r"\g<p> 的位置 (\g<c>) 不在辖区内。"),
    (r"no patrols in the store: create the demo roster with 'patrol patrols demo'\.",
     "数据库中没有巡逻组：请用 'patrol patrols demo' 创建示例名册。"),
    (r"location is required \('lon,lat' or an address\)", "请填写位置（经度,纬度 或 地址）"),
    (r"location is (?P<n>\d+) characters long; give 'lon,lat' or an address of at most (?P<m>\d+) characters",
     r"位置有 \g<n> 个字符；请填写“经度,纬度”或不超过 \g<m> 个字符的地址"),
    (r"cannot resolve address '(?P<a>.*)'; best candidates: (?P<c>.*)\.", r"无法识别地址“\g<a>”；最接近的候选：\g<c>。"),
    (r"empty address\.", "地址为空。"),
    (r"unknown category '(?P<c>[^']*)'; known: (?P<k>.*)", r"未知类别“\g<c>”；已知类别：\g<k>"),
    (r"location: expected 'lon,lat' \(two numbers separated by a comma\); got (?P<t>.*)\.",
     r"位置：应为“经度,纬度”（逗号分隔的两个数）；收到 \g<t>。"),
    (r"location: '(?P<n>[^']*)' must be finite numbers; got (?P<t>.*)\.", r"位置：“\g<n>”必须是有限数值；收到 \g<t>。"),
    (r"location: (?P<rest>latitude must be within -90\.\.90.*|longitude must be within -180\.\.180.*)",
     r"位置超出地球范围：\g<rest>"),
    # query strings and forms
    (r"(?P<f>\w+) must be a whole number; got (?P<v>.*)", r"\g<f> 必须是整数；收到 \g<v>"),
    (r"(?P<f>\w+) must be between (?P<a>\d+) and (?P<b>\d+); got (?P<v>.*)", r"\g<f> 必须在 \g<a> 到 \g<b> 之间；收到 \g<v>"),
    (r"(?P<f>\w+) must be a version number; got (?P<v>.*)", r"\g<f> 必须是版本号；收到 \g<v>"),
    (r"hours must look like 7-10 \(local hours from-to\); got (?P<v>.*)", r"时段应写成 7-10（当地时间，起-止）；收到 \g<v>"),
    (r"hours must be within 0-24 and not empty; got (?P<v>.*)", r"时段必须在 0-24 之内且不为空；收到 \g<v>"),
    (r"category must be one of (?P<k>.*); got (?P<v>.*)", r"类别必须是 \g<k> 之一；收到 \g<v>"),
    (r"mode must be foot, ebike or car; got (?P<v>.*)", r"方式必须是 foot、ebike 或 car；收到 \g<v>"),
    # the geocoder
    (r"(?P<name>.+) \(no house (?P<n>\S+) in OSM\)", r"\g<name>（OpenStreetMap 中没有 \g<n> 号：已定位到这条街）"),
    # routes
    (r"congestion point (?P<n>\d+)", r"聚集点 \g<n>"),
    # pages, zones and drawings
    (r"no zone version (?P<v>\d+); versions: (?P<k>.*)", r"没有第 \g<v> 版责任区；现有版本：\g<k>"),
    (r"no zone (?P<z>.+) in version (?P<v>\d+)", r"第 \g<v> 版中没有责任区 \g<z>"),
    (r"draw the zone on the map first \(no polygon was sent\)", "请先在地图上画出责任区（没有收到多边形）"),
    (r"the drawing has (?P<n>\d+) vertices; at most (?P<m>\d+): simplify it", r"图形有 \g<n> 个顶点，最多 \g<m> 个：请简化"),
    (r"the drawing is (?P<n>\d+) kB; at most (?P<m>\d+) kB \(about (?P<v>\d+) vertices\): simplify it",
     r"图形有 \g<n> kB，最多 \g<m> kB（约 \g<v> 个顶点）：请简化"),
    (r"role '(?P<r>[^']*)' may not open this page", r"角色“\g<r>”无权打开此页面"),
    (r"an officer sees and reports only their own (?P<w>.*)", r"巡逻队员只能查看和上报自己的\g<w>"),
    (r"an officer updates only their own patrol's dispatches", "巡逻队员只能更新本组的派遣"),
    (r"no asset (?P<a>.*)", r"没有静态文件 \g<a>"),
    (r"no job '(?P<j>[^']*)'( in this city)?", r"没有任务 \g<j>"),
    (r"The requested URL was not found on the server\..*", "找不到该页面。请检查网址。"),
    (r"The method is not allowed for the requested URL\.", "该网址不支持此请求方法。"),
    (r"The CSRF token is missing\.|The CSRF token has expired\.|The CSRF tokens do not match\.|The CSRF token is invalid\.",
     "表单已过期或缺少安全令牌：请刷新页面后重试。"),
    (r"the database is locked, read-only or unreachable; try again in a moment .*", "数据库暂时不可用；请稍后重试（管理员可在服务器日志中查看原因）"),
    (r"the upload is too large: at most (?P<m>\d+) MB per request", r"上传文件过大：每次最多 \g<m> MB"),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), template) for pattern, template in PATTERNS]


def translated(text: str) -> str | None:
    """The Chinese of a known product message, or None if no pattern knows it."""
    for pattern, template in _COMPILED:
        match = pattern.fullmatch(text.strip())
        if match:
            groups = {k: (_FIELDS.get(v, v) if k == "f" else v) or "" for k, v in match.groupdict().items()}
            chinese = re.sub(r"\\g<(\w+)>", lambda g, groups=groups: groups[g.group(1)], template)
            for english, name in (_MODES | _STATES).items():
                chinese = chinese.replace(f"{english}道路", f"{name}道路").replace(f"为 {english}", f"为 {name}")
                chinese = chinese.replace(f"{english}巡逻组", f"{name}巡逻组")
            return chinese
    return None


def message_text(text: str | None) -> str:
    """``text`` in the request's language (Chinese when a pattern knows it; else as it is)."""
    if not text or language() != "zh":
        return text or ""
    return translated(str(text)) or str(text)
