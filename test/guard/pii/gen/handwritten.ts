/**
 * Batch A (HANDWRITTEN) was measured once, then used to tune cue words and address parts
 * (docs/pii.md gives the figures before and after). Batch B (HELD_OUT) was written after that
 * tuning and has not been used to change the detector.
 *
 * Snippets written by hand, not from the templates, in forms the templates do not use: a check
 * that the detector was not just fitted to the generator. Personal data is marked up inline as
 * {{type|text}}; generate.ts turns the markup into offsets. Numbers with check digits are
 * taken from regulations.md §4 or computed the same way as the generated ones.
 */
export const HANDWRITTEN: { kind: 'positive' | 'near_miss' | 'negative'; text: string }[] = [
  {
    kind: 'positive',
    text: '经办人{{name|刘晓东}}于11月22日上午到现场核查，{{addr|海珠区江南大道中路168号一楼}}商铺确有占道经营情况。',
  },
  {
    kind: 'positive',
    text: '投诉人：{{name|蔡美玲}}（女，{{mobile|13925071146}}），住{{addr|番禺区市桥街道繁华路12号之3}}。',
  },
  {
    kind: 'positive',
    text: '来电人{{name|黄志明}}反映{{addr|上海市徐汇区漕溪北路595弄3号1201室}}楼上住户装修噪音。',
  },
  { kind: 'positive', text: '现场负责人{{name|周建华}}，联系电话{{landline|021-64875210}}。' },
  {
    kind: 'positive',
    text: '{{addr|北京市东城区东四十条胡同23号院}}内违建一处，当事人{{name|马国庆}}拒不配合拆除。',
  },
  {
    kind: 'positive',
    text: '申请人{{name|欧阳明辉}}，公民身份号码{{id|11010519491231002X}}，拟在{{addr|清远市清城区横荷街道旭日社区5巷7号}}开设便利店。',
  },
  {
    kind: 'positive',
    text: '村民{{name|梁添福}}反映，{{addr|英德市西牛镇小湾村三组}}的灌溉水渠堵塞。',
  },
  { kind: 'positive', text: '请{{name|陈卫东}}局长、{{name|李红梅}}副局长于周三下午三点到会。' },
  { kind: 'positive', text: '落款：{{name|王海燕}}　二〇二三年十一月二十日' },
  {
    kind: 'positive',
    text: '收款单位：广州某物业管理有限公司（统一社会信用代码{{uscc|91440300708461136T}}）。',
  },
  {
    kind: 'positive',
    text: '乙方：{{uscc|91110102MACQD9K640}}，授权代表{{name|孙志强}}，联系邮箱{{email|sunzq@bjtech.com.cn}}。',
  },
  {
    kind: 'positive',
    text: '请于3日内将材料发送至{{email|zwfw_shenpi@gd.gov.cn}}，逾期不予受理。',
  },
  {
    kind: 'positive',
    text: '当事人驾驶{{plate|粤A·D12345}}电动汽车在{{addr|天河区体育西路103号维多利广场}}门前违停。',
  },
  { kind: 'positive', text: '涉案车辆为{{plate|湘A8F29Q}}白色轿车，车主系{{name|唐伟}}。' },
  {
    kind: 'positive',
    text: '持{{passport|EA1234567}}号护照的外籍人士配偶{{name|郑丽}}申请居留许可。',
  },
  {
    kind: 'positive',
    text: '港澳居民来往内地通行证号码{{permit|H60123456}}，持证人{{name|何家明}}。',
  },
  {
    kind: 'positive',
    text: '台湾居民来往大陆通行证{{permit|01234567}}，持证人{{name|林志玲}}女士。',
  },
  {
    kind: 'positive',
    text: '告警主机{{ip4|172.16.20.35}}向境外地址{{ip4|45.77.102.8}}发起异常连接，网管{{name|冯刚}}已封禁。',
  },
  { kind: 'positive', text: '该终端IPv6地址为{{ip6|240e:3a1:4c2:8b10::1f}}，所属单位为区教育局。' },
  {
    kind: 'positive',
    text: '补贴发放至社保卡{{card|6217 0032 1000 1234 562}}，请持卡人{{name|吴秀英}}注意查收。',
  },
  { kind: 'positive', text: '请拨打{{mobile|135-1024-7788}}联系{{name|郭子豪}}师傅预约上门维修。' },
  {
    kind: 'positive',
    text: '我家住在{{addr|深圳市龙岗区坂田街道五和大道南2号万科城4期12栋B单元802}}，电话{{mobile|18688886666}}。',
  },
  {
    kind: 'positive',
    text: '联系人：{{name|钟离昊}}；传真：{{landline|0757-83381234}}；手机：{{mobile|+8613712345678}}。',
  },
  {
    kind: 'positive',
    text: '被申请人{{name|许文强}}，男，1978年生，住{{addr|佛山市南海区桂城街道南海大道北88号}}。',
  },
  { kind: 'positive', text: '{{name|何婷婷}}同志：经研究，同意你的调动申请。' },
  {
    kind: 'positive',
    text: '患者{{name|曹建军}}，住院号20231120045，家属电话{{mobile|15800001111}}。',
  },
  {
    kind: 'positive',
    text: '寄件人：{{name|罗小梅}} {{mobile|13631234567}} {{addr|韶关市浈江区解放路45号}}',
  },
  { kind: 'positive', text: '因{{name|邓丽君}}女士反映的问题涉及多个部门，已召开协调会。' },
  {
    kind: 'positive',
    text: '出租人：{{name|苏永康}}，身份证号码：{{id|440524188001010014}}；承租人：{{name|杜海涛}}。',
  },
  {
    kind: 'positive',
    text: '举报电话：{{landline|020-83123456}}（工作日9:00-17:00），举报邮箱：{{email|jubao@gzjw.gov.cn}}。',
  },
  {
    kind: 'positive',
    text: '该商户位于{{addr|中山市石岐区孙文中路208号}}，经营者{{name|梁文静}}。',
  },
  {
    kind: 'positive',
    text: '{{addr|惠州市惠城区江北街道文昌一路11号华贸中心7楼}}会议室召开协调会。',
  },
  {
    kind: 'positive',
    text: '法定代表人：{{name|谢振东}}  电话：{{landline|0769-22831234}}  地址：{{addr|东莞市南城街道鸿福路200号}}',
  },
  {
    kind: 'positive',
    text: '本人身份证号{{id|110101199003074258}}，手机{{mobile|13800138000}}，遗失声明。',
  },
  { kind: 'positive', text: '请联系社区网格员{{name|赵敏}}（{{mobile|137 2222 3333}}）了解详情。' },
  { kind: 'positive', text: '业主{{name|范伟}}、{{name|田静}}夫妇反映物业费收取不合理。' },
  { kind: 'positive', text: '车辆{{plate|京A12345}}、{{plate|沪B23456}}于高速出口发生追尾。' },
  { kind: 'positive', text: '来访人员：{{name|葛优}}（{{id|110101199003074258}}）。' },
  {
    kind: 'positive',
    text: '信访人{{name|韩梅梅}}家住{{addr|长沙市岳麓区桐梓坡西路229号}}，反映小区电梯故障。',
  },
  { kind: 'positive', text: '{{addr|成都市武侯区人民南路四段12号}}的临街商铺存在安全隐患。' },
  { kind: 'near_miss', text: '反映人民路与中山路交叉口东北角红绿灯故障，已派单交警部门。' },
  {
    kind: 'near_miss',
    text: '张女士来电称，其在某电商平台购买的商品存在质量问题，订单号3528190045671230。',
  },
  { kind: 'near_miss', text: '根据穗府办规〔2023〕5号文，2023年11月1日起施行。' },
  { kind: 'near_miss', text: '会议由办公室主任主持，各科室负责人参加。' },
  { kind: 'near_miss', text: '本项目总投资12345678.90元，建设周期18个月。' },
  { kind: 'near_miss', text: '全省共有行政村19825个，社区4217个，覆盖率100%。' },
  { kind: 'near_miss', text: '地铁5号线、3号线北延段于今年通车，途经天河客运站。' },
  { kind: 'near_miss', text: '参照GB/T 35273-2020第5.4条及附录B执行。' },
  { kind: 'near_miss', text: '运单号SF1402938475610，快递员电话请通过平台联系。' },
  { kind: 'near_miss', text: '软件版本V3.2.1.15已推送至全部终端。' },
  { kind: 'near_miss', text: '请各区于2023-12-01前报送，联系人：市数据局办公室。' },
  { kind: 'near_miss', text: '本次共抽检样品62份，批次号20231120001至20231120062。' },
  { kind: 'near_miss', text: '广东省广州市天河区人民政府、深圳市南山区人民政府联合发文。' },
  { kind: 'near_miss', text: '身份证号码110101199003074259无法通过校验，请重新核对。' },
  { kind: 'near_miss', text: '统一社会信用代码91440300708461136X有误。' },
  { kind: 'near_miss', text: '号码14612345678、19412345678均为未分配号段。' },
  { kind: 'near_miss', text: '第十四届全国人民代表大会第一次会议于2023年3月5日开幕。' },
  { kind: 'near_miss', text: '各位市民朋友，冬季用电高峰请注意安全。' },
  { kind: 'negative', text: '经审查，该申请材料齐全，符合法定形式，决定予以受理。' },
  { kind: 'negative', text: '市政府常务会议研究了城市更新、营商环境等议题。' },
];

export const HELD_OUT: { kind: 'positive' | 'near_miss' | 'negative'; text: string }[] = [
  {
    kind: 'positive',
    text: '【工单】{{name|付晓丽}}来电称{{addr|白云区京溪街道云景路18号云景花园B栋1503}}的邻居在阳台饲养家禽，气味难闻。',
  },
  {
    kind: 'positive',
    text: '工作人员{{name|邱志刚}}核实后答复：该路段属于{{addr|黄埔区开创大道2511号}}在建工地范围。',
  },
  {
    kind: 'positive',
    text: '原告{{name|沈建平}}，男，汉族，住{{addr|江苏省南京市鼓楼区中山北路305号}}。被告{{name|贺立新}}，住址不详。',
  },
  { kind: 'positive', text: '兹有我局干部{{name|石磊}}同志前往贵单位联系工作，请予接洽。' },
  {
    kind: 'positive',
    text: '申报人：{{name|罗嘉欣}}　证件号码：{{id|440524188001010014}}　手机：{{mobile|19876543210}}',
  },
  {
    kind: 'positive',
    text: '快递请寄：{{addr|杭州市西湖区文三路90号东部软件园2号楼5楼}}，{{name|潘婷}}收，{{mobile|17712345678}}。',
  },
  { kind: 'positive', text: '户籍地址为{{addr|湖南省邵阳县塘渡口镇城北村7组}}，现居广州。' },
  { kind: 'positive', text: '经查，{{name|丁志远}}名下车辆{{plate|粤S3K728}}已逾期未年检。' },
  {
    kind: 'positive',
    text: '请主办单位于周五前将联系人及电话（如：{{name|蒋红}} {{landline|0755-82123456}}）报市政府办公厅。',
  },
  { kind: 'positive', text: '护照号码：{{passport|E87654321}}；签发地：广东。' },
  { kind: 'positive', text: '如有疑问，请发送邮件至{{email|service@12345.gz.gov.cn}}。' },
  {
    kind: 'positive',
    text: '公司名称：深圳某电子有限公司，信用代码：{{uscc|914403001922038216}}，地址：{{addr|深圳市南山区科技园南区高新南七道12号}}。',
  },
  {
    kind: 'positive',
    text: '志愿者{{name|黎明}}、{{name|陈慧琳}}、{{name|郑秀文}}参加了社区清洁活动。',
  },
  { kind: 'positive', text: '当事人{{name|卢冠廷}}对处罚决定不服，于法定期限内申请复议。' },
  {
    kind: 'positive',
    text: '数据库服务器（{{ip4|10.12.3.45}}）与备份服务器（{{ip4|10.12.3.46}}）之间同步中断。',
  },
  {
    kind: 'positive',
    text: '银行账号：{{card|6228480402564890018}}（农业银行），户名：{{name|袁晓峰}}。',
  },
  { kind: 'positive', text: '手机号码{{mobile|186 2000 1234}}，备用号码{{mobile|13500135000}}。' },
  {
    kind: 'positive',
    text: '居民{{name|胡雪梅}}反映{{addr|珠海市香洲区拱北街道迎宾南路1033号}}商铺油烟扰民。',
  },
  { kind: 'positive', text: '联系人：{{name|司徒振华}}，座机：{{landline|（020）87654321}}。' },
  {
    kind: 'positive',
    text: '{{name|龚俊}}先生的港澳通行证{{permit|C98765432}}已办结，请到窗口领取。',
  },
  {
    kind: 'positive',
    text: '会议记录：{{name|魏华}}发言，建议在{{addr|萝岗街道香雪三路3号}}增设公交站。',
  },
  {
    kind: 'positive',
    text: '该企业注册地址位于{{addr|广州市南沙区丰泽东路106号X1301-A2203}}，实际经营地不符。',
  },
  { kind: 'near_miss', text: '请于12月15日前通过12345热线或“粤省事”小程序反馈意见。' },
  { kind: 'near_miss', text: '本批次疫苗编号为202311150012，共计1200支。' },
  { kind: 'near_miss', text: '王局长指出，要做好岁末年初安全生产工作。' },
  { kind: 'near_miss', text: '深圳市福田区、罗湖区、南山区三区联合开展执法行动。' },
  { kind: 'near_miss', text: '详见附件3第2.3.1.5节，联系电话另行通知。' },
  {
    kind: 'near_miss',
    text: '合同金额人民币壹佰贰拾万元整（¥1,200,000.00），合同编号GZ-2023-0456。',
  },
  { kind: 'near_miss', text: '身份证有效期至2035.06.30，签发机关广州市公安局天河分局。' },
  { kind: 'near_miss', text: '本条线路途经中山大道、黄埔大道等主干道。' },
  { kind: 'negative', text: '各单位要严格落实值班值守制度，遇有突发情况及时报告。' },
  { kind: 'negative', text: '经研究决定，对在抗洪抢险中表现突出的集体予以通报表扬。' },
];
