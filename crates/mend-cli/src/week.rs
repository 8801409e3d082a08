//! The practice's week as `mend due` and `mend remind` read it: every couple's record, the
//! links still waiting and the check-in schedules, each read once for the whole practice.

use std::collections::BTreeMap;

use anyhow::Result;
use mend_core::due::{CoupleWeek, WaitingLink};
use mend_core::{Couple, CoupleId, CoupleRecord, Program};
use mend_store::{CheckinSchedule, LinkWaiting, Store};

/// What the store holds about the week, for the whole practice.
pub(crate) struct PracticeWeek {
    pub(crate) couples: Vec<Couple>,
    pub(crate) records: Vec<CoupleRecord>,
    pub(crate) links: Vec<LinkWaiting>,
    pub(crate) schedules: BTreeMap<CoupleId, CheckinSchedule>,
}

impl PracticeWeek {
    pub(crate) fn read(store: &Store, program: &Program) -> Result<Self> {
        let couples = store.couples()?;
        let records = couples.iter().map(|c| store.couple_record_for(c, program)).collect::<Result<_, _>>()?;
        Ok(Self { couples, records, links: store.waiting_links()?, schedules: store.checkin_schedules()? })
    }

    /// Each couple's facts, in the record's order, for `mend_core::due`.
    pub(crate) fn weeks(&self) -> Vec<CoupleWeek<'_>> {
        self.couples.iter().zip(&self.records).map(|(couple, record)| self.week_of(couple, record)).collect()
    }

    /// The couple a row belongs to, with its record.
    pub(crate) fn couple(&self, id: CoupleId) -> Option<(&Couple, &CoupleRecord)> {
        self.couples.iter().zip(&self.records).find(|(c, _)| c.id == id)
    }

    fn week_of<'a>(&self, couple: &Couple, record: &'a CoupleRecord) -> CoupleWeek<'a> {
        let name = |id: mend_core::PartnerId| couple.partners.iter().find(|p| p.id == id).map(|p| p.name.to_string());
        let links = self
            .links
            .iter()
            .filter(|l| l.couple == couple.id)
            .map(|l| WaitingLink {
                partner: l.partner_name.to_string(),
                checkin: l.checkin,
                made_at: l.made_at,
                expires_at: l.expires_at,
                mail_failure: l.last_mail.as_ref().filter(|m| !m.sent).map(|m| m.failure.clone().unwrap_or_default()),
            })
            .collect();
        let schedule = self.schedules.get(&couple.id);
        CoupleWeek {
            record,
            links,
            checkin_every: schedule.map(|s| s.every),
            last_checkin_links: schedule
                .map(|s| s.last_links.iter().filter_map(|(id, at)| Some((name(*id)?, *at))).collect())
                .unwrap_or_default(),
        }
    }
}
