/**
 * Person names and street addresses. Names draw on common surnames (the most frequent ones
 * most often) and given-name characters; addresses on the real division tree plus invented
 * town, road and estate names of the usual shapes.
 */
import { DIVISIONS, shortForm, type Division } from '../../../../src/guard/pii/gazetteer.js';
import type { Random } from './random.js';

const COMMON_SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔';
const RARER_SURNAMES =
  '欧覃柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆';
const COMPOUND = ['欧阳', '司马', '上官', '诸葛', '东方', '皇甫'];
const GIVEN =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉玲红飞鹏宇浩欣婷雪琳晨思佳子梓涵轩志海波宁峰斌燕萍颖琴云莉凤洁晶倩颖梅兰松林彬鑫瑶怡嘉俊凯博泽睿然晓东小春';

export function personName(r: Random): string {
  const roll = r.next();
  const surname =
    roll < 0.04
      ? r.pick(COMPOUND)
      : roll < 0.15
        ? r.pick([...RARER_SURNAMES])
        : r.pick([...COMMON_SURNAMES]);
  const given = r.chance(0.75) ? 2 : 1;
  let name = surname;
  for (let i = 0; i < given; i++) name += r.pick([...GIVEN]);
  return name;
}

export function surnameOnly(r: Random): string {
  return r.pick([...COMMON_SURNAMES]);
}

const byCode = new Map(DIVISIONS.map((d) => [d.code, d]));
const COUNTIES = DIVISIONS.filter((d) => d.level === 'county' && !d.name.endsWith('市'));

export interface Region {
  province: Division;
  prefecture: Division | undefined;
  county: Division;
}

export function region(r: Random): Region {
  const county = r.pick(COUNTIES);
  const province = byCode.get(county.code.slice(0, 2));
  if (!province) throw new Error(`no province for ${county.code}`);
  return { province, prefecture: byCode.get(county.code.slice(0, 4)), county };
}

const TOWN_NAMES = [
  '石牌',
  '龙华',
  '新塘',
  '大沥',
  '梅岭',
  '金沙',
  '城关',
  '太和',
  '石楼',
  '沙湾',
  '东湖',
  '南湖',
  '北京路',
  '五山',
  '西湖',
  '凤凰',
  '长安',
  '虎门',
  '黄埔',
  '江南',
];
const VILLAGE_NAMES = [
  '大源',
  '新塘',
  '江家',
  '李家',
  '上坑',
  '下围',
  '龙岗',
  '石岗',
  '华师',
  '翠竹',
  '东风',
  '红星',
  '联胜',
  '前进',
];
const ROAD_NAMES = [
  '中山',
  '解放',
  '人民',
  '建设',
  '和平',
  '新华',
  '胜利',
  '东风',
  '朝阳',
  '光明',
  '青年',
  '长江',
  '黄河',
  '环城',
  '滨江',
  '学府',
  '科技',
  '工业',
  '府前',
  '迎宾',
  '金融',
  '体育',
  '天河',
  '沿江',
  '环市东',
  '中山五',
  '解放北',
  '东风东',
  '科技园南一',
  '龙口西',
];
const ROAD_SUFFIX = ['路', '路', '路', '大道', '街', '大街'];
const ESTATE_NAMES = [
  '阳光',
  '幸福',
  '锦绣',
  '翠苑',
  '金色',
  '御景',
  '书香',
  '东方',
  '华府',
  '兰亭',
  '江南',
  '丽景',
  '碧水',
  '金地',
  '富力',
  '怡景',
  '春华',
  '海棠',
];
const ESTATE_SUFFIX = ['小区', '花园', '苑', '家园', '新村', '公寓'];

function houseNumber(r: Random): string {
  return r.chance(0.1) ? `${r.int(1, 300)}-${r.int(1, 20)}号` : `${r.int(1, 999)}号`;
}

function buildingUnitRoom(r: Random): string {
  const style = r.next();
  const floor = r.int(1, 32);
  const room = `${floor}${String(r.int(1, 8)).padStart(2, '0')}`;
  if (style < 0.35) return `${r.int(1, 30)}栋${r.int(1, 6)}单元${room}室`;
  if (style < 0.55) return `${r.int(1, 30)}号楼${r.int(1, 6)}单元${room}`;
  if (style < 0.75) return `${r.int(1, 30)}幢${room}室`;
  if (style < 0.85) return `${r.pick(['A', 'B', 'C'])}座${room}室`;
  return `${r.int(1, 20)}栋${room}房`;
}

function divisionPrefix(r: Random, g: Region): string {
  const style = r.next();
  const city = g.prefecture?.name ?? '';
  const short = g.prefecture ? (shortForm(g.prefecture) ?? city) : '';
  if (style < 0.3) return `${g.province.name}${city}${g.county.name}`;
  if (style < 0.6) return `${city}${g.county.name}`;
  if (style < 0.75) return `${short}${g.county.name}`;
  if (style < 0.85) return g.county.name;
  return '';
}

/** A street address, always down to a house number, building, room or village. */
export function address(r: Random): string {
  const g = region(r);
  const prefix = divisionPrefix(r, g);
  const road = r.pick(ROAD_NAMES) + r.pick(ROAD_SUFFIX);
  const estate = r.pick(ESTATE_NAMES) + r.pick(ESTATE_SUFFIX);
  const style = r.next();
  if (style < 0.3) return `${prefix}${road}${houseNumber(r)}`;
  if (style < 0.5) return `${prefix}${road}${houseNumber(r)}${estate}${buildingUnitRoom(r)}`;
  if (style < 0.65) return `${prefix}${estate}${buildingUnitRoom(r)}`;
  if (style < 0.8) {
    const town = r.pick(TOWN_NAMES) + r.pick(['街道', '镇']);
    const village = r.pick(VILLAGE_NAMES) + r.pick(['村', '社区']);
    return `${prefix || g.county.name}${town}${village}${r.chance(0.4) ? buildingUnitRoom(r) : ''}`;
  }
  const town = r.pick(TOWN_NAMES) + r.pick(['街道', '镇']);
  return `${prefix}${town}${road}${houseNumber(r)}`;
}

/** A division named alone, as in every notice: not personal data. */
export function regionOnly(r: Random): string {
  const g = region(r);
  return r.chance(0.5) ? `${g.prefecture?.name ?? g.province.name}${g.county.name}` : g.county.name;
}

export function roadOnly(r: Random): string {
  return r.pick(ROAD_NAMES) + r.pick(ROAD_SUFFIX);
}

export function estateOnly(r: Random): string {
  return r.pick(ESTATE_NAMES) + r.pick(ESTATE_SUFFIX);
}
