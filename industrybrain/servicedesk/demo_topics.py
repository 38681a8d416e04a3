"""What the demo's requests are about: the year and its rhythm, the mix of categories and channels, the rates
of detours, who leads and assists each category, and the topics (title, description, answer) requests are
drawn from. `demo.py` plans and replays them."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from industrybrain.datahub.demo import DEMO_END

from .choices import Channel, Satisfaction

# --- the year ------------------------------------------------------------------------------------------------
LAST_DAY = dt.date(DEMO_END.year, DEMO_END.index, calendar.monthrange(DEMO_END.year, DEMO_END.index)[1])
_YEAR_BEFORE = dt.date(LAST_DAY.year - 1, LAST_DAY.month, 1)
FIRST_DAY = _YEAR_BEFORE + dt.timedelta(days=calendar.monthrange(_YEAR_BEFORE.year, _YEAR_BEFORE.month)[1])
REQUESTS_PER_FIRM = 0.9  # a year: 1,800 for 临海's 2,000 firms
# City and province: every county at the same rate per firm, thinned so the province builds in minutes.
SCALE_SHARE = {"county": 1.0, "city": 0.2, "province": 0.04}
MONTH_FACTOR = {1: 0.95, 2: 0.85, 3: 1.15, 4: 1.05, 5: 1.0, 6: 1.0, 7: 0.95, 8: 0.9, 9: 1.05, 10: 0.9, 11: 1.0, 12: 1.1}
SPRING_FESTIVAL = (dt.date(2026, 2, 15), dt.date(2026, 2, 23))  # the days off of 2026; quieter around them
WORK_START, WORK_END, WORK_HOURS = dt.time(8, 30), dt.time(17, 30), 9.0
TICK = dt.time(8, 0)  # when the deadline check runs every day

CATEGORY_SHARES = {
    "policy": 25, "permits": 15, "land": 8, "finance": 10, "talent": 9, "infrastructure": 6, "other": 7,
    "customs": 4, "forex": 3, "tax_rebate": 6, "credit_insurance": 3, "logistics": 4,  # trade services: 20%
}  # fmt: skip
TRADE = ("customs", "forex", "tax_rebate", "credit_insurance", "logistics")
CHANNELS = {Channel.WEB: 60, Channel.HOTLINE: 20, Channel.PHONE: 10, Channel.API: 10}
# Shares of the requests (not of the duplicates) that take each detour; exact counts, drawn without replacement.
RATES = {
    "duplicate": 0.01,  # filed twice (web, then the 12345 hotline): merged
    "escalate": 0.01,  # to the city
    "return": 0.05,  # not ours: returned, dispatched again
    "joint": 0.06,  # returned for a joint arrangement, dispatched with assisting departments
    "transfer": 0.03,
    "suspend": 0.06,
    "extension": 0.04,
    "late": 0.015,  # answered after the deadline (returns and late signatures make about as many again)
    "sign_late": 0.03,
    "unsatisfied": 0.02,  # the first rating: reopened
    "unrated": 0.05,
    "chase": 0.05,  # the enterprise asks how it is going
    "stuck": 0.003,  # filed in the last weeks and still unanswered, overdue, at the end
    "backlog": 0.01,  # filed in October and still waiting at the end: for documents, a closure, a part
}
SIMPLE = ("policy", "customs", "forex")  # answered within a working day: too quick to be filed twice
ESCALATABLE = ("land", "infrastructure", "permits", "logistics", "finance", "talent")

# --- who handles what ----------------------------------------------------------------------------------------
ROUTES = {  # category -> the county department (registry.demo.DEPARTMENTS code) that leads by default
    "policy": "JXJ", "permits": "ZWFW", "land": "ZRZYJ", "finance": "JRZX", "talent": "RSJ", "customs": "HG",
    "forex": "WHGLJ", "tax_rebate": "SWJU", "credit_insurance": "XB", "logistics": "SWJ", "infrastructure": "ZJJ",
    "other": "JXJ",
}  # fmt: skip
CITY_DEPARTMENTS = (
    ("JXJ", "经济和信息化局"), ("FGW", "发展和改革委员会"), ("SWJ", "商务局"), ("ZRZYJ", "自然资源和规划局"),
    ("RSJ", "人力资源和社会保障局"), ("JRB", "金融工作办公室"), ("HG", "{short}海关"),
)  # fmt: skip
CITY_ROUTES = {
    "policy": "JXJ", "permits": "FGW", "land": "ZRZYJ", "finance": "JRB", "talent": "RSJ", "customs": "HG",
    "forex": "SWJ", "tax_rebate": "SWJ", "credit_insurance": "SWJ", "logistics": "SWJ", "infrastructure": "FGW",
    "other": "JXJ",
}  # fmt: skip
CITY_ASSIST = {"land": "FGW", "infrastructure": "ZRZYJ", "permits": "ZRZYJ", "logistics": "HG", "finance": "JXJ",
               "talent": "JXJ"}  # fmt: skip
ASSIST_TASKS = {
    "SWJ": "提供企业出口报关和订单数据", "CZJ": "核实资金拨付进度", "KJJ": "核实科技项目和认定情况",
    "FGJ": "核实项目备案和用能指标", "ZRZYJ": "核实用地和规划条件", "XFJY": "消防技术审查意见",
    "JRJG": "协调银行机构", "RMYH": "提供再贷款和结算政策支持", "WHGLJ": "核实收汇信息", "HG": "提供通关和查验信息",
    "GAJ": "核实户籍和治安情况", "RCZX": "核实人才认定情况", "KFQ": "协调园区配套", "GDGS": "核实供电方案",
}  # fmt: skip
DEFAULT_TASK = "就本部门职责范围内事项提出意见"


@dataclass(frozen=True)
class Topic:
    title: str
    description: str
    answer: str
    alt: str  # the department it really belongs to, when it is returned or transferred
    assists: tuple[str, ...]  # who helps when it is handled jointly
    attributes: tuple[tuple[str, str], ...] = ()  # "$amount" and "$area" are drawn numbers


def _t(title: str, description: str, answer: str, alt: str, assists: tuple[str, ...], **attributes: str) -> Topic:
    return Topic(title, description, answer, alt, assists, tuple(attributes.items()))


TOPICS: dict[str, list[Topic]] = {
    "policy": [
        _t("咨询技术改造项目财政补助申报条件",
           "我公司今年购置数控加工设备约{amount}万元，想了解技改补助的申报条件、截止时间和需提交的材料。",
           "已电话联系企业，说明设备投资补助的申报条件和截止时间，材料清单已发送至企业邮箱。", "FGJ", ("CZJ",),
           policy_name="技术改造项目财政补助"),
        _t("高新技术企业认定奖励何时兑现",
           "我公司去年通过高新技术企业认定，按政策可获奖励，至今未收到，想了解兑现进度。",
           "经与科技局核实，奖励资金已列入本批次兑现名单，预计本月内拨付到企业账户。", "KJJ", ("CZJ",),
           policy_name="高新技术企业认定奖励"),
        _t("专精特新中小企业申报咨询",
           "我公司主营产品细分市场占有率较高，想申报省级专精特新中小企业，请问申报条件和流程。",
           "已告知申报条件、评价指标及线上申报流程，并安排专人上门辅导材料准备。", "ZXQY", ("KJJ",),
           policy_name="专精特新中小企业培育"),
        _t("失业保险稳岗返还申领", "今年公司未裁员，想了解稳岗返还是否需要申请以及到账时间。",
           "稳岗返还实行免申即享，经人社部门核实，企业已在返还名单中，资金将于下月拨付。", "RSJ", ("CZJ",),
           policy_name="失业保险稳岗返还"),
        _t("研发费用加计扣除政策口径", "我公司委托高校开展研发项目，费用约{amount}万元，想确认能否享受加计扣除。",
           "已会同税务部门答复：委托境内机构研发的费用按实际发生额的80%计入加计扣除基数，申报方式已告知。",
           "SWJU", ("KJJ",),
           policy_name="研发费用加计扣除"),
        _t("亩均效益评价结果申请复核", "我公司被评为C类企业并执行差别化电价，认为评价所用的用地面积有误，申请复核。",
           "已核对企业不动产登记面积，原评价数据有误，已更正并重新核定为B类，差别化电价相应调整。", "FGJ", ("ZRZYJ",),
           policy_name="亩均效益综合评价"),
        _t("数字化改造补助政策咨询",
           "我公司计划实施车间数字化改造，投资约{amount}万元，想了解数字化车间、智能工厂的认定和补助标准。",
           "已说明数字化车间、智能工厂认定条件和补助比例，并推荐服务商开展免费诊断。", "DSJJ", ("KJJ",),
           policy_name="数字化改造补助"),
        _t("奖励资金公示后未到账", "我公司去年申报的工业企业奖励资金已公示通过，至今未到账，请帮助查询进度。",
           "经财政局核实，该批资金已完成审核并于近日拨付，请企业注意查收。", "CZJ", ("CZJ",)),
    ],
    "permits": [
        _t("厂房扩建施工许可办理进度", "我公司在{park}扩建厂房约{area}亩，施工许可申请已提交，迟迟没有结果，影响开工。",
           "已协调住建部门，施工图审查意见已反馈，企业补正后两个工作日内核发施工许可证。", "ZJJ", ("ZRZYJ", "XFJY"),
           permit_type="construction", stuck_between="住建、自然资源和规划"),
        _t("新建项目环评审批时限", "我公司新建一条涂装生产线，想了解环评报告表的审批时限，能否与其他审批并联办理。",
           "已答复：报告表审批承诺时限为10个工作日，可与节能审查、规划许可并联推进，已安排专人代办。",
           "STHJJ", ("FGJ",),
           permit_type="environment"),
        _t("危险化学品经营许可证到期换证", "我公司危险化学品经营许可证下月到期，换证需要哪些材料，能否网上办理。",
           "已告知换证所需材料，可通过浙江政务服务网在线提交，现场核查已预约。",
           "YJGLJ", ("XFJY",), permit_type="safety"),
        _t("新厂房消防验收迟迟未安排", "新厂房已竣工，消防验收申请提交两周仍未安排现场验收，影响投产。",
           "已协调住建局（消防审验），现场验收已安排在本周内进行。", "ZJJ", ("XFJY",),
           permit_type="construction", stuck_between="住建、消防"),
        _t("食品生产许可证变更生产地址", "我公司搬迁至新厂区，食品生产许可证需要变更生产地址，想了解办理流程。",
           "已告知变更流程及现场核查要求，企业提交申请后将在法定时限内办结。",
           "SCJGJ", ("WSJKJ",), permit_type="other"),
        _t("排污许可证重新申领", "我公司新增产能后需重新申领排污许可证，系统提示总量指标不足。",
           "已会同生态环境部门核实，企业可通过排污权交易获得所需总量指标，交易流程已告知。", "STHJJ", ("GGZY",),
           permit_type="environment", stuck_between="生态环境、公共资源交易"),
        _t("建设工程规划许可容积率要求", "我公司技改项目需新建仓库，办理规划许可时对容积率要求有疑问。",
           "已由自然资源和规划局答复容积率和建筑密度控制指标，企业调整方案后即可办理。", "ZRZYJ", ("ZJJ",),
           permit_type="construction"),
        _t("特种设备使用登记", "我公司新购叉车和压力容器，想了解使用登记的办理方式。",
           "已告知可在线申请使用登记，市场监管部门将在5个工作日内办结。", "SCJGJ", ("YJGLJ",), permit_type="other"),
    ],
    "land": [
        _t("扩产项目新增用地", "我公司计划扩产，需新增工业用地约{area}亩，希望了解能否纳入今年的供地计划。",
           "已将企业用地需求纳入储备项目库，拟于下半年安排挂牌出让，出让条件已告知。", "KFQ", ("FGJ", "KFQ"),
           factor="land", area_mu="$area"),
        _t("不动产权证书迟迟未出证", "我公司厂房已竣工验收，不动产首次登记提交后一直未出证。",
           "已协调不动产登记服务中心，登记已完成，企业可领取不动产权证书。",
           "BDCDJ", ("ZJJ",), factor="land", area_mu="$area"),
        _t("新增生产线用电增容", "我公司新增生产线需增容{kva}千伏安，报装后供电方案一直未答复。",
           "已协调供电公司，供电方案已答复，外线工程预计一个月内完成。", "GDGS", ("FGJ",), factor="power"),
        _t("技改项目用能指标不足", "我公司技改项目节能审查时提示用能指标不足，项目无法开工。",
           "已由发展和改革局统筹调剂用能指标，节能审查意见将于近日出具。", "FGJ", ("JXJ",), factor="power"),
        _t("新厂区工业用水接入", "新厂区自来水管网尚未接通，临时用水无法满足生产需要。",
           "已协调水务集团，管网接入工程已排期，两周内完成通水。", "SWJT", ("ZJJ",), factor="water"),
        _t("天然气管道接入", "我公司熔炼工序需改用天然气，申请接入管道后一直没有进展。",
           "已协调燃气公司完成现场勘察，接入工程已列入本月施工计划。", "RQGS", ("ZJJ",), factor="gas"),
        _t("排污权指标购买", "我公司扩产需新增化学需氧量排放指标，想了解排污权交易的时间和价格。",
           "已告知排污权交易流程，本季度交易将在公共资源交易中心进行，企业可报名参加。",
           "STHJJ", ("GGZY",), factor="emissions"),
    ],
    "finance": [
        _t("流动资金贷款到期续贷困难",
           "我公司一笔{amount}万元流动资金贷款下月到期，银行表示续贷需重新审批，担心资金链断裂。",
           "已协调合作银行开展无还本续贷，银行已受理并承诺到期前完成审批。", "JRJG", ("RMYH",), amount="$amount"),
        _t("申请应急转贷资金", "贷款到期需先还后贷，短期资金缺口约{amount}万元，想申请政府应急转贷资金。",
           "已受理应急转贷申请，经审核符合条件，资金将于还款日前拨付。", "CZJ", ("JRJG",), amount="$amount"),
        _t("政府性融资担保费率和流程", "想通过政府性融资担保机构申请担保贷款约{amount}万元，请问担保费率和办理流程。",
           "已告知政府性融资担保费率为年化0.5%至1%，并推荐担保公司与企业对接。", "CZJ", ("JRJG",), amount="$amount"),
        _t("支小再贷款优惠利率贷款", "听说人民银行有支小再贷款政策，想了解我公司能否获得优惠利率贷款。",
           "已会同人民银行推送支小再贷款合作银行名单，银行已上门对接。", "RMYH", ("JRJG",), amount="$amount"),
        _t("专利质押融资", "我公司有发明专利{few}项，想通过专利质押申请贷款约{amount}万元。",
           "已协调市场监督管理局和合作银行，专利评估和质押登记流程已告知，银行已受理。",
           "SCJGJ", ("JRJG",), amount="$amount"),
        _t("股改上市培育政策咨询", "我公司计划启动股份制改造，想了解上市培育政策和奖励。",
           "已介绍上市培育“凤凰行动”政策和奖励标准，并安排券商与企业对接。", "JRJG", ("CZJ",)),
    ],
    "talent": [
        _t("一线普工招工难", "节后返岗率不高，一线普工缺口约{n}人，希望协助招工。",
           "已将企业岗位纳入线上线下招聘会，并对接劳务协作地区定向输送。", "RCZX", ("ZGH",)),
        _t("引进人才落户办理", "我公司引进的硕士研究生想落户本地，办理时被告知材料不全。",
           "已协调公安机关，人才落户凭劳动合同和学历证书即可办理，相关人员已完成落户。", "GAJ", ("RCZX",)),
        _t("高层次人才子女入学", "我公司引进的高级工程师子女需要入学，想了解人才子女就学政策。",
           "已由教育局按人才子女就学政策统筹安排学校，家长已收到入学通知。", "JYJ", ("RCZX",)),
        _t("企业自主技能等级认定", "我公司想开展企业自主技能等级认定，请问申请条件。",
           "已告知企业技能等级认定备案条件及流程，并安排上门指导。", "RCZX", ("ZGH",)),
        _t("外籍技术专家工作许可", "我公司聘请的外籍技术专家需办理工作许可和居留，请问流程。",
           "已协调科技局办理外国人来华工作许可，公安出入境部门同步办理居留许可。", "KJJ", ("GAJ",)),
        _t("申请人才公寓", "我公司今年新招大学生{n}人，想为员工申请人才公寓。",
           "已告知人才公寓申请条件，企业提交名单后由住建部门统一配租。", "ZJJ", ("RCZX",)),
        _t("新员工参保登记报错", "新招员工参保登记时系统报错，对缴费基数调整也有疑问。",
           "已由社会保险事业管理中心修复参保登记问题，缴费基数调整政策已告知。", "SBZX", ("YBJ",)),
    ],
    "customs": [
        _t("出口货物查验后迟迟未放行", "我公司一批出口货物在口岸查验后三天未放行，影响船期。",
           "已联系口岸海关，查验已完成，货物已放行。", "SWJ", ("SWJ",)),
        _t("海关AEO高级认证辅导", "我公司想申请海关AEO高级认证，请问需要准备哪些材料。",
           "已安排海关企业管理部门上门辅导，认证标准和材料清单已告知。", "SWJ", ("SWJ",)),
        _t("RCEP原产地证书办理", "我公司出口日本的货物想享受RCEP关税优惠，原产地证书如何办理。",
           "已告知可向海关或贸促会申领RCEP原产地证书，支持自助打印。", "MCH", ("MCH",)),
        _t("进口设备减免税", "我公司进口一台加工中心，想了解能否享受进口设备减免税。",
           "已告知鼓励类项目进口设备减免税政策条件，企业可通过“单一窗口”申报。", "SWJ", ("FGJ",)),
        _t("出口商品检验证书", "客户要求出口货物提供检验证书，想了解检验申报流程。",
           "已告知出口检验申报流程和所需单证，海关将在申报后两个工作日内出证。", "SWJ", ("SWJ",)),
    ],
    "forex": [
        _t("出口收汇入账受阻", "境外客户货款约{usd}万美元汇入后被银行挂起，要求补充材料。",
           "已协调银行说明收汇所需单证，企业补充合同和报关单后已入账。", "RMYH", ("SWJ",)),
        _t("跨境人民币结算手续", "我公司想与东南亚客户改用人民币结算，请问需要办理哪些手续。",
           "已会同人民银行说明跨境人民币结算流程，合作银行已上门办理。", "RMYH", ("JRJG",)),
        _t("贸易外汇收支企业名录登记", "新成立的外贸公司需办理贸易外汇收支企业名录登记，请问在哪里办理。",
           "已告知名录登记可直接在银行办理，无需到外汇局现场。", "RMYH", ("SWJ",)),
        _t("汇率避险工具咨询", "近期汇率波动较大，想了解远期结汇等汇率避险工具和费用。",
           "已组织合作银行讲解远期结售汇产品，并告知首办户支持政策。", "JRJG", ("RMYH",)),
    ],
    "tax_rebate": [
        _t("出口退税迟迟未到账", "我公司{quarter}申报的出口退税约{amount}万元已审核通过，款项至今未到账。",
           "已核实退税已完成审核，国库已办理退库，款项将于三个工作日内到账。", "SWJ", ("SWJ",), amount="$amount"),
        _t("出口退（免）税备案变更", "我公司变更了法定代表人，出口退（免）税备案信息需要同步变更。",
           "已告知可通过电子税务局办理备案变更，当天即可完成。", "SWJ", ("SWJ",)),
        _t("外综服企业代办退税", "我公司通过外贸综合服务企业出口，想了解代办退税的流程和风险。",
           "已会同商务局说明外贸综合服务企业代办退税的备案和申报要求。", "SWJ", ("SWJ",)),
        _t("退税申报提示收汇信息不符", "申报出口退税约{amount}万元时系统提示收汇信息不符，无法提交。",
           "已会同外汇管理部门核实，收汇信息已更正，企业可重新申报。", "WHGLJ", ("WHGLJ", "SWJ"), amount="$amount"),
    ],
    "credit_insurance": [
        _t("出口信用保险保费补贴", "我公司投保出口信用保险，想了解保费补贴比例和申请方式。",
           "已告知小微企业统保平台和保费补贴政策，补贴由商务局统一申报。", "SWJ", ("SWJ",)),
        _t("海外买家拖欠货款申请理赔", "境外买家拖欠货款约{usd}万美元已逾期三个月，想申请信保理赔。",
           "已指导企业提交可能损失通知和索赔材料，信保已启动海外追偿。", "SWJ", ("MCH",)),
        _t("保单融资办理", "想用出口信用保险保单向银行申请融资，请问如何办理。",
           "已协调合作银行开展保单融资，银行已受理企业申请。", "JRJG", ("RMYH",)),
        _t("新客户资信调查", "新开发一家南美客户，想先做资信调查再确定付款方式。",
           "已为企业出具买家资信报告，并建议采用信用证结算。", "MCH", ("SWJ",)),
    ],
    "logistics": [
        _t("欧线海运舱位紧张", "近期发往欧洲的舱位紧张、运价上涨，希望协调舱位。",
           "已对接本地货代和船公司，企业已纳入重点外贸企业舱位保障名单。", "JTYSJ", ("HG",)),
        _t("中欧班列拼箱出运", "我公司想通过中欧班列发运一批设备，请问拼箱和报关如何办理。",
           "已对接班列平台公司，拼箱方案和报关流程已告知。", "JTYSJ", ("HG",)),
        _t("出口集装箱提箱难", "码头空箱紧张，提箱需等待一周以上，影响交货期。",
           "已协调港口和船公司优先调配空箱，企业已完成提箱。", "JTYSJ", ("HG",)),
        _t("海外仓建设支持政策", "我公司计划在欧洲建设海外仓，想了解支持政策。",
           "已告知省市海外仓支持政策和申报时间，并推荐公共海外仓资源。", "MCH", ("CZJ",)),
        _t("跨境电商B2B出口申报", "我公司开展跨境电商B2B出口，想了解9710、9810申报方式。",
           "已会同海关说明跨境电商B2B出口申报方式和退税要求。", "HG", ("YZ",)),
    ],
    "infrastructure": [
        _t("园区道路破损影响货车通行", "{park}内道路多处破损，货车进出困难，雨天积水严重。",
           "已协调开发区管委会和交通运输局，道路修复工程已列入本月计划。", "JTYSJ", ("KFQ",)),
        _t("厂区周边雨污管网未接通", "厂区周边雨污管网未接通，生产废水只能暂存，存在环保风险。",
           "已协调开发区，管网接通工程已开工，预计两周内完成。", "KFQ", ("SLJ", "STHJJ")),
        _t("频繁停电影响生产", "本月已停电三次，每次都造成设备停机和产品报废。",
           "已协调供电公司排查线路故障并更换老化设备，同时提供停电预告服务。", "GDGS", ("KFQ",)),
        _t("厂区5G网络覆盖不足", "我公司建设数字化车间需要5G专网，厂区信号覆盖差。",
           "已协调通信运营商现场勘察，5G基站已列入建设计划。", "DX", ("YD", "LT")),
        _t("员工通勤公交线路", "园区员工通勤不便，希望增设公交线路或站点。",
           "已由交通运输局调整公交线路，新增园区站点已开通。", "JTYSJ", ("KFQ",)),
        _t("园区防汛排涝能力不足", "台风期间厂区周边积水严重，排涝能力不足。",
           "已协调水利局和开发区，排涝泵站改造已列入计划，汛期前完成。", "SLJ", ("YJGLJ",)),
    ],
    "other": [
        _t("厂区周边治安问题", "厂区周边近期多次发生原材料被盗，希望加强巡逻。",
           "已协调公安机关加强厂区周边巡逻，并指导企业完善监控。", "GAJ", ("ZHZFJ",)),
        _t("货款纠纷诉前调解", "与一家客户的货款纠纷协商无果，希望通过调解解决。",
           "已引导企业通过诉前调解平台申请调解，法院已安排调解员。", "FY", ("SFJ",)),
        _t("注册商标被仿冒", "发现市场上有产品仿冒我公司注册商标，请求查处。",
           "已移交市场监督管理局立案调查，相关侵权产品已查扣。", "SCJGJ", ("GAJ",)),
        _t("大型企业拖欠货款", "一家大型企业拖欠我公司货款{amount}万元超过一年，多次催讨未果。",
           "已纳入清理拖欠中小企业账款台账，协调对方制定还款计划。", "ZXQY", ("CZJ",)),
        _t("周边工地夜间施工", "厂区旁工地夜间施工，员工宿舍受到影响。",
           "已由综合行政执法局现场查处，施工单位已调整作业时间。", "ZHZFJ", ("ZJJ",)),
        _t("离职员工工资纠纷", "与离职员工发生工资纠纷，希望调解处理。",
           "已协调劳动人事争议调解组织开展调解，双方达成协议。", "RSJ", ("ZGH",)),
    ],
}  # fmt: skip
USED_CODES = sorted(
    set(ROUTES.values()) | {code for topics in TOPICS.values() for t in topics for code in (t.alt, *t.assists)}
)
SUSPEND_REASONS = ("请企业补充提供相关合同和发票复印件。", "请企业补充项目备案材料及现场照片。",
                   "请企业提供近三个月的纳税证明和财务报表。", "需企业确认具体需求并补充相关证明材料。")  # fmt: skip
EXTENSION_REASONS = ("需会同上级部门核实，申请延期。", "涉及现场勘察和第三方评估，需延长办理时限。",
                     "需等待省级系统数据核对结果，申请延期。")  # fmt: skip
ESCALATE_REASONS = ("涉及跨县（市、区）协调，超出本级权限，提请市级统筹解决。", "需市级部门调剂指标，提请市级协调。")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红海波斌宇浩凯"
COMMENTS = {
    Satisfaction.SATISFIED: ("办理及时，感谢！", "答复很专业，问题已解决。", "", "", "感谢帮助协调。"),
    Satisfaction.BASIC: ("基本解决，希望后续继续跟进。", "答复稍慢。", ""),
    Satisfaction.UNSATISFIED: ("问题没有实际解决。", "答复过于笼统，希望再协调。"),
}
