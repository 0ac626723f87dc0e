"""Addresses of the default city written by hand from its OSM street and place names.

Each entry: (query as a dispatcher or a citizen would type it, reference). References name OSM
objects, whose positions the test reads from the OSM file itself:
- ("intersection", A, B): where a way whose name contains A crosses one whose name contains B;
- ("place", NAME): an OSM object with that exact name;
- ("address", STREET, NUMBER): an OSM object with those addr:street / addr:housenumber tags.
"""

ADDRESSES = [
    # intersections, in the forms reports arrive in
    ("署袜中街与青年路交叉口", ("intersection", "署袜中街", "青年路")),
    ("营门口路/一环路", ("intersection", "营门口路", "一环路")),
    ("成都市成华区新鸿路与二环路东三段交汇处", ("intersection", "新鸿路", "二环路东三段")),
    ("文庙西街和文和路路口", ("intersection", "文庙西街", "文和路")),
    ("交大路与二环路交叉口", ("intersection", "交大路", "二环路")),
    ("城守街与上东大街交叉口", ("intersection", "城守街", "上东大街")),
    ("同心路/通锦桥路", ("intersection", "同心路", "通锦桥路")),
    ("楞伽庵街与白云寺街交叉口", ("intersection", "楞伽庵街", "白云寺街")),
    ("提督街与太升南路交叉口", ("intersection", "提督街", "太升南路")),
    ("四川省成都市成华区建设南路与圣灯路交叉口", ("intersection", "建设南路", "圣灯路")),
    ("玉沙路与福德街口", ("intersection", "玉沙路", "福德街")),
    ("通顺桥街 and 灶君庙街", ("intersection", "通顺桥街", "灶君庙街")),
    ("春熙路与上东大街交叉口", ("intersection", "春熙路", "上东大街")),
    ("金仙桥路与花牌坊街交叉口", ("intersection", "金仙桥路", "花牌坊街")),
    ("崔家店路/万年路", ("intersection", "崔家店路", "万年路")),
    ("双桥路与一环路东三段交叉口", ("intersection", "双桥路", "一环路东三段")),
    ("五丁路与北站西二路交叉口", ("intersection", "五丁路", "北站西二路")),
    ("东城根上街与商业街交叉口", ("intersection", "东城根上街", "商业街")),
    ("猛追湾街与新鸿路交叉口", ("intersection", "猛追湾街", "新鸿路")),
    ("泉水路与蓉北商贸大道交叉口", ("intersection", "泉水路", "蓉北商贸大道")),
    ("红星路与桂王桥东街交叉口", ("intersection", "红星路", "桂王桥东街")),
    ("青石桥南街与新半边街交叉口", ("intersection", "青石桥南街", "新半边街")),
    ("岳府街和红星路交叉路口", ("intersection", "岳府街", "红星路")),
    ("杉板桥南一路与万年路交叉口", ("intersection", "杉板桥南一路", "万年路")),
    ("五块石路与五块石西路交叉口", ("intersection", "五块石路", "五块石西路")),
    ("功博路与建设南路交叉口", ("intersection", "功博路", "建设南路")),
    ("八里庄路与二仙桥西路交叉口", ("intersection", "八里庄路", "二仙桥西路")),
    ("提督街与太升南璐交叉口", ("intersection", "提督街", "太升南路")),  # typo: 璐 for 路
    ("交大路 & 银河路", ("intersection", "交大路", "银河路")),
    ("人民北路与一环路交叉口", ("intersection", "人民北路", "一环路")),
    # places
    ("解放路农贸市场", ("place", "解放路农贸市场")),
    ("四川省成都市八里庄菜市场", ("place", "八里庄菜市场")),
    ("府河桥市场", ("place", "府河桥市场")),
    ("横桥自强便民市场", ("place", "横桥自强便民市场")),
    ("天府广场", ("place", "天府广场")),
    ("成都市火车北站", ("place", "火车北站")),
    ("塔子山公园", ("place", "塔子山公园")),
    ("大慈寺", ("place", "大慈寺")),
    ("成都金牛万达广场", ("place", "成都金牛万达广场")),
    ("龙湖北城天街购物广场", ("place", "龙湖·北城天街购物广场")),
    ("盐道街中学", ("place", "盐道街中学")),
    ("荷花池小学", ("place", "荷花池小学")),
    ("成都实验小学", ("place", "成都实验小学")),
    ("活水公园", ("place", "活水公园")),
    ("永陵公园", ("place", "永陵公园")),
    ("解放路农贸市常", ("place", "解放路农贸市场")),  # typo: 常 for 场
    ("塔子山公圆", ("place", "塔子山公园")),  # typo: 圆 for 园
    ("万和广场", ("place", "万和广场")),
    ("皇城清真寺", ("place", "皇城清真寺")),
    ("成都市第三人民医院", ("place", "成都第三人民医院")),
    # street and house number
    ("羊子山路68号", ("address", "羊子山路", "68")),
    ("成都市金牛区横桥街10号", ("address", "横桥街", "10")),
    ("星辉西路23号", ("address", "星辉西路", "23")),
    ("建设北路三段168号", ("address", "建设北路三段", "168号")),
    ("总府路2号", ("address", "总府路", "2")),
    ("二环路北三段114号", ("address", "二环路北三段", "114")),
    ("北大街100号", ("address", "北大街", "100")),
    ("奎星楼街55号", ("address", "奎星楼街", "55")),
    ("二仙桥北路31号", ("address", "二仙桥北路", "31")),
    ("顺城大街288号", ("address", "顺城大街", "288")),
    ("红星路三段103号", ("address", "红星路三段", "103")),
    ("太升南路2号", ("address", "太升南路", "2")),
    ("花牌坊街85号", ("address", "花牌坊街", "85")),
    ("永陵路10号", ("address", "永陵路", "10")),
    ("祠堂街1号", ("address", "祠堂街", "1")),
    ("青年路8号", ("address", "青年路", "8")),
]
