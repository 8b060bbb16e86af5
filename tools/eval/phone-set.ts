// Labelled phone-number set: OCR-like lines as they appear on small ads (小广告), banners and
// shop signs, with the numbers an officer would write down. `lines` are one poster's OCR
// lines top to bottom; `areaCode` is the camera's. Written by hand from the forms seen on
// real ads (glued digits, spaced groups, full-width, Chinese numerals, look-alike letters)
// plus lines that carry digits but no phone number (dates, device ids, prices, plates).

export interface PhoneCase {
  lines: string[];
  expected: string[];
  areaCode?: string;
}

/** The strings named in issue 13 (each gave no or a wrong number before the parser). */
export const ISSUE_CASES: PhoneCase[] = [
  { lines: ['027-88852022', '027-88859022'], expected: ['027-88852022', '027-88859022'] },
  { lines: ['1381234567824小时上内'], expected: ['13812345678'] },
  { lines: ['电话021-6543219813912345678'], expected: ['021-65432198', '13912345678'] },
  { lines: ['13812345678 24小时上门'], expected: ['13812345678'] },
  { lines: ['13812345678 021-65432198'], expected: ['13812345678', '021-65432198'] },
  { lines: ['400-820-8820'], expected: ['400-820-8820'] },
  { lines: ['壹叁捌壹贰叁肆伍陆柒捌'], expected: ['13812345678'] },
  { lines: ['l3812345678'], expected: ['13812345678'] },
];

export const PHONE_SET: PhoneCase[] = [
  ...ISSUE_CASES,
  // Mobiles, written the usual ways.
  { lines: ['专业疏通下水道', '电话 138-1234-5678'], expected: ['13812345678'] },
  { lines: ['联系：１５９ ８７６５ ４３２１'], expected: ['15987654321'] },
  { lines: ['+86 186.0000.1111 微信同号'], expected: ['18600001111'] },
  { lines: ['13912345678 13912345678'], expected: ['13912345678'] },
  { lines: ['办证刻章', '手机：177 0210 3344'], expected: ['17702103344'] },
  { lines: ['开锁换锁 15021876543'], expected: ['15021876543'] },
  { lines: ['TEL:18917364520'], expected: ['18917364520'] },
  { lines: ['电话/微信：13661882045（微信同号）'], expected: ['13661882045'] },
  { lines: ['疏通马桶 l8621003456'], expected: ['18621003456'] },
  { lines: ['招工 日结 138O2l45678'], expected: ['13802145678'] },
  { lines: ['上门回收 壹伍捌 贰壹零零 叁肆伍陆'], expected: ['15821003456'] },
  { lines: ['家电维修 一八六 一二三四 五六七八'], expected: ['18612345678'] },
  { lines: ['热线：(+86)135-0000-1234'], expected: ['13500001234'] },
  { lines: ['0086 13511112222'], expected: ['13511112222'] },
  { lines: ['空调加氟 1３９１２３４５６７８'], expected: ['13912345678'] },
  { lines: ['贷款 无抵押 秒到账 19912345678'], expected: ['19912345678'] },
  { lines: ['出租 一室一厅 价格面议 电话13764500012'], expected: ['13764500012'] },
  { lines: ['1381234567813987654321'], expected: ['13812345678', '13987654321'] },
  { lines: ['13812345678/13987654321'], expected: ['13812345678', '13987654321'] },
  { lines: ['刘师傅13812345678王师傅13987654321'], expected: ['13812345678', '13987654321'] },
  { lines: ['搬家 138 1234 5678 长途短途'], expected: ['13812345678'] },
  { lines: ['电话：152-2199-8877 随叫随到'], expected: ['15221998877'] },
  { lines: ['18801234567全市上门'], expected: ['18801234567'] },
  { lines: ['7×24小时服务13800001111'], expected: ['13800001111'] },
  { lines: ['手机号：147 2345 6789'], expected: ['14723456789'] },
  // Landlines.
  { lines: ['办证 021-6543 2198'], expected: ['021-65432198'] },
  { lines: ['(010)8888-6666'], expected: ['010-88886666'] },
  { lines: ['０７５５－１２３４５６７８'], expected: ['0755-12345678'] },
  { lines: ['订餐电话：020-87654321'], expected: ['020-87654321'] },
  { lines: ['咨询热线 0571-86543210 转 8001'], expected: ['0571-86543210'] },
  { lines: ['座机 (028) 8765 4321'], expected: ['028-87654321'] },
  { lines: ['电话：0512-65123456'], expected: ['0512-65123456'] },
  { lines: ['传真 025-84561234'], expected: ['025-84561234'] },
  { lines: ['021 5432 1987 / 139 1111 2222'], expected: ['021-54321987', '13911112222'] },
  { lines: ['022-2345678913312345678'], expected: ['022-23456789', '13312345678'] },
  { lines: ['热线O21-64123456'], expected: ['021-64123456'] },
  { lines: ['+86 21 6543 2198'], expected: ['021-65432198'] },
  { lines: ['电话：6543 2198'], expected: ['021-65432198'], areaCode: '021' },
  { lines: ['订座 5432-1987'], expected: ['021-54321987'], areaCode: '021' },
  { lines: ['报修电话 87654321'], expected: ['0571-87654321'], areaCode: '0571' },
  // Service numbers.
  { lines: ['全国服务热线400-820-8820'], expected: ['400-820-8820'] },
  { lines: ['免费咨询 800 810 8888'], expected: ['800-810-8888'] },
  { lines: ['客服4006123456'], expected: ['400-612-3456'] },
  { lines: ['400 1234 567 全国统一'], expected: ['400-123-4567'] },
  // Numbers split over two lines.
  { lines: ['电话：138', '1234 5678'], expected: ['13812345678'] },
  { lines: ['联系 021-', '6543 2198'], expected: ['021-65432198'] },
  { lines: ['手机 139 1234', '5678 王'], expected: ['13912345678'] },
  // Several numbers on one poster.
  { lines: ['专业疏通下水道', '电话 138-1234-5678', '办证刻章 021 6543 2198'], expected: ['13812345678', '021-65432198'] },
  { lines: ['开锁 13800138000', '换锁芯 13900139000', '24小时上门'], expected: ['13800138000', '13900139000'] },
  { lines: ['健身房开业', '027-88852022', '027-88859022', '地址：光谷大道88号'], expected: ['027-88852022', '027-88859022'] },
  // Digits that are not phone numbers.
  { lines: ['设备编号：371322000000032466'], expected: [] },
  { lines: ['时间：2019-01-05 11:19:48'], expected: [] },
  { lines: ['12812345678'], expected: [] },
  { lines: ['限速 060km/h'], expected: [] },
  { lines: ['地址：光谷大道88号3栋2单元1101室'], expected: [] },
  { lines: ['价格 1980元/月 押一付三'], expected: [] },
  { lines: ['营业时间 09:00-21:00'], expected: [] },
  { lines: ['沪A·12345'], expected: [] },
  { lines: ['统一社会信用代码 91310000MA1FL12345'], expected: [] },
  { lines: ['2023年10月01日 开业大酬宾'], expected: [] },
  { lines: ['一站式服务 三楼 五折'], expected: [] },
  { lines: ['QQ 123456789'], expected: [] },
  { lines: ['身份证号 310101199001011234'], expected: [] },
  { lines: ['订单号 20231001123456789'], expected: [] },
  { lines: ['1号线 2号出口 往前300米'], expected: [] },
  { lines: ['邮编 200001'], expected: [] },
  { lines: ['无电话号码的标语：创建文明城市'], expected: [] },
  { lines: ['IMEI 861234567890123'], expected: [] },
  { lines: ['座位 1-2-3-4-5-6-7-8'], expected: [] },
  { lines: ['电话：6543 2198'], expected: [] },
];
