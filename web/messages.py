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
    # files and imports (the command line and the pages)
    (r"(?P<p>.+): file does not exist\.?", r"\g<p>：文件不存在。"),
    (r"(?P<p>.+): not a regular file\.", r"\g<p>：不是普通文件。"),
    (r"(?P<p>.+): file is empty\.", r"\g<p>：文件为空。"),
    (r"(?P<p>.+): not an OSM file name; expected one of (?P<k>.+)\.", r"\g<p>：不是 OSM 文件名；应为 \g<k> 之一。"),
    (r"(?P<p>.+): cannot read the OSM data \(corrupt or truncated file\?\): (?P<e>.*)",
     r"\g<p>：无法读取 OSM 数据（文件损坏或不完整？）：\g<e>"),
    (r"(?P<p>.+): holds no streets \(no way tagged (?P<t>.+)\)\.", r"\g<p>：没有街道（没有标注 \g<t> 的 way）。"),
    (r"(?P<p>.+): no street usable by mode '(?P<mode>\w+)'\.", r"\g<p>：没有可用的\g<mode>道路。"),
    (r"(?P<p>.+): (?P<n>\d+) problem\(s\), nothing imported:", r"\g<p>：\g<n> 个问题，未导入任何内容："),
    (r"(?P<p>.+): write \.xlsx or \.csv", r"\g<p>：请写成 .xlsx 或 .csv 文件"),
    (r"use a \.csv or \.xlsx file name", "请使用 .csv 或 .xlsx 文件名"),
    # one problem of a file's row (after "row 3 field: ")
    (r"required field is missing( or empty)?", "必填字段缺失或为空"),
    (r"duplicate id \(also on row (?P<r>\d+)\)", r"id 重复（第 \g<r> 行也有）"),
    (r"duplicate id '(?P<i>[^']*)'( in the file)? \(also on row (?P<r>\d+)\)", r"id \g<i> 重复（第 \g<r> 行也有）"),
    (r"duplicate zone_id '(?P<i>[^']*)' \(also feature (?P<r>\d+)\)", r"zone_id \g<i> 重复（第 \g<r> 个要素也有）"),
    (r"unknown kind '(?P<k>[^']*)'; known kinds: (?P<ks>.*)", r"未知类型 \g<k>；已知类型：\g<ks>"),
    (r"must be a positive number; got (?P<v>.*)", r"必须是正数；收到 \g<v>"),
    (r"must be a whole number >= 0; got (?P<v>.*)", r"必须是 >= 0 的整数；收到 \g<v>"),
    (r"must be one of (?P<k>.*); got (?P<v>.*)", r"必须是 \g<k> 之一；收到 \g<v>"),
    (r"lies outside the city \((?P<d>[\d.]+) km from its boundary\)", r"位于城市之外（距边界 \g<d> 公里）"),
    (r"lies outside the city", "位于城市之外"),
    (r"reaches too far from the city to be measured", "离城市太远，无法测量"),
    (r"invalid polygon \((?P<e>.*)\)", r"无效的多边形（\g<e>）"),
    (r"geometry is missing or empty", "几何图形缺失或为空"),
    (r"must be a Polygon or MultiPolygon; got (?P<t>\w+)", r"必须是 Polygon 或 MultiPolygon；收到 \g<t>"),
    (r"coordinates must be finite numbers", "坐标必须是有限数值"),
    (r"coordinates look like lat/lon swapped \(latitude out of range\): give longitude first",
     "坐标似乎是纬度/经度写反了（纬度超出范围）：请先写经度"),
    (r"base \((?P<p>[^)]*)\) is outside the city", r"基地 (\g<p>) 不在城市内"),
    (r"base_lon/base_lat must be valid lon/lat: (?P<e>.*)", r"base_lon/base_lat 必须是有效的经纬度：\g<e>"),
    (r"'(?P<i>[^']*)': use letters, digits, '-' or '_' \(at most 32\); the id names files and URLs",
     r"\g<i>：请只用字母、数字、“-”或“_”（最多 32 个）；id 会用于文件名和网址"),
    # cities and their profiles
    (r"city '(?P<c>[^']*)': the (?P<mode>\w+) graph in (?P<f>.+) is missing or damaged; rebuild it: (?P<cmd>patrol city build .+)",
     r"城市 \g<c>：\g<f> 中的\g<mode>道路网缺失或损坏；请重建：\g<cmd>"),
    (r"city '(?P<c>[^']*)' is not built yet \(or its cache is damaged\); run: (?P<cmd>patrol city build .+)",
     r"城市 \g<c> 尚未构建（或其缓存已损坏）；请运行：\g<cmd>"),
    (r"city '(?P<c>[^']*)': its OSM extract (?P<s>.+) is not available to look addresses up in; give the location as lon,lat",
     r"城市 \g<c>：其 OSM 数据 \g<s> 不可用，无法查找地址；请以 经度,纬度 给出位置"),
    (r"city '(?P<c>[^']*)': its OSM extract (?P<s>.+) is not available to rebuild from\.",
     r"城市 \g<c>：其 OSM 数据 \g<s> 不可用，无法重建。"),
    (r"city '(?P<c>[^']*)' has no OSM source file \((?P<s>.*)\); supply one: (?P<cmd>patrol city build .+)",
     r"城市 \g<c> 没有 OSM 源文件（\g<s>）；请提供：\g<cmd>"),
    (r"unknown city '(?P<c>[^']*)': no profile and no build; known profiles: (?P<k>.*)\. To add one: (?P<cmd>patrol city build .+)",
     r"未知城市 \g<c>：既无配置也未构建；已知配置：\g<k>。添加方法：\g<cmd>"),
    (r"no city profile '(?P<c>[^']*)' \(looked for (?P<p>.+)\); known profiles: (?P<k>.*)\.",
     r"没有城市配置 \g<c>（查找了 \g<p>）；已知配置：\g<k>。"),
    (r"city profile (?P<p>.+) is not valid TOML: (?P<e>.*)", r"城市配置 \g<p> 不是有效的 TOML：\g<e>"),
    (r"city profile(?P<w>.*?) has (?P<n>\d+) problem\(s\):", r"城市配置\g<w> 有 \g<n> 个问题："),
    (r"`boundary` (?P<b>.+) is not a readable GeoJSON polygon: (?P<e>.*)", r"`boundary` \g<b> 不是可读的 GeoJSON 多边形：\g<e>"),
    (r"`boundary` (?P<b>.+) must be a valid \(Multi\)Polygon; got (?P<t>\w+)\.", r"`boundary` \g<b> 必须是有效的（多）多边形；收到 \g<t>。"),
    (r"unknown travel mode '(?P<m>[^']*)'; known modes: (?P<k>.*)\.", r"未知出行方式 \g<m>；已知方式：\g<k>。"),
    (r"cannot download '(?P<p>[^']*)' from OpenStreetMap \((?P<e>.*)\)\. If this machine is offline, supply an OSM extract "
     r"instead: (?P<cmd>patrol city build .+)",
     r"无法从 OpenStreetMap 下载 \g<p>（\g<e>）。如果本机离线，请改为提供 OSM 数据文件：\g<cmd>"),
    # coordinates, datums and routes
    (r"(?P<w>[^:]+): point \((?P<p>[^)]*)\) is (?P<d>\d+) m from the nearest (?P<mode>\w+) street \(limit (?P<l>\d+) m\): is it "
     r"outside the city, or in the wrong datum\?",
     r"\g<w>：点 (\g<p>) 距最近的\g<mode>道路 \g<d> 米（上限 \g<l> 米）：它在城市之外，还是坐标系不对？"),
    (r"point \((?P<p>[^)]*)\) is (?P<d>\d+) m from the nearest (?P<mode>\w+) street \(limit (?P<l>\d+) m\): is it "
     r"outside the city, or in the wrong datum\?",
     r"点 (\g<p>) 距最近的\g<mode>道路 \g<d> 米（上限 \g<l> 米）：它在城市之外，还是坐标系不对？"),
    (r"no (?P<mode>\w+) route (?:to this place|between these places)\.", r"没有\g<mode>道路可达。"),
    (r"the point\(s\) cannot be placed on the earth in (?P<d>.+): are they x,y in its units\?",
     r"这些点在 \g<d> 中无法落在地球上：它们是该坐标系单位下的 x,y 吗？"),
    (r"`datum` '(?P<d>[^']*)': no such EPSG code\.", r"`datum` \g<d>：没有这个 EPSG 代码。"),
    (r"`datum` must be one of (?P<k>.+) or a CRS code such as EPSG:4549; got (?P<v>.*)\.",
     r"`datum` 必须是 \g<k> 之一，或 EPSG:4549 这样的坐标系代码；收到 \g<v>。"),
    (r"(?P<w>[^:]+): coordinates must be finite numbers; got (?P<v>.*)\.", r"\g<w>：坐标必须是有限数值；收到 \g<v>。"),
    (r"(?P<w>[^:]+): latitude must be within -90\.\.90; got (?P<v>[^ ]+) \(lon and lat look swapped: give lon first\)\.",
     r"\g<w>：纬度必须在 -90..90 之间；收到 \g<v>（经纬度似乎写反了：请先写经度）。"),
    (r"(?P<w>[^:]+): latitude must be within -90\.\.90; got (?P<v>.*)\.", r"\g<w>：纬度必须在 -90..90 之间；收到 \g<v>。"),
    (r"(?P<w>[^:]+): longitude must be within -180\.\.180; got (?P<v>.*)\.", r"\g<w>：经度必须在 -180..180 之间；收到 \g<v>。"),
    (r"(?P<w>[^:]+): expected '(?P<n>[^']*)' \(two numbers separated by a comma\); got (?P<v>.*)\.",
     r"\g<w>：应为“\g<n>”（逗号分隔的两个数）；收到 \g<v>。"),
    (r"(?P<w>[^:]+): expected '(?P<n>[^']*)' as numbers; got (?P<v>.*)\.", r"\g<w>：“\g<n>”应为数字；收到 \g<v>。"),
    (r"(?P<w>[^:]+): '(?P<n>[^']*)' must be finite numbers; got (?P<v>.*)\.", r"\g<w>：“\g<n>”必须是有限数值；收到 \g<v>。"),
    # standby points
    (r"unknown standby model '(?P<m>[^']*)'; use one of (?P<k>.*)", r"未知的待命点模型 \g<m>；请使用 \g<k> 之一"),
    (r"cannot read the sites file (?P<p>.+?): (?P<e>.*); give a UTF-8 CSV with lon,lat,cost",
     r"无法读取站点文件 \g<p>：\g<e>；请提供含 lon,lat,cost 列的 UTF-8 CSV"),
    (r"(?P<w>.+ row \d+): needs numbers lon, lat, cost; got (?P<v>.*)", r"\g<w>：需要数字 lon、lat、cost；收到 \g<v>"),
    (r"(?P<w>.+ row \d+): lon/lat must be WGS-84 degrees and cost above 0", r"\g<w>：lon/lat 必须是 WGS-84 度数，cost 必须大于 0"),
    (r"(?P<p>.+) has no rows; give lon,lat,cost per existing site", r"\g<p> 没有数据行；请为每个现有站点给出 lon,lat,cost"),
    (r"the (?P<m>\S+) model needs --k \(how many standby points\)", r"\g<m> 模型需要 --k（待命点个数）"),
    (r"site costs apply to set covering only: leave out --sites or use --model cover or backup",
     "站点成本只适用于集合覆盖：请去掉 --sites，或使用 --model cover 或 backup"),
    (r"no stray-dog reports in the store \(try: patrol incidents generate\)", "数据库中没有流浪犬报告（可先运行：patrol incidents generate）"),
    # users and API tokens
    (r"username must be 1 to 64 characters\.", "用户名须为 1 到 64 个字符。"),
    (r"role must be one of (?P<k>.*); got (?P<v>.*)\.", r"角色必须是 \g<k> 之一；收到 \g<v>。"),
    (r"an officer needs --patrol \(the patrol whose route they see\)\.", "巡逻队员需要 --patrol（其可查看路线的巡逻组）。"),
    (r"user '(?P<u>[^']*)' already exists\.", r"用户 \g<u> 已存在。"),
    (r"password must have 10 to 1024 characters\.", "密码须为 10 到 1024 个字符。"),
    (r"password must not contain the user name\.", "密码不能包含用户名。"),
    (r"password is too common \(it is in every guessing list\); choose another\.", "密码过于常见（各种猜测字典里都有）；请另选一个。"),
    (r"no such user\.", "没有此用户。"),
    (r"the current password is wrong\.", "当前密码错误。"),
    (r"the new password must differ from the current one\.", "新密码必须与当前密码不同。"),
    (r"token name must be 1-64 letters, digits, '\.', '_' or '-'; got (?P<v>.*)",
     r"令牌名称须为 1-64 个字母、数字、'.'、'_' 或 '-'；收到 \g<v>"),
    (r"token role must be one of (?P<k>.*); got (?P<v>.*)", r"令牌角色必须是 \g<k> 之一；收到 \g<v>"),
    (r"a token named '(?P<n>[^']*)' exists already; revoke it or choose another name", r"名为 \g<n> 的令牌已存在；请先吊销它或换一个名称"),
    (r"no token named '(?P<n>[^']*)'; see 'patrol tokens list'", r"没有名为 \g<n> 的令牌；请查看 'patrol tokens list'"),
    (r"the API token is missing or malformed \(send 'Authorization: Bearer TOKEN'\)",
     "缺少 API 令牌或格式错误（请发送 'Authorization: Bearer TOKEN'）"),
    (r"the API token is not known \(wrong token, or made for another city\)", "未知的 API 令牌（令牌错误，或属于其他城市）"),
    (r"the API token '(?P<n>[^']*)' was revoked at (?P<t>[\d: -]+) UTC", r"API 令牌 \g<n> 已于 UTC \g<t> 吊销"),
    # patrols and jobs
    (r"no patrol '(?P<p>[^']*)' in (?P<c>\S+); see the roster \('patrol patrols list', or /api/patrols for dispatchers "
     r"and planners\)\.", r"\g<c> 没有巡逻组 \g<p>；请查看名册（'patrol patrols list'，调度员和规划员可用 /api/patrols）。"),
    (r"no job '(?P<j>[^']*)'; see 'patrol jobs list'", r"没有任务 \g<j>；请查看 'patrol jobs list'"),
    (r"job (?P<j>\S+) is (?P<s>\w+); only a queued or running job can be cancelled",
     r"任务 \g<j> 状态为 \g<s>；只能取消排队中或运行中的任务"),
    # the command line's own checks
    (r"job (?P<j>\S+) belongs to city '(?P<a>[^']*)', not '(?P<b>[^']*)'", r"任务 \g<j> 属于城市 \g<a>，不是 \g<b>"),
    (r"expected a date such as (?P<e>[\d-]+); got (?P<v>.*)", r"应为日期，例如 \g<e>；收到 \g<v>"),
    (r"no incident history for these categories \(try: patrol incidents generate\)\.",
     "这些类别没有历史事件（可先运行：patrol incidents generate）。"),
    (r"no key block '(?P<b>[^']*)'", r"没有重点街区 \g<b>"),
    (r"no street named like '(?P<s>[^']*)'", r"没有名称含“\g<s>”的街道"),
    (r"patrol '(?P<p>[^']*)' has no zone in version (?P<v>\d+)", r"巡逻组 \g<p> 在第 \g<v> 版中没有责任区"),
    (r"--background plans every patrol of the version; leave out --patrol", "--background 会规划该版本的所有巡逻组；请去掉 --patrol"),
    (r"--background builds the whole (?P<k>\w+) list as XLSX \(download it from the job\); leave out (?P<o>.+)",
     r"--background 会把整张清单（\g<k>）生成为 XLSX（从任务中下载）；请去掉 \g<o>"),
    (r"--background simulates stray-dog reports and keeps the chart in the job's result; leave out --category, --chart "
     r"and --late", "--background 模拟流浪犬报告并把图表保存在任务结果中；请去掉 --category、--chart 和 --late"),
    (r"leave out --output with --background: the job keeps the XLSX roster .*",
     "使用 --background 时请去掉 --output：任务会保存 XLSX 排班表（规划页面的链接，或 GET /api/jobs/ID/file）"),
    (r"(?P<w>.+) failed unexpectedly \((?P<d>.*)\); this is a bug in patrol: please report it with the input that caused "
     r"it \(run with 'patrol -v' for the details\)\.",
     r"\g<w> 意外失败（\g<d>）；这是 patrol 的缺陷：请连同引发它的输入一起报告（用 'patrol -v' 运行可查看详情）。"),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), template) for pattern, template in PATTERNS]


_ROW = re.compile(r"(?:row (?P<row>\d+)(?: \(block '(?P<block>[^']*)'\))?|feature (?P<feature>\d+) \(zone '?(?P<zone>[^')]*)'?\))"
                  r" (?P<field>\S+): (?P<reason>.*)", re.DOTALL)


def translated(text: str) -> str | None:
    """The Chinese of a known product message, or None if no pattern knows it. A message of several problems
    ("...: 2 problem(s), nothing imported:" then "- row 3 field: reason" lines) is translated line by line."""
    head, *rows = text.strip().split("\n- ")
    if rows:
        chinese = _translated_line(head)
        return None if chinese is None else "\n- ".join([chinese, *map(_translated_row, rows)])
    return _translated_line(head)


def _translated_row(line: str) -> str:
    """One problem line of a file: where ("第 3 行（街区 x）"), the field, and the reason (English if unknown)."""
    found = _ROW.fullmatch(line)
    if not found:
        return translated(line) or line
    if found["row"]:
        where = f"第 {found['row']} 行" + (f"（街区 {found['block']}）" if found["block"] is not None else "")
    else:
        where = f"第 {found['feature']} 个要素（责任区 {found['zone']}）"
    return f"{where} {found['field']}：{translated(found['reason']) or found['reason']}"


def _translated_line(text: str) -> str | None:
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
