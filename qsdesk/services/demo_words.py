"""The vocabulary of the demo county (历城区, 济南): towns, roads, people's names, trade words,
product lines from the licence and CCC catalogues, and valid credit codes (GB 11714
organisation code and GB 32100 check character) — the words :mod:`qsdesk.services.demo` builds
its records from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from qsdesk.domain.uscc import check_digit

PROVINCE, CITY, COUNTY, DIVISION = "山东省", "济南市", "历城区", "370112"
TOWNS = (
    "山大路街道", "洪家楼街道", "东风街道", "全福街道", "华山街道", "荷花路街道", "王舍人街道",
    "鲍山街道", "郭店街道", "唐冶街道", "港沟街道", "董家街道", "遥墙街道", "临港街道",
    "唐王街道", "彩石街道", "西营街道", "柳埠街道", "仲宫街道", "锦绣川街道",
)
ROADS = (
    "工业北路", "花园路", "二环东路", "华山路", "飞跃大道", "世纪大道", "凤鸣路", "春晖路",
    "郭店大街", "唐冶中路", "港沟路", "董家路", "机场路", "临港北路", "唐王大街", "彩石路",
    "旅游路", "经十东路", "仲宫大街", "二钢路",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = (
    "伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英",
    "华", "平", "刚", "桂英", "建国", "建华", "志强", "海燕", "晓东", "玉兰", "国庆", "红梅", "春雷",
    "立新", "文博", "子涵", "宏伟", "丽娟", "永刚", "新民",
)
TRADE_WORDS = (
    "华兴", "鲁泰", "金诺", "恒达", "宏远", "瑞丰", "鑫源", "泰和", "正兴", "永盛", "德润", "海诚",
    "众联", "康顺", "利民", "天元", "博润", "汇通", "齐鲁", "泉城", "明湖", "历山", "舜耕", "华强",
    "金石", "东岳", "信达", "宏图", "嘉禾", "润泽", "安泰", "盛源", "凯瑞", "银丰", "佳美", "远航",
)


@dataclass(frozen=True)
class Line:
    """A product line: industry word in the name, catalogue category, products, licence type."""

    industry: str
    category: str
    products: tuple[str, ...]
    licence: str
    standard: str


# Categories from the industrial product production licence catalogue and the CCC catalogue.
LINES: tuple[Line, ...] = (
    Line("电线电缆", "电线电缆", ("聚氯乙烯绝缘电线", "架空绝缘电缆", "额定电压450/750V电缆"),
         "工业产品生产许可证", "GB/T 5023-2008"),
    Line("化工", "危险化学品", ("工业硫酸", "工业氢氧化钠", "溶剂型涂料"), "工业产品生产许可证",
         "GB/T 534-2014"),
    Line("肥业", "化肥", ("复合肥料", "掺混肥料", "有机-无机复混肥料"), "工业产品生产许可证",
         "GB/T 15063-2020"),
    Line("钢铁", "建筑用钢筋", ("热轧带肋钢筋", "热轧光圆钢筋"), "工业产品生产许可证", "GB/T 1499.2-2018"),
    Line("水泥", "水泥", ("普通硅酸盐水泥", "复合硅酸盐水泥"), "工业产品生产许可证", "GB 175-2023"),
    Line("塑料制品", "食品相关产品", ("食品用塑料包装容器", "食品用塑料餐具", "塑料薄膜"),
         "工业产品生产许可证", "GB 4806.7-2023"),
    Line("纸制品", "食品相关产品", ("食品用纸包装", "纸杯"), "工业产品生产许可证", "GB 4806.8-2022"),
    Line("电器", "家用和类似用途设备", ("电热水壶", "电饭锅", "电暖器"), "CCC", "GB 4706.1-2005"),
    Line("照明", "照明电器", ("LED灯具", "嵌入式灯具"), "CCC", "GB 7000.1-2015"),
    Line("电动工具", "电动工具", ("手持式电钻", "角向磨光机"), "CCC", "GB/T 3883.1-2014"),
    Line("玩具", "玩具", ("塑胶玩具", "电玩具", "童车"), "CCC", "GB 6675.1-2014"),
    Line("电动车", "电动自行车", ("电动自行车",), "CCC", "GB 17761-2024"),
    Line("燃气具", "家用燃气器具", ("家用燃气灶具", "燃气热水器"), "CCC", "GB 16410-2020"),
    Line("防爆电气", "防爆电气", ("防爆电机", "防爆灯具"), "CCC", "GB/T 3836.1-2021"),
    Line("家具", "家具", ("办公椅", "木质家具"), "其他", "GB/T 3325-2017"),
    Line("服饰", "服装", ("儿童服装", "针织内衣"), "其他", "GB 31701-2015"),
    Line("建材", "建筑防水卷材", ("弹性体改性沥青防水卷材", "高分子防水卷材"), "工业产品生产许可证",
         "GB 18242-2008"),
    Line("五金", "消费品", ("不锈钢锅", "五金工具"), "其他", "GB/T 40355-2021"),
)
SUFFIX_PRODUCER = ("有限公司", "有限公司", "有限责任公司", "股份有限公司", "厂")
SUFFIX_SELLER = ("商贸有限公司", "贸易有限公司", "经营部", "商店", "批发部")
STATUS = ("在产在营",) * 12 + ("停业", "停业", "破产倒闭", "失联")  # annex 3 企业状态
INSPECTOR_NAMES = ("张伟", "李娜", "王强", "刘洋", "陈静", "杨帆", "赵磊", "孙丽")
SAMPLING_ORGANISERS = {
    "national": "国家市场监督管理总局",
    "provincial": "山东省市场监督管理局",
    "city": "济南市市场监督管理局",
    "county": "济南市历城区市场监督管理局",
}


def organisation_code(rng: random.Random) -> str:
    """A GB 11714 organisation code: 8 digits/letters and their check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(rng.choice("0123456789") for _ in range(2)) + "".join(
        rng.choice(alphabet) for _ in range(6)
    )
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]  # A=10 … Z=35
    c9 = 11 - sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(c9, str(c9))


def credit_code(rng: random.Random, individual: bool = False) -> str:
    """91 = company, 92 = individual business (registration authority 9, market supervision)."""
    first17 = ("92" if individual else "91") + DIVISION + organisation_code(rng)
    return first17 + check_digit(first17)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def phone_number(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return "0531-8" + "".join(rng.choice("0123456789") for _ in range(7))
    return rng.choice(("138", "139", "158", "186", "135", "150")) + "".join(
        rng.choice("0123456789") for _ in range(8))


