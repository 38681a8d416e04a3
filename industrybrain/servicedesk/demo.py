"""A year of enterprise requests for the demo region (docs/demo-data.md, "Service desk"), replayed through the
operations.

`plan_county` first draws plain plans — who asks what, when, through which channel, and which detour the
request will take — from random streams of the seed and the county. `build_service_desk` then replays every
plan in time order through `operations` with `at=`, so each state change is checked by the transition table,
written to the timeline and timed by the working-day clock (Spring Festival and National Day included), and runs
`check_deadlines` every morning at 08:00 so warnings and 督办 referrals happen when they would have. A request's
story is a generator that yields the moment of its next step; the next moment is decided from what the
operations did (its real deadline after a suspension, an extension or a reopening), never computed beside them.

Mail goes to Django's in-memory backend while building (counted, then dropped), so the demo writes no mail files.
"""

from __future__ import annotations

import calendar
import datetime as dt
import heapq
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from industrybrain.accounts.choices import Role
from industrybrain.accounts.models import Department, User
from industrybrain.core.context import change_context
from industrybrain.datahub.demo import DEMO_END
from industrybrain.registry.choices import EnterpriseStatus, RegionLevel
from industrybrain.registry.demo import SCALES, _bulk_create_logged, demo_email, department_name
from industrybrain.registry.models import Enterprise, Region

from . import operations as ops
from . import workdays
from .choices import Channel, PartRole, Satisfaction, Status
from .models import Category, Event, Routing, ServiceRequest

Moment = dt.datetime

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


# --- plans ---------------------------------------------------------------------------------------------------
@dataclass
class Plan:
    key: str  # "<county>:<n>", the seed of the request's own random stream
    county: str
    enterprise: str  # USCC
    category: str
    topic: Topic
    values: dict[str, Any]  # the numbers in the text
    channel: str
    created: Moment
    contact: tuple[str, str]
    detour: str = ""  # escalate | return | joint | transfer | duplicate
    flags: frozenset[str] = frozenset()  # suspend, extension, late, sign_late, unsatisfied, unrated, chase, duplicated
    duplicate_of: str | None = None  # the key of the request a duplicate repeats
    hold: str | None = None  # the step the request waits at, past the end of the year


@dataclass
class ServiceDeskSummary:
    requests: int
    first_day: str
    last_day: str
    events: int
    open: int
    overdue_open: int
    statuses: dict[str, int]
    detours: dict[str, int]
    satisfied_or_basic: float  # share of the final ratings
    on_time: float  # share of answers given by the deadline
    signed_on_time: float
    mails: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _local(day: dt.date, time: dt.time) -> Moment:
    return timezone.make_aware(dt.datetime.combine(day, time), timezone.get_current_timezone())


def end_of_year() -> Moment:
    return _local(LAST_DAY, dt.time(23, 59, 59))


def _day_weight(day: dt.date) -> float:
    weight = MONTH_FACTOR[day.month] * (1.0 if workdays.is_workday(day) else 0.22)
    start, stop = SPRING_FESTIVAL
    if start - dt.timedelta(days=6) <= day < start:
        weight *= 0.6  # people travel home
    elif start <= day <= stop:
        weight *= 0.3
    elif stop < day <= stop + dt.timedelta(days=8):
        weight *= 0.6  # factories restart slowly
    if day.month == 10 and day.day <= 7:
        weight *= 0.5  # National Day
    return weight


HOUR_WEIGHTS = {7: 1, 8: 4, 9: 10, 10: 12, 11: 10, 12: 3, 13: 5, 14: 10, 15: 11, 16: 9, 17: 5, 18: 3, 19: 2, 20: 2,
                21: 1}  # fmt: skip


def _arrival(rng: random.Random, day: dt.date) -> tuple[Moment, str]:
    working = workdays.is_workday(day)
    channels = dict(CHANNELS)
    if not working:
        channels.pop(Channel.PHONE)  # the bureaus' phones are not answered on days off
    channel = rng.choices(list(channels), weights=list(channels.values()))[0]
    if channel == Channel.PHONE:
        hour = rng.choice((9, 10, 11, 14, 15, 16))
    else:
        hours = list(HOUR_WEIGHTS)
        hour = rng.choices(hours, weights=[HOUR_WEIGHTS[h] if working else 5 for h in hours])[0]
    return _local(day, dt.time(hour, rng.randrange(60), rng.randrange(60))), channel


@dataclass(frozen=True)
class Firm:
    uscc: str
    industry: str
    above: bool
    employees: int
    park: str


def _exporter(firm: Firm) -> bool:
    division = int(firm.industry[:2])
    return 13 <= division <= 43 or division in (51, 52)


def _values(rng: random.Random, firm: Firm, county_name: str, created: Moment) -> dict[str, Any]:
    quarter = (created.month - 1) // 3
    year = created.year if quarter else created.year - 1
    return {
        "amount": int(round(math.exp(rng.gauss(math.log(300 if firm.above else 80), 0.7)), -1)) or 10,
        "area": round(math.exp(rng.gauss(math.log(15), 0.6)), 1),
        "n": rng.randint(3, 24) * 5,
        "kva": rng.choice((315, 400, 500, 630, 800, 1000, 1250, 1600, 2000)),
        "few": rng.randint(2, 9),
        "usd": rng.randint(5, 150),
        "park": firm.park or f"{county_name}工业园区",
        "quarter": f"{year}年第{quarter or 4}季度",
    }


def plan_county(county: Region, firms: list[Firm], count: int, seed: int, showcase: str | None = None) -> list[Plan]:
    """`count` requests of one county's firms over the year, with their detours, in the order they arrive."""
    rng = random.Random(f"{seed}:servicedesk:{county.code}")
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
    duplicates = round(count * RATES["duplicate"])
    originals = count - duplicates
    arrivals = sorted(_arrival(rng, day) for day in rng.choices(days, weights=[_day_weight(d) for d in days],
                                                                 k=originals))  # fmt: skip
    categories = rng.choices(list(CATEGORY_SHARES), weights=list(CATEGORY_SHARES.values()), k=originals)
    weights = [(3.0 if f.above else 1.0) * math.sqrt(f.employees) for f in firms]
    trade_weights = [w * (2.0 if _exporter(f) else 0.0) for w, f in zip(weights, firms, strict=True)]
    plans = []
    for i, ((created, channel), category) in enumerate(zip(arrivals, categories, strict=True)):
        firm = rng.choices(firms, weights=trade_weights if category in TRADE else weights)[0]
        plans.append(Plan(
            key=f"{county.code}:{i}", county=county.code, enterprise=firm.uscc, category=category,
            topic=rng.choice(TOPICS[category]), values=_values(rng, firm, county.name, created), channel=channel,
            created=created, contact=_contact(rng),
        ))  # fmt: skip
    _draw_detours(rng, plans)
    plans += _duplicates(rng, plans, duplicates, county.code)
    if showcase:
        _plant(plans, showcase)
    return sorted(plans, key=lambda p: (p.created, p.key))


def _contact(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
    return name, f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _take(rng: random.Random, pool: list[Plan], share: float, total: int) -> list[Plan]:
    return rng.sample(pool, min(len(pool), round(share * total)))


def _draw_detours(rng: random.Random, plans: list[Plan]) -> None:
    """Exact numbers of each detour (the rates of RATES), drawn without replacement."""
    total = len(plans)
    candidates = [p for p in plans if p.category in ESCALATABLE]
    for plan in _take(rng, candidates, RATES["escalate"], total):
        plan.detour = "escalate"
    for detour in ("return", "joint", "transfer"):
        for plan in _take(rng, [p for p in plans if not p.detour], RATES[detour], total):
            plan.detour = detour
    flags: dict[str, set[str]] = {p.key: set() for p in plans}
    for flag in ("suspend", "late", "sign_late", "unsatisfied", "unrated", "chase"):
        for plan in _take(rng, plans, RATES[flag], total):
            flags[plan.key].add(flag)
    for plan in _take(rng, [p for p in plans if "suspend" not in flags[p.key]], RATES["extension"], total):
        flags[plan.key].add("extension")
    recent = [p for p in plans if LAST_DAY - dt.timedelta(days=45) <= p.created.date() <= LAST_DAY
              - dt.timedelta(days=12) and p.detour != "escalate" and "suspend" not in flags[p.key]]  # fmt: skip
    for plan in _take(rng, recent, RATES["stuck"], total):
        plan.hold = "answer"
    october = [p for p in plans if LAST_DAY - dt.timedelta(days=25) <= p.created.date() <= LAST_DAY
               - dt.timedelta(days=4) and not p.detour and not p.hold and not flags[p.key]]  # fmt: skip
    for i, plan in enumerate(sorted(_take(rng, october, RATES["backlog"], total), key=lambda p: p.key)):
        if i % 5 == 4:
            plan.detour, plan.hold = "joint", "submit"  # an assisting department has not handed in its part
        elif i % 5 in (1, 2, 3) and plan.created.date() >= LAST_DAY - dt.timedelta(days=14):
            plan.hold = "close"  # answered; the 督办 office has not confirmed with the enterprise yet
        else:
            plan.hold = "resume"  # the enterprise has not sent the documents yet
            flags[plan.key].add("suspend")
    for plan in plans:
        plan.flags = frozenset(flags[plan.key])


def _duplicates(rng: random.Random, plans: list[Plan], count: int, county: str) -> list[Plan]:
    """The same enterprise raising the same problem again a few hours later, by the 12345 hotline."""
    pool = [p for p in plans if not p.detour and not p.flags and not p.hold and p.category not in SIMPLE
            and p.created.date() < LAST_DAY - dt.timedelta(days=3)]  # fmt: skip
    made = []
    for i, original in enumerate(sorted(rng.sample(pool, min(count, len(pool))), key=lambda p: p.key)):
        created = original.created + dt.timedelta(hours=rng.uniform(0.5, 6))
        made.append(replace(
            original, key=f"{county}:d{i}", channel=Channel.HOTLINE, created=created, detour="duplicate",
            duplicate_of=original.key, flags=frozenset(),
        ))  # fmt: skip
        original.flags = original.flags | {"duplicated"}  # not answered before the duplicate is merged
    return made


def _plant(plans: list[Plan], showcase: str) -> None:
    """Requests in every open state for the personas to act on at the end of the year, and a history for the
    demo enterprise (the latest fitting request filed at least so many days before the end)."""
    chosen: set[str] = set()

    def pick(test: Callable[[Plan], bool], days_before_end: int) -> Plan | None:
        last = LAST_DAY - dt.timedelta(days=days_before_end)
        for plan in reversed(plans):
            free = not plan.detour and not plan.hold and plan.key not in chosen
            if plan.created.date() <= last and free and test(plan):
                chosen.add(plan.key)
                return plan
        return None

    def set_(plan: Plan | None, **fields: Any) -> None:
        if plan is not None:
            for name, value in {"flags": frozenset(), **fields}.items():
                setattr(plan, name, value)

    history = [p for p in plans if not p.detour and not p.hold and p.category not in TRADE]
    for share in (0.15, 0.4, 0.65, 0.85):  # four requests answered, closed and rated
        set_(history[int(share * (len(history) - 1))], enterprise=showcase, channel=Channel.WEB)
    ordinary = [c for c in CATEGORY_SHARES if c not in TRADE and c != "policy"]
    set_(pick(lambda p: p.category in ordinary, 13), enterprise=showcase, channel=Channel.WEB, hold="rate")
    set_(pick(lambda p: p.category in ordinary, 3), enterprise=showcase, channel=Channel.WEB,
         flags=frozenset({"suspend"}), hold="resume")  # fmt: skip
    set_(pick(lambda p: p.category == "policy", 2), enterprise=showcase, channel=Channel.WEB, hold="answer")
    set_(pick(lambda p: p.category in ordinary, 1), detour="return", hold="dispatch")
    set_(pick(lambda p: p.category == "finance", 2), flags=frozenset({"extension"}), hold="decide")
    set_(pick(lambda p: p.category == "tax_rebate", 2), detour="joint", topic=TOPICS["tax_rebate"][0], hold="submit")
    set_(pick(lambda p: p.category == "logistics", 0), hold="sign")


# --- the working clock ---------------------------------------------------------------------------------------
_WORKDAY: dict[dt.date, bool] = {}


def _is_workday(day: dt.date) -> bool:
    if day not in _WORKDAY:
        _WORKDAY[day] = workdays.is_workday(day)
    return _WORKDAY[day]


def add_work_hours(moment: Moment, hours: float) -> Moment:
    """The moment `hours` of office time (08:30–17:30 on working days) after `moment`."""
    current = timezone.localtime(moment)
    day = current.date()
    while True:
        if _is_workday(day):
            start, stop = _local(day, WORK_START), _local(day, WORK_END)
            current = max(current, start)
            if current < stop:
                room = (stop - current).total_seconds() / 3600
                if hours <= room:
                    return current + dt.timedelta(hours=hours)
                hours -= room
        day += dt.timedelta(days=1)
        current = _local(day, WORK_START)


def work_hours_between(start: Moment, stop: Moment) -> float:
    """Office hours from one moment to another (0 if the second is not later)."""
    total, day = 0.0, timezone.localtime(start).date()
    while day <= timezone.localtime(stop).date():
        if _is_workday(day):
            lo, hi = max(start, _local(day, WORK_START)), min(stop, _local(day, WORK_END))
            total += max(0.0, (hi - lo).total_seconds() / 3600)
        day += dt.timedelta(days=1)
    return total


# --- the people ----------------------------------------------------------------------------------------------
@dataclass
class Desk:
    """One region's 督办 office and departments (a county's, or a city's for escalated requests)."""

    region: Region
    supervisor: User
    departments: dict[str, Department]
    city: Desk | None = None
    registrar: User | None = None  # who registers requests received by phone


@dataclass
class Stage:
    """What the replay knows: desks, clerks, enterprise accounts, the requests filed so far, and the clock."""

    desks: dict[str, Desk]
    clerks: dict[int, User]  # department id -> its clerk
    enterprises: dict[str, Enterprise]
    enterprise_users: dict[str, User]
    categories: dict[str, Category]
    end: Moment
    filed: dict[str, ServiceRequest] = field(default_factory=dict)
    now: Moment | None = None
    mails: int = 0


def _system_user(username: str, role: str, **fields: Any) -> User:
    user = User(username=username, role=role, **fields)
    user.set_unusable_password()
    return user


def _set_the_stage(counties: list[Region], firms_with_requests: set[str]) -> Stage:
    """Routing rules, city departments, and an account for everyone who acts in the replay: the personas of the
    registry demo where they exist, otherwise system users with unusable passwords (no printed login)."""
    cities = {c.parent_id: c.parent for c in counties}
    new_departments = [
        Department(code=f"{city.code}-{code}", name=department_name(name, city), region=city)
        for city in cities.values() for code, name in CITY_DEPARTMENTS
        if not Department.objects.filter(code=f"{city.code}-{code}").exists()
    ]  # fmt: skip
    _bulk_create_logged(Department, new_departments)
    departments: dict[str, dict[str, Department]] = {}
    for department in Department.objects.filter(region__in=[*counties, *cities.values()]):
        departments.setdefault(department.region_id, {})[department.code.split("-", 1)[1]] = department
    categories = {c.code: c for c in Category.objects.all()}
    _bulk_create_logged(Routing, [
        Routing(category=categories[category], region=county, department=departments[county.code][code])
        for county in counties for category, code in ROUTES.items()
        if not Routing.objects.filter(category=categories[category], region=county).exists()
    ])  # fmt: skip
    existing = {
        u.username: u
        for u in User.objects.filter(role__in=[Role.CLERK, Role.SUPERVISOR]).select_related(
            "scope_region", "department"
        )
    }
    by_department = {u.department_id: u for u in existing.values() if u.role == Role.CLERK and u.department_id}
    by_region = {u.scope_region_id: u for u in existing.values() if u.role == Role.SUPERVISOR}
    new_users = []
    for region in [*counties, *cities.values()]:
        if region.code not in by_region:
            username = f"supervisor_{region.code}"
            by_region[region.code] = _system_user(username, Role.SUPERVISOR, scope_region=region,
                                                  email=demo_email(username))  # fmt: skip
            new_users.append(by_region[region.code])
        codes = USED_CODES if region.level == RegionLevel.COUNTY else [c for c, _n in CITY_DEPARTMENTS]
        for code in codes:
            department = departments[region.code][code]
            if department.pk not in by_department:
                username = f"clerk_{department.code.lower().replace('-', '_')}"
                by_department[department.pk] = _system_user(
                    username, Role.CLERK, scope_region=region, department=department, email=demo_email(username)
                )
                new_users.append(by_department[department.pk])
    enterprises = Enterprise.objects.select_related("park", "region").in_bulk(firms_with_requests, field_name="uscc")
    enterprise_users = {
        u.enterprise.uscc: u
        for u in User.objects.filter(role=Role.ENTERPRISE, enterprise__uscc__in=firms_with_requests).select_related(
            "enterprise__region"
        )
    }
    for uscc in sorted(firms_with_requests - set(enterprise_users)):
        enterprise_users[uscc] = _system_user(uscc, Role.ENTERPRISE, enterprise=enterprises[uscc])
        new_users.append(enterprise_users[uscc])
    _bulk_create_logged(User, new_users)  # primary keys are set: the users act straight away
    city_desks = {city.code: Desk(city, by_region[city.code], departments[city.code]) for city in cities.values()}
    desks = {
        county.code: Desk(
            county, by_region[county.code], departments[county.code], city_desks[county.parent_id],
            registrar=by_department[departments[county.code]["JXJ"].pk],
        )
        for county in counties
    }  # fmt: skip
    return Stage(
        desks=desks,
        clerks=by_department,
        enterprises=enterprises,
        enterprise_users=enterprise_users,
        categories=categories,
        end=end_of_year(),
    )


# --- the replay ----------------------------------------------------------------------------------------------
class Hold(Exception):
    """Raised inside a story to stop it (nothing more happens to the request this year)."""


class Replay:
    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.ticks: Counter[str] = Counter()

    def clerk(self, department: Department) -> User:
        return self.stage.clerks[department.pk]

    def _at(self, plan: Plan, step: str, moment: Moment) -> Iterator[Moment]:
        """Wait for the step's moment (never earlier than now); a held step waits past the end of the year."""
        if plan.hold == step:
            yield self.stage.end + dt.timedelta(days=1)
        moment = max(moment, self.stage.now + dt.timedelta(minutes=1))
        yield moment
        return moment

    def story(self, plan: Plan) -> Iterator[Moment]:
        """Everything that happens to one request, step by step."""
        rng = random.Random(f"{plan.key}:story")
        desk = self.stage.desks[plan.county]
        yield plan.created
        request = self._file(plan, desk)
        self.stage.filed[plan.key] = request
        now = plan.created
        if plan.duplicate_of is not None:
            now = yield from self._at(plan, "merge", add_work_hours(now, rng.uniform(0.2, 2)))
            original = self.stage.filed[plan.duplicate_of]
            original.refresh_from_db(fields=["status"])
            if original.is_open:
                ops.merge(request, desk.supervisor, original, at=now)
                return
        lead = request.lead_department
        topic, departments, joint = plan.topic, desk.departments, False
        if plan.detour in ("return", "joint"):
            now = yield from self._at(plan, "return", add_work_hours(now, rng.uniform(0.3, 5)))
            assists = [departments[c] for c in topic.assists if departments[c] != lead][:2]
            if plan.detour == "joint" and assists:
                names = "、".join(d.name for d in assists)
                reason = f"该问题涉及{names}等部门职责，请督办办公室组织联办。"
            else:
                reason = f"经核实，该问题不属于本单位职责，建议交{departments[topic.alt].name}办理。"
            request = ops.return_request(request, self.clerk(lead), reason, at=now)
            now = yield from self._at(plan, "dispatch", add_work_hours(now, rng.uniform(0.3, 6)))
            if plan.detour == "return":
                lead = departments[topic.alt]
                assists = [departments[c] for c in topic.assists if departments[c] != lead][:1]
                assists = assists if rng.random() < 0.3 else []
            request = ops.dispatch(request, desk.supervisor, lead, [(d, _task(d)) for d in assists], at=now)
            joint = bool(assists)
        if plan.detour == "transfer" and rng.random() < 0.4:  # before signing for it
            now = yield from self._at(plan, "transfer", add_work_hours(now, rng.uniform(0.3, 4)))
            request, lead = self._transfer(request, lead, departments[topic.alt], desk, rng, now)
        now = yield from self._at(plan, "sign", self._sign_time(rng, plan, request, now))
        request = ops.sign(request, self.clerk(lead), at=now)
        if plan.detour == "transfer" and lead != departments[topic.alt]:
            now = yield from self._at(plan, "transfer", add_work_hours(now, rng.uniform(0.5, 8)))
            request, lead = self._transfer(request, lead, departments[topic.alt], desk, rng, now)
            now = yield from self._at(plan, "sign", self._sign_time(rng, plan, request, now))
            request = ops.sign(request, self.clerk(lead), at=now)
        supervisor = desk.supervisor
        if plan.detour == "escalate":
            now = yield from self._at(plan, "escalate", add_work_hours(now, rng.uniform(4, 24)))
            request = ops.escalate(request, desk.supervisor, rng.choice(ESCALATE_REASONS), at=now)
            city = desk.city
            assert city is not None
            supervisor = city.supervisor
            now = yield from self._at(plan, "dispatch", add_work_hours(now, rng.uniform(1, 9)))
            lead = city.departments[CITY_ROUTES[plan.category]]
            helper = CITY_ASSIST.get(plan.category)
            assists = [city.departments[helper]] if helper and rng.random() < 0.4 else []
            request = ops.dispatch(request, supervisor, lead, [(d, _task(d)) for d in assists], at=now)
            joint = bool(assists)
            now = yield from self._at(plan, "sign", add_work_hours(now, rng.uniform(0.3, 5)))
            request = ops.sign(request, self.clerk(lead), at=now)
        yield from self._handle(plan, rng, request, lead, supervisor, now, joint)

    def _file(self, plan: Plan, desk: Desk) -> ServiceRequest:
        enterprise = self.stage.enterprises[plan.enterprise]
        category = self.stage.categories[plan.category]
        values, topic = plan.values, plan.topic
        attributes = {code: (values[v[1:]] if v.startswith("$") else v) for code, v in topic.attributes}
        title = topic.title if plan.detour != "duplicate" else f"再次反映：{topic.title}"
        description = topic.description.format(**values)
        if plan.detour == "duplicate":
            description = f"今天上午已在网上提交过，情况比较急，再次反映：{description}"
        new = ops.NewRequest(
            enterprise=enterprise, category=category, title=title, description=description, channel=plan.channel,
            attributes=attributes, contact_name=plan.contact[0], contact_phone=plan.contact[1],
            address=enterprise.park.name if enterprise.park_id else "",
        )  # fmt: skip
        filer = {Channel.HOTLINE: desk.supervisor, Channel.PHONE: desk.registrar}.get(
            plan.channel, self.stage.enterprise_users[plan.enterprise]
        )
        return ops.file_request(new, filer, at=plan.created)

    def _transfer(
        self, request: ServiceRequest, lead: Department, to: Department, desk: Desk, rng: random.Random, now: Moment
    ) -> tuple[ServiceRequest, Department]:
        actor = self.clerk(lead) if rng.random() < 0.8 else desk.supervisor
        request = ops.transfer(request, actor, to, f"经核实属{to.name}职责，已转办。", at=now)
        return request, to

    @staticmethod
    def _sign_time(rng: random.Random, plan: Plan, request: ServiceRequest, now: Moment) -> Moment:
        if "sign_late" in plan.flags and request.sign_deadline:
            return add_work_hours(request.sign_deadline, rng.uniform(0.5, 6))
        return add_work_hours(now, rng.uniform(0.1, 3) if rng.random() < 0.85 else rng.uniform(3, 8.5))

    @staticmethod
    def _answer_time(rng: random.Random, late: bool, request: ServiceRequest, now: Moment) -> Moment:
        deadline = request.deadline
        assert deadline is not None
        if late:
            return add_work_hours(deadline, rng.uniform(1, 25))
        window = work_hours_between(now, deadline)
        if window <= 0.3:  # signed too late to answer in time
            return add_work_hours(now, rng.uniform(0.2, 2))
        return add_work_hours(now, max(0.2, rng.betavariate(1.5, 2.3) * window * 0.97))

    def _handle(
        self,
        plan: Plan,
        rng: random.Random,
        request: ServiceRequest,
        lead: Department,
        supervisor: User,
        now: Moment,
        joint: bool,
    ) -> Iterator[Moment]:
        enterprise_user = self.stage.enterprise_users[plan.enterprise]
        late = "late" in plan.flags
        if "chase" in plan.flags:
            now = yield from self._at(plan, "comment", add_work_hours(now, rng.uniform(1, 6)))
            ops.comment(request, enterprise_user, "请问目前办理进度如何？", at=now)
        if "suspend" in plan.flags:
            now = yield from self._at(plan, "suspend", add_work_hours(now, rng.uniform(0.5, 5)))
            request = ops.suspend(request, self.clerk(lead), rng.choice(SUSPEND_REASONS), at=now)
            waited = rng.uniform(1, 6) if rng.random() < 0.9 else rng.uniform(10, 30)
            now = yield from self._at(plan, "resume", add_work_hours(now, waited * WORK_HOURS))
            if rng.random() < 0.65:
                request = ops.resume(request, enterprise_user, "已上传补充材料。", at=now)
            else:
                request = ops.resume(request, self.clerk(lead), "已电话确认，企业材料已补齐。", at=now)
        if "extension" in plan.flags:
            window = work_hours_between(now, request.deadline)
            now = yield from self._at(plan, "extension", add_work_hours(now, max(0.3, window * rng.uniform(0.3, 0.8))))
            ops.request_extension(request, self.clerk(lead), rng.randint(2, 5), rng.choice(EXTENSION_REASONS), at=now)
            now = yield from self._at(plan, "decide", add_work_hours(now, rng.uniform(0.5, 6)))
            approve = rng.random() < 0.85
            ops.decide_extension(request, supervisor, approve, "同意延期。" if approve else "理由不充分，请按期办结。",
                                 at=now)  # fmt: skip
            request.refresh_from_db()
            late = late or (not approve and rng.random() < 0.5)
        answer_at = self._answer_time(rng, late, request, now)
        if "duplicated" in plan.flags:
            answer_at = max(answer_at, add_work_hours(now, 12))
        waiting = request.parts.filter(role=PartRole.ASSIST, done_at__isnull=True).select_related("department")
        parts = sorted(waiting, key=lambda p: p.department.code) if joint else []
        start, span = now, max(0.5, work_hours_between(now, answer_at))
        for offset, part in sorted(((rng.uniform(0.3, 0.9) * span, p) for p in parts), key=lambda x: x[0]):
            now = yield from self._at(plan, "submit", max(now, add_work_hours(start, offset)))
            ops.submit_part(request, self.clerk(part.department), f"{part.task}：已办理，意见已反馈主办单位。", at=now)
        now = yield from self._at(plan, "answer", max(answer_at, now))
        request = ops.answer(request, self.clerk(lead), plan.topic.answer, at=now)
        for round_ in (1, 2):
            # The lead closes it, or the 督办 office after checking with the enterprise (a day or two).
            delay = rng.uniform(0.3, 6) if rng.random() < 0.55 else rng.uniform(6, 27)
            now = yield from self._at(plan, "close", add_work_hours(now, delay))
            closer = self.clerk(lead) if rng.random() < 0.6 else supervisor
            request = ops.close(request, closer, "企业确认问题已解决。" if rng.random() < 0.3 else "", at=now)
            if "unrated" in plan.flags:
                return
            now = yield from self._at(plan, "rate", add_work_hours(now, rng.uniform(0.2, 30)))
            satisfaction = _satisfaction(rng, round_, plan)
            request = ops.rate(request, enterprise_user, satisfaction, rng.choice(COMMENTS[satisfaction]), at=now)
            if request.status != Status.HANDLING:
                return
            # Reopened for a revisit (回访): the lead department answers again within a new deadline.
            now = yield from self._at(plan, "answer", self._answer_time(rng, False, request, now))
            request = ops.answer(request, self.clerk(lead), f"经回访并再次协调：{plan.topic.answer}", at=now)

    def tick(self) -> Iterator[Moment]:
        """The deadline check, every morning, and once more at the very end."""
        day = FIRST_DAY
        while day <= LAST_DAY:
            moment = _local(day, TICK)
            yield moment
            self.ticks.update(ops.check_deadlines(at=moment))
            self._count_mail()
            day += dt.timedelta(days=1)
        yield self.stage.end
        self.ticks.update(ops.check_deadlines(at=self.stage.end))
        self._count_mail()

    def _count_mail(self) -> None:
        self.stage.mails += len(mail.outbox)
        mail.outbox.clear()

    def run(self, plans: list[Plan], progress: Callable[[str], None] | None = None) -> None:
        """All stories and the daily check, in time order."""
        heap: list[tuple[Moment, int, Iterator[Moment]]] = []
        for order, story in enumerate([self.tick(), *(self.story(p) for p in plans)]):
            heap.append((next(story), order, story))
        heapq.heapify(heap)
        month = None
        while heap and heap[0][0] <= self.stage.end:
            moment, order, story = heapq.heappop(heap)
            self.stage.now = moment
            if progress and (moment.year, moment.month) != month:
                month = (moment.year, moment.month)
                progress(f"{moment:%Y-%m}: {len(self.stage.filed):,} requests filed so far")
            try:
                following = next(story)
            except StopIteration:
                continue
            assert following >= moment, (following, moment)
            heapq.heappush(heap, (following, order, story))


def _task(department: Department) -> str:
    return ASSIST_TASKS.get(department.code.split("-", 1)[1], DEFAULT_TASK)


def _satisfaction(rng: random.Random, round_: int, plan: Plan) -> str:
    if round_ == 1 and "unsatisfied" in plan.flags:
        return Satisfaction.UNSATISFIED
    weights = (75, 25, 0) if round_ == 1 else (25, 40, 35)
    if round_ == 1 and ("late" in plan.flags or plan.detour in ("return", "transfer")):
        weights = (55, 45, 0)
    return rng.choices([Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED], weights=weights)[0]


# --- building ------------------------------------------------------------------------------------------------
def demo_counties(scale: str) -> list[Region]:
    root = Region.objects.get(code=SCALES[scale].root)
    return list(
        Region.objects.filter(path__startswith=root.path, level=RegionLevel.COUNTY)
        .select_related("parent")
        .order_by("code")
    )


def county_firms(county: Region) -> list[Firm]:
    rows = (
        Enterprise.objects.filter(region=county, status=EnterpriseStatus.OPERATING)
        .order_by("uscc")
        .values_list("uscc", "industry_id", "is_above_scale", "employees", "park__name")
    )
    return [Firm(uscc, industry, above, employees or 1, park or "") for uscc, industry, above, employees, park in rows]


def plan_region(scale: str, seed: int, size: int | None = None) -> list[Plan]:
    """The plans of every county of the scale; `size` (tests) fixes the first county's count and skips the
    others."""
    counties = demo_counties(scale)
    showcase = User.objects.filter(username="enterprise_user").values_list("enterprise__uscc", flat=True).first()
    plans: list[Plan] = []
    for county in counties:
        firms = county_firms(county)
        if not firms:
            continue
        if size is not None:
            count = size if not plans else 0
        else:
            count = round(REQUESTS_PER_FIRM * SCALE_SHARE[scale] * Enterprise.objects.filter(region=county).count())
        if count:
            in_county = showcase if showcase and any(f.uscc == showcase for f in firms) else None
            plans += plan_county(county, firms, count, seed, in_county)
    return plans


def build_service_desk(
    scale: str, seed: int = 2026, size: int | None = None, progress: Callable[[str], None] | None = None
) -> ServiceDeskSummary:
    """Routing rules and a year of requests, replayed through the operations (into the registry demo)."""
    plans = plan_region(scale, seed, size)
    counties = [c for c in demo_counties(scale) if any(p.county == c.code for p in plans)]
    saved_outbox = getattr(mail, "outbox", None)
    backend = "django.core.mail.backends.locmem.EmailBackend"
    with override_settings(EMAIL_BACKEND=backend), change_context(source="demo"), transaction.atomic():
        mail.outbox = []
        stage = _set_the_stage(counties, {p.enterprise for p in plans})
        replay = Replay(stage)
        replay.run(plans, progress)
    if saved_outbox is not None:
        mail.outbox = saved_outbox
    return summarise(stage.end, stage.mails, ServiceRequest.objects.filter(region__in=counties))


def summarise(end: Moment, mails: int, requests: Any) -> ServiceDeskSummary:
    statuses = Counter(requests.values_list("status", flat=True))
    events = Event.objects.filter(request__in=requests)
    actions = Counter(events.values_list("action", flat=True))
    open_ = requests.filter(status__in=[s.value for s in (Status.RECEIVED, Status.DISPATCHED, Status.HANDLING,
                                                            Status.SUSPENDED, Status.ANSWERED)])  # fmt: skip
    overdue_open = sum(1 for r in open_ if r.is_overdue(end))
    answers = list(events.filter(action="answer").values_list("data", flat=True))
    signs = list(events.filter(action="sign").values_list("data", flat=True))
    rated = requests.filter(status=Status.RATED)
    good = rated.filter(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]).count()
    with_parts = requests.filter(parts__role=PartRole.ASSIST).distinct().count()
    return ServiceDeskSummary(
        requests=requests.count(),
        first_day=FIRST_DAY.isoformat(),
        last_day=LAST_DAY.isoformat(),
        events=events.count(),
        open=open_.count(),
        overdue_open=overdue_open,
        statuses={s.value: statuses.get(s.value, 0) for s in Status},
        detours={
            "returned": requests.filter(returned_count__gt=0).count(),
            "transferred": requests.filter(transferred_count__gt=0).count(),
            "joint": with_parts,
            "suspended": requests.filter(events__action="suspend").distinct().count(),
            "extension_requested": requests.filter(extensions__isnull=False).distinct().count(),
            "escalated": requests.filter(escalated_count__gt=0).count(),
            "merged": statuses.get(Status.MERGED, 0),
            "reopened": requests.filter(reopened_count__gt=0).count(),
            "answered_late": sum(1 for d in answers if not d.get("on_time", True)),
            "warned": actions.get("warn", 0),
            "referred_overdue": actions.get("overdue", 0),
        },
        satisfied_or_basic=round(good / rated.count(), 3) if rated.exists() else 0.0,
        on_time=round(sum(1 for d in answers if d.get("on_time", True)) / len(answers), 3) if answers else 0.0,
        signed_on_time=round(sum(1 for d in signs if d.get("on_time", True)) / len(signs), 3) if signs else 0.0,
        mails=mails,
    )
