"""Where in China a researcher works, read from a name: their institution's, or a region tag's they declared.

A small, hand-kept table, not a gazetteer. `region_of(text)` looks for the names below *in this order* and the
first one found wins:

1. well-known universities and institutes whose name says no place (清华, 中山大学, Zhejiang University is
   caught by its province anyway), each with the province of its main campus;
2. provincial capitals and other large cities (南京 → 江苏, Shenzhen → 广东);
3. the 34 provincial-level divisions themselves (provinces, municipalities, autonomous regions, Hong Kong,
   Macao, Taiwan), in Chinese and in pinyin/English.

Matching is by substring, case-insensitive for Latin letters. A branch campus named after its parent
(北京大学深圳研究生院) counts for the parent's province: the table is about where the bulk of a community is,
not about each campus. Names found nowhere are "unknown". To add a name, add a line to the right table:
the dashboard's figures change with the next cache refresh.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

UNKNOWN = "unknown"

# Region key → (Chinese name, English name). Keys are stable (used in cache entries and tests).
REGIONS: dict[str, tuple[str, str]] = {
    "beijing": ("北京", "Beijing"),
    "tianjin": ("天津", "Tianjin"),
    "shanghai": ("上海", "Shanghai"),
    "chongqing": ("重庆", "Chongqing"),
    "hebei": ("河北", "Hebei"),
    "shanxi": ("山西", "Shanxi"),
    "liaoning": ("辽宁", "Liaoning"),
    "jilin": ("吉林", "Jilin"),
    "heilongjiang": ("黑龙江", "Heilongjiang"),
    "jiangsu": ("江苏", "Jiangsu"),
    "zhejiang": ("浙江", "Zhejiang"),
    "anhui": ("安徽", "Anhui"),
    "fujian": ("福建", "Fujian"),
    "jiangxi": ("江西", "Jiangxi"),
    "shandong": ("山东", "Shandong"),
    "henan": ("河南", "Henan"),
    "hubei": ("湖北", "Hubei"),
    "hunan": ("湖南", "Hunan"),
    "guangdong": ("广东", "Guangdong"),
    "hainan": ("海南", "Hainan"),
    "sichuan": ("四川", "Sichuan"),
    "guizhou": ("贵州", "Guizhou"),
    "yunnan": ("云南", "Yunnan"),
    "shaanxi": ("陕西", "Shaanxi"),
    "gansu": ("甘肃", "Gansu"),
    "qinghai": ("青海", "Qinghai"),
    "inner_mongolia": ("内蒙古", "Inner Mongolia"),
    "guangxi": ("广西", "Guangxi"),
    "tibet": ("西藏", "Tibet"),
    "ningxia": ("宁夏", "Ningxia"),
    "xinjiang": ("新疆", "Xinjiang"),
    "hong_kong": ("香港", "Hong Kong"),
    "macao": ("澳门", "Macao"),
    "taiwan": ("台湾", "Taiwan"),
}

# 1. Institutions whose name does not say where they are.
INSTITUTIONS: dict[str, str] = {
    "清华": "beijing", "Tsinghua": "beijing", "北京大学": "beijing", "Peking University": "beijing",
    "中国人民大学": "beijing", "Renmin University": "beijing", "北京航空航天": "beijing", "Beihang": "beijing",
    "中国农业大学": "beijing", "协和": "beijing", "Peking Union": "beijing",
    "中国科学技术大学": "anhui", "University of Science and Technology of China": "anhui", "USTC": "anhui",
    "复旦": "shanghai", "Fudan": "shanghai", "同济": "shanghai", "Tongji": "shanghai",
    "华东师范": "shanghai", "East China Normal": "shanghai",
    "中山大学": "guangdong", "Sun Yat-sen": "guangdong", "华南理工": "guangdong",
    "South China University of Technology": "guangdong", "暨南大学": "guangdong", "Jinan University": "guangdong",
    "南方科技大学": "guangdong", "Southern University of Science and Technology": "guangdong", "SUSTech": "guangdong",
    "华中科技": "hubei", "Huazhong": "hubei", "华中师范": "hubei", "武汉大学": "hubei",
    "中南大学": "hunan", "Central South University": "hunan",
    "西安交通": "shaanxi", "西北工业": "shaanxi", "Northwestern Polytechnical": "shaanxi",
    "西北农林": "shaanxi", "西安电子科技": "shaanxi", "Xidian": "shaanxi",
    "东南大学": "jiangsu", "Southeast University": "jiangsu",
    "厦门大学": "fujian", "Xiamen": "fujian",
    "电子科技大学": "sichuan", "University of Electronic Science and Technology": "sichuan",
    "西南交通": "sichuan", "Southwest Jiaotong": "sichuan",
    "哈尔滨工业": "heilongjiang", "Harbin Institute": "heilongjiang",
    "大连理工": "liaoning", "Dalian University of Technology": "liaoning", "东北大学": "liaoning",
    "Northeastern University (China)": "liaoning",
    "中国海洋大学": "shandong", "Ocean University of China": "shandong",
    "兰州大学": "gansu", "Lanzhou": "gansu",
}

# 2. Cities: provincial capitals and other large research cities.
CITIES: dict[str, str] = {
    "石家庄": "hebei", "Shijiazhuang": "hebei", "太原": "shanxi", "Taiyuan": "shanxi",
    "沈阳": "liaoning", "Shenyang": "liaoning", "大连": "liaoning", "Dalian": "liaoning",
    "长春": "jilin", "Changchun": "jilin", "哈尔滨": "heilongjiang", "Harbin": "heilongjiang",
    "南京": "jiangsu", "Nanjing": "jiangsu", "苏州": "jiangsu", "Suzhou": "jiangsu", "Soochow": "jiangsu",
    "杭州": "zhejiang", "Hangzhou": "zhejiang", "宁波": "zhejiang", "Ningbo": "zhejiang",
    "合肥": "anhui", "Hefei": "anhui", "福州": "fujian", "Fuzhou": "fujian", "厦门": "fujian",
    "南昌": "jiangxi", "Nanchang": "jiangxi", "济南": "shandong", "青岛": "shandong", "Qingdao": "shandong",
    "郑州": "henan", "Zhengzhou": "henan", "武汉": "hubei", "Wuhan": "hubei",
    "长沙": "hunan", "Changsha": "hunan", "广州": "guangdong", "Guangzhou": "guangdong",
    "深圳": "guangdong", "Shenzhen": "guangdong", "珠海": "guangdong", "Zhuhai": "guangdong",
    "海口": "hainan", "Haikou": "hainan", "成都": "sichuan", "Chengdu": "sichuan",
    "贵阳": "guizhou", "Guiyang": "guizhou", "昆明": "yunnan", "Kunming": "yunnan",
    "西安": "shaanxi", "Xi'an": "shaanxi", "兰州": "gansu", "西宁": "qinghai", "Xining": "qinghai",
    "呼和浩特": "inner_mongolia", "Hohhot": "inner_mongolia", "南宁": "guangxi", "Nanning": "guangxi",
    "拉萨": "tibet", "Lhasa": "tibet", "银川": "ningxia", "Yinchuan": "ningxia",
    "乌鲁木齐": "xinjiang", "Urumqi": "xinjiang", "台北": "taiwan", "Taipei": "taiwan",
}

# 3. The provincial-level divisions, with the other spellings people use.
PROVINCES: dict[str, str] = {
    **{chinese: key for key, (chinese, _english) in REGIONS.items()},
    **{english: key for key, (_chinese, english) in REGIONS.items()},
    "Peking": "beijing", "Xizang": "tibet", "Macau": "macao", "Nei Mongol": "inner_mongolia",
    "内蒙": "inner_mongolia", "HKU": "hong_kong", "CUHK": "hong_kong", "HKUST": "hong_kong",
}


@lru_cache(maxsize=1)
def _names() -> tuple[re.Pattern, dict[str, tuple[int, str]]]:
    """One regular expression over every name (longest first, so 北京大学 is found rather than 北京), and
    {name casefolded: (table rank, region)}."""
    names: dict[str, tuple[int, str]] = {}
    for rank, table in enumerate((INSTITUTIONS, CITIES, PROVINCES)):
        for name, region in table.items():
            names.setdefault(name.casefold(), (rank, region))
    alternatives = sorted(names, key=len, reverse=True)
    return re.compile("|".join(re.escape(name) for name in alternatives), re.IGNORECASE), names


def region_of(*texts: str) -> str:
    """The region key of the first of `texts` that names a place in the tables, else "unknown".

    Within one text the table order decides (an institution before a city before a province), then the
    position (the earliest name)."""
    pattern, names = _names()
    for text in texts:
        found = [names[match.group(0).casefold()] for match in pattern.finditer(text or "")]
        if found:
            return min(found, key=lambda rank_region: rank_region[0])[1]
    return UNKNOWN


def region_label(region: str, language: str) -> str:
    """The region's name in `language` (zh-hans or en)."""
    if region == UNKNOWN:
        return str(_("Unknown"))
    chinese, english = REGIONS[region]
    return chinese if language.startswith("zh") else english
