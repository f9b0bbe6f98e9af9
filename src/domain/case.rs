//! One petition case (信访件) as the register records it.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{CaseNo, Channel, DateSpan, Disposition, Level, PetitionerId, Phone, Source};

/// 信访件: one row of the petition register, parsed.
///
/// Undated facts (owner, accused, conflicts, anonymity) are as the register states them now;
/// dated events are kept with their dates so a screening can see the case as it stood on any day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// 信访件编号.
    pub case_no: CaseNo,
    /// 收到日期 / 登记日期.
    pub received_on: NaiveDate,
    /// 信访形式.
    pub channel: Option<Channel>,
    /// 信访来源.
    pub source: Option<Source>,
    /// 信访人: the main petitioner's name.
    pub petitioner: Option<String>,
    /// 证件号码 (masked wherever shown).
    pub petitioner_id: Option<PetitionerId>,
    /// 联系电话 (masked wherever shown).
    pub phone: Option<Phone>,
    /// 村(社区).
    pub village: Option<String>,
    /// 匿名.
    pub anonymous: bool,
    /// 要求保密.
    pub confidential: bool,
    /// 人数: people who came; 1 unless the register says otherwise.
    pub petitioner_count: u32,
    /// 联名人数: people who signed; 1 unless the register says otherwise.
    pub signatories: u32,
    /// 问题类别.
    pub category: Option<String>,
    /// 事项: an optional key linking petitions on one matter.
    pub matter: Option<String>,
    /// 主要诉求.
    pub summary: Option<String>,
    /// 被反映人: the people the petition complains about.
    pub accused: Vec<String>,
    /// 有权处理层级.
    pub competent_level: Option<Level>,
    /// 走访层级.
    pub visited_level: Option<Level>,
    /// 受理日期.
    pub accepted_on: Option<NaiveDate>,
    /// 延期天数 (0–30).
    pub extension_days: u32,
    /// 包案领导: the leader who owns the case until it is closed (a person id or a name).
    pub owner_leader: Option<String>,
    /// 包案期限.
    pub owner_deadline: Option<NaiveDate>,
    /// 责任人.
    pub responsible_person: Option<String>,
    /// 责任单位.
    pub responsible_unit: Option<String>,
    /// 办结日期.
    pub concluded_on: Option<NaiveDate>,
    /// 复查受理日期.
    pub review_accepted_on: Option<NaiveDate>,
    /// 复查意见日期.
    pub review_opinion_on: Option<NaiveDate>,
    /// 复核申请日期.
    pub recheck_requested_on: Option<NaiveDate>,
    /// 复核意见日期.
    pub recheck_opinion_on: Option<NaiveDate>,
    /// 处理方式: told where to go or transferred, without acceptance (blank: handled here).
    pub disposition: Option<Disposition>,
    /// 告知转送日期: the acceptance clock ends and the case is no longer open on this day.
    pub disposed_on: Option<NaiveDate>,
    /// 听证: hearing days, which pause the review and recheck clocks.
    pub hearings: Vec<DateSpan>,
    /// 回避人员: people who must not handle or hear about this case.
    pub conflicts: Vec<String>,
    /// Columns the register has that petition-watch does not know, kept as they were.
    pub extra: BTreeMap<String, String>,
}

impl Case {
    /// A case with only its required fields set and every other field at its default.
    pub fn new(case_no: CaseNo, received_on: NaiveDate) -> Self {
        Self {
            case_no,
            received_on,
            channel: None,
            source: None,
            petitioner: None,
            petitioner_id: None,
            phone: None,
            village: None,
            anonymous: false,
            confidential: false,
            petitioner_count: 1,
            signatories: 1,
            category: None,
            matter: None,
            summary: None,
            accused: Vec::new(),
            competent_level: None,
            visited_level: None,
            accepted_on: None,
            extension_days: 0,
            owner_leader: None,
            owner_deadline: None,
            responsible_person: None,
            responsible_unit: None,
            concluded_on: None,
            review_accepted_on: None,
            review_opinion_on: None,
            recheck_requested_on: None,
            recheck_opinion_on: None,
            disposition: None,
            disposed_on: None,
            hearings: Vec::new(),
            conflicts: Vec::new(),
            extra: BTreeMap::new(),
        }
    }

    /// Whether the case is closed on `day`: concluded or disposed of (告知/转送) on or before it.
    pub fn closed_by(&self, day: NaiveDate) -> bool {
        self.concluded_on.is_some_and(|d| d <= day) || self.disposed_on.is_some_and(|d| d <= day)
    }
}
