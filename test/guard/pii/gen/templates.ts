/**
 * Government-style snippets (12345 tickets, applications, meeting minutes, 信访 letters,
 * notices, operations logs) with slots. A slot is filled by a generator and, for personal data,
 * labelled with its type at the exact offsets where it lands.
 */
import type { PiiType } from '../../../../src/guard/pii/index.js';
import * as near from './near.js';
import * as places from './places.js';
import type { Random } from './random.js';
import * as values from './values.js';

/** A slot's personal-data type: the detector's own. */
export type Label = PiiType;

type Slot = (r: Random) => [string, Label | null];

const pii =
  (label: Label, make: (r: Random) => string): Slot =>
  (r) => [make(r), label];
const plain =
  (make: (r: Random) => string): Slot =>
  (r) => [make(r), null];

export const SLOTS: Record<string, Slot> = {
  name: pii('person_name', places.personName),
  id: pii('id_card', values.residentId),
  uscc: pii('credit_code', values.creditCode),
  card: pii('bank_card', values.bankCard),
  mobile: pii('mobile', values.mobile),
  landline: pii('landline', values.landline),
  local: pii('landline', values.localLandline),
  email: pii('email', values.email),
  ip4: pii('ipv4', values.ipv4),
  ip6: pii('ipv6', values.ipv6),
  passport: pii('passport', values.passport),
  hk: pii('travel_permit', (r) => values.travelPermit(r, 'hk_macau')),
  hr: pii('travel_permit', (r) => values.travelPermit(r, 'home_return')),
  tw: pii('travel_permit', (r) => values.travelPermit(r, 'taiwan_compatriot')),
  plate: pii('plate', values.plate),
  addr: pii('address', places.address),
  // Near-misses and other text: never labelled.
  bad_id: plain(near.badResidentId),
  bad_uscc: plain(near.badCreditCode),
  bad_card: plain(near.badBankCard),
  luhn_order: plain(near.luhnOrderNumber),
  order: plain(near.orderNumber),
  bad_mobile: plain(near.badMobile),
  service: plain(near.serviceNumber),
  wenhao: plain(near.docNumber),
  date: plain(near.dateText),
  amount: plain(near.amount),
  tracking: plain(near.trackingNumber),
  case: plain(near.caseNumber),
  version: plain(near.versionNumber),
  section: plain(near.sectionNumber),
  bad_plate: plain(near.badPlate),
  product: plain(near.productCode),
  ticket: plain(near.ticketNumber),
  big: plain(near.bigNumber),
  timestamp: plain(near.timestamp),
  isbn: plain(near.isbn),
  qq: plain((r) => String(r.int(10000000, 999999999))),
  train: plain((r) => String(r.int(10, 9999))),
  sur: plain(places.surnameOnly),
  region: plain(places.regionOnly),
  road: plain(places.roadOnly),
  estate: plain(places.estateOnly),
};

/** [weight, template]; weights tilt the mix so every type gets enough instances. */
export const POSITIVE: [number, string][] = [
  [
    3,
    '【12345工单】来电人：{name}，联系电话：{mobile}，身份证号：{id}。来电反映：{addr}附近夜间施工噪音扰民，请相关部门核查处理。',
  ],
  [2, '市民{name}来电反映，其位于{addr}的住房漏水，物业未及时维修。回访电话{mobile}。'],
  [2, '申请人{name}（公民身份号码{id}），现住{addr}，申请办理居住证，联系方式{mobile}。'],
  [
    3,
    '企业名称：广州某某科技有限公司，统一社会信用代码：{uscc}，法定代表人：{name}，联系电话：{landline}，电子邮箱：{email}。',
  ],
  [3, '退款账户：{name}，开户行：中国工商银行天河支行，银行卡号：{card}。'],
  [
    2,
    '会议纪要：时间2023年11月24日，地点：区政务服务中心三楼会议室。主持人：{name}；参会人员：{name}、{name}、{name}；记录人：{name}。',
  ],
  [2, '信访人{name}，男，身份证{id}，住{addr}，电话{mobile}，反映其承包土地被占用问题。'],
  [2, '经核查，涉事车辆{plate}于11月20日晚在{addr}门前违停，车主{name}已接受处理。'],
  [
    2,
    '出境申请：申请人{name}，护照号码{passport}，往来港澳通行证{hk}，紧急联系人{name}，电话{mobile}。',
  ],
  [2, '港澳居民{name}持回乡证{hr}办理社保登记，联系电话{mobile}，现居{addr}。'],
  [2, '台湾居民{name}，台胞证号{tw}，申请在{addr}开办个体工商户。'],
  [
    2,
    '系统运维记录：服务器{ip4}于凌晨2时告警，管理员{name}（{email}）远程登录排查，备用地址{ip6}。',
  ],
  [2, '请{name}同志于本周五前将材料报送至区办公室，联系电话{landline}。'],
  [2, '{name}先生：您反映的{addr}路灯损坏问题已转交街道办处理。'],
  [
    2,
    '投诉人{name}称，其于11月3日通过银行卡{card}向商家支付定金后无法联系对方，商家电话{mobile}。',
  ],
  [2, '联系人：{name}  手机：{mobile}  邮箱：{email}'],
  [
    2,
    '兹证明{name}（身份证号码：{id}）系我单位在职职工，特此证明。单位地址：{addr}，联系电话：{landline}。',
  ],
  [2, '来访人{name}反映：{addr}附近有车辆{plate}长期占用消防通道。'],
  [2, '联系电话：{local}；传真：{landline}；邮箱：{email}。'],
  [5, '企业{uscc}于2023年完成年报公示，经办人{name}，邮箱{email}。'],
  [2, '你好，我是{name}，我的手机号是{mobile}，身份证是{id}，家住{addr}。'],
  [1, '{name}反映其母亲在{addr}附近走失，请协助寻找。'],
  [3, '手机{mobile}身份证{id}卡号{card}'],
  [2, '驾驶人{name}驾驶{plate}小型轿车，驾驶证号{id}。'],
  [4, '转账记录：收款人{name}，收款账号{card}，附言：工程款。'],
  [2, '网络安全事件报告：攻击源IP {ip4}，目标主机{ip4}，IPv6地址{ip6}，联系人{name}，{mobile}。'],
  [2, '收件人：{name}，{mobile}，{addr}'],
  [2, '业主{name}反映{addr}楼上漏水，多次协调无果。'],
  [3, '护照{passport}持有人{name}于11月入境，入住{addr}。'],
  [4, '审批意见：同意{uscc}（法定代表人{name}）的申请，请于5个工作日内领取许可证。'],
  [2, '供应商统一社会信用代码{uscc}，开户账号{card}，对接人{name}，{landline}。'],
  [2, '经办人：{name}　　办公电话：{landline}　　手机：{mobile}'],
  [1, '举报人{name}反映，车牌号为{plate}的渣土车在{addr}附近抛洒，举报人电话{mobile}。'],
  [1, '请将结果回复至{email}或致电{landline}，联系人{name}老师。'],
  [2, '身份证号码{id}，银行卡{card}，请核对后签字确认。'],
  [1, '访问日志：{ip4} - - [24/Nov/2023:10:02:11] "GET /api/v1/tickets" 200；来源{ip6}。'],
  [1, '户主{name}，家庭住址{addr}，共同居住人{name}、{name}。'],
  [1, '{name}女士您好，您预约的业务已办结，如有疑问请拨打{mobile}。'],
  [2, '联系方式：{mobile}/{mobile}（工作日），座机{landline}转8001。'],
  [2, 'Tel：{landline}；E-mail：{email}；地址：{addr}。'],
  [2, '服务器地址{ip4}:8080，管理端口{ip4}:22，日志发送至{email}。'],
  [2, '本人{name}，身份证号码为{id}，工资卡号{card}，开户银行为农业银行。'],
  [2, '|序号|姓名|身份证号|联系电话|\n|1|{name}|{id}|{mobile}|\n|2|{name}|{id}|{mobile}|'],
  [2, '申请单位：{uscc}；联系人：{name}；手机号码：{mobile}；电子邮箱：{email}'],
  [2, '经查，{uscc}与{uscc}两家企业存在关联交易，已移交市场监管部门。'],
  [2, '持往来港澳通行证{hk}及护照{passport}出境，返程后持回乡证{hr}的亲属{name}陪同。'],
  [2, '请将款项汇入以下账户：户名{name}，账号{card}。'],
];

export const NEAR_MISS: [number, string][] = [
  [2, '订单号{order}已发货，快递单号{tracking}，预计3日内送达。'],
  [2, '根据{wenhao}文件精神，各单位应于{date}前完成自查。'],
  [2, '本次采购金额{amount}，合同编号{order}。'],
  [3, '身份证号{bad_id}（系统校验未通过，请核实）。'],
  [3, '统一社会信用代码{bad_uscc}校验失败，请重新填写。'],
  [3, '卡号{bad_card}无效，请核对后重新提交。'],
  [3, '交易流水号{luhn_order}，请妥善保存。'],
  [2, '号码{bad_mobile}为空号，请核实。'],
  [2, '服务热线{service}，政务服务便民热线12345。'],
  [2, '案号{case}，本院已依法立案。'],
  [2, '系统版本{version}，详见第{section}条。'],
  [2, '{sur}先生反映{region}部分路段路灯不亮。'],
  [2, '{region}人民政府办公室主任参加会议。'],
  [1, '乘坐地铁3号线至{road}站下车，步行约5分钟。'],
  [1, '{estate}项目已于{date}通过竣工验收。'],
  [2, '车牌{bad_plate}号牌格式不符，不予登记。'],
  [2, '产品型号{product}，生产批号{product}，有效期至{date}。'],
  [2, '工单编号{ticket}，受理时间{date}，办结时限5个工作日。'],
  [2, '统计显示，全市共有常住人口{big}人，地区生产总值{amount}。'],
  [2, '经费预算{amount}，其中设备购置费{amount}。'],
  [1, '邮政编码510000，区号020，传真号码请向办公室索取。'],
  [1, '{sur}女士来电咨询社保缴费事宜，已解答。'],
  [1, '请各单位于{date}前报送{region}年度统计数据，报送编号{ticket}。'],
  [1, '运单号{tracking}，订单号{luhn_order}。'],
  [2, '接口返回时间戳{timestamp}，请求编号{ticket}，ISBN {isbn}。'],
  [2, '依据GB/T 22239-2019第{section}条，QQ群号{qq}，坐标113.264385,23.129163。'],
  [1, '乘坐G{train}次列车于{date}抵达，航班CA{train}延误。'],
];

export const NEGATIVE: string[] = [
  '为深入贯彻落实党中央、国务院关于优化营商环境的决策部署，现就有关事项通知如下。',
  '各区人民政府，市政府各部门、各直属机构：经市人民政府同意，现将本方案印发给你们，请认真贯彻执行。',
  '会议听取了关于今年以来全市经济运行情况的汇报，研究部署了下一阶段重点工作。',
  '经核实，该问题属实，已转交属地街道办事处处理，要求7个工作日内反馈办理结果。',
  '来电人咨询新生儿医保参保流程，已告知其通过政务服务网上办理。',
  '本办法自发布之日起施行，有效期5年。',
  '会议强调，要坚持以人民为中心的发展思想，切实解决群众急难愁盼问题。',
  '各部门要加强协调配合，形成工作合力，确保各项任务按时保质完成。',
  '市民反映小区周边道路积水严重，已派单至市政设施管理部门。',
  '据统计，本季度共受理热线工单一万余件，按时办结率达到百分之九十八。',
  '请各单位高度重视，明确责任分工，认真组织实施。',
  '经研究，同意该项目立项，所需经费从部门预算中统筹安排。',
  '本次检查共发现问题十二项，已全部督促整改到位。',
  '下一步，我局将继续加大执法力度，切实维护市场秩序。',
  '会议要求，各镇街要压实属地责任，做好防汛防风各项准备工作。',
  '政务服务中心实行延时服务，工作日中午不休息。',
  '该事项属于区级事权，已告知来电人向所在区政务服务中心咨询。',
  '会议审议通过了《关于加强数据安全管理的实施意见》。',
  '各地要结合实际，制定具体实施方案，并于月底前报送市政府办公室。',
  '经调解，双方达成一致意见，当事人对处理结果表示满意。',
  '本通知由市数据管理局负责解释。',
  '来电人反映的供暖不热问题，经供热公司上门检修已恢复正常。',
  '会议指出，今年以来全市安全生产形势总体平稳。',
  '请于每月5日前报送上月工作进展情况。',
  '对群众反映强烈的突出问题，要建立台账，逐项销号。',
  '政务大模型平台已接入各部门业务系统，实现统一调用和计量。',
  '本次会议应到委员十五人，实到十三人，符合议事规则。',
  '项目建设期为两年，计划于明年底前竣工投入使用。',
  '经复核，原处理意见正确，维持原答复。',
  '社区网格员每日巡查，及时发现并上报安全隐患。',
];

export const FILLER: string[] = NEGATIVE;
