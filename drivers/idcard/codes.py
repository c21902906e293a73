"""Code tables printed on ID cards and the GB 11643 ID-number check character."""

from __future__ import annotations

# GB/T 2261.1 sex codes.
SEXES: dict[str, str] = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# GB 3304 nation codes, names as printed on the card (without 族).
NATIONS: dict[str, str] = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗",
    "07": "彝", "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗",
    "13": "瑶", "14": "白", "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣",
    "19": "黎", "20": "傈僳", "21": "佤", "22": "畲", "23": "高山", "24": "拉祜",
    "25": "水", "26": "东乡", "27": "纳西", "28": "景颇", "29": "柯尔克孜", "30": "土",
    "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗", "35": "撒拉", "36": "毛南",
    "37": "仡佬", "38": "锡伯", "39": "阿昌", "40": "普米", "41": "塔吉克", "42": "怒",
    "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克", "46": "德昂", "47": "保安", "48": "裕固",
    "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春", "53": "赫哲", "54": "门巴",
    "55": "珞巴", "56": "基诺",
    "97": "其他", "98": "外国血统中国籍人士",
}  # fmt: skip

# GB/T 2659 three-letter codes of the countries and regions most often seen on permits.
NATIONALITIES: dict[str, str] = {
    "CHN": "中国", "HKG": "中国香港", "MAC": "中国澳门", "TWN": "中国台湾",
    "USA": "美国", "CAN": "加拿大", "MEX": "墨西哥", "BRA": "巴西", "ARG": "阿根廷",
    "CHL": "智利", "PER": "秘鲁", "COL": "哥伦比亚", "CUB": "古巴", "VEN": "委内瑞拉",
    "GBR": "英国", "IRL": "爱尔兰", "FRA": "法国", "DEU": "德国", "ITA": "意大利",
    "ESP": "西班牙", "PRT": "葡萄牙", "NLD": "荷兰", "BEL": "比利时", "LUX": "卢森堡",
    "CHE": "瑞士", "AUT": "奥地利", "SWE": "瑞典", "NOR": "挪威", "DNK": "丹麦",
    "FIN": "芬兰", "ISL": "冰岛", "POL": "波兰", "CZE": "捷克", "SVK": "斯洛伐克",
    "HUN": "匈牙利", "ROU": "罗马尼亚", "BGR": "保加利亚", "SRB": "塞尔维亚", "HRV": "克罗地亚",
    "GRC": "希腊", "TUR": "土耳其", "RUS": "俄罗斯", "UKR": "乌克兰", "BLR": "白俄罗斯",
    "KAZ": "哈萨克斯坦", "UZB": "乌兹别克斯坦", "KGZ": "吉尔吉斯斯坦", "TJK": "塔吉克斯坦",
    "MNG": "蒙古", "PRK": "朝鲜", "KOR": "韩国", "JPN": "日本", "VNM": "越南", "LAO": "老挝",
    "KHM": "柬埔寨", "THA": "泰国", "MMR": "缅甸", "MYS": "马来西亚", "SGP": "新加坡",
    "IDN": "印度尼西亚", "PHL": "菲律宾", "IND": "印度", "PAK": "巴基斯坦", "BGD": "孟加拉国",
    "NPL": "尼泊尔", "LKA": "斯里兰卡", "AFG": "阿富汗", "IRN": "伊朗", "IRQ": "伊拉克",
    "SYR": "叙利亚", "JOR": "约旦", "SAU": "沙特阿拉伯", "ARE": "阿拉伯联合酋长国",
    "ISR": "以色列", "EGY": "埃及", "MAR": "摩洛哥", "DZA": "阿尔及利亚", "NGA": "尼日利亚",
    "GHA": "加纳", "KEN": "肯尼亚", "ETH": "埃塞俄比亚", "TZA": "坦桑尼亚", "ZAF": "南非",
    "AUS": "澳大利亚", "NZL": "新西兰",
}  # fmt: skip

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("an ID number check needs exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def check_id_number(s: str) -> bool:
    """True if ``s`` is 17 digits plus the right check character (x accepted as X).

    Applies to 居民身份证, 港澳台居民居住证 and the 2023 permanent-residence permit.
    """
    if len(s) != 18 or not s[:17].isascii() or not s[:17].isdigit():
        return False
    return id_check_char(s[:17]) == s[17].upper()
