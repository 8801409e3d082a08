//! The one store connection, owned by a thread of its own: handlers send it jobs and await the
//! answer, so SQLite never runs on the async runtime's threads.
//!
//! A dedicated thread rather than `spawn_blocking` around a mutex: under load the thread works
//! through its queue without sleeping, instead of each request waking a pool thread that then
//! queues for the lock, and the queue keeps requests in arrival order.
//!
//! Sent forms are committed in groups: the submissions that queued up while the thread was busy
//! are stored together with one commit, so a busy server waits for the disk once for all of them
//! rather than once each. Every one of them is answered only after that commit, so nothing is
//! acknowledged before it is durable; a lone submission is committed at once, without waiting.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, mpsc};

use mend_core::{CheckedAnswers, InvitationToken};
use mend_store::{Checkpointer, IntakeSubmission, Store, StoreError, SubmitOutcome};
use time::OffsetDateTime;

/// The most forms committed together: enough to share a commit widely, few enough that the last
/// in a group does not wait long behind the others.
const MAX_GROUP: usize = 64;

/// How often the checkpointer looks at the log: often enough that the log stays near SQLite's
/// usual size under a full load, rarely enough to cost nothing when idle.
const FOLD_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Folds the log in every [`FOLD_EVERY`] until `stopped` says the store thread has ended. A
/// failed checkpoint is logged and tried again at the next turn; nothing is lost by it.
fn fold_in_until(mut checkpointer: Checkpointer, stopped: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(FOLD_EVERY) {
        if let Err(error) = checkpointer.fold_in() {
            tracing::warn!(cause = %error, "folding the log into the database file failed; trying again");
        }
    }
}

/// Work for the store thread.
enum Job {
    /// Any piece of store work; it sends its own result back.
    Run(Box<dyn FnOnce(&mut Store) + Send>),
    /// A checked form to store; these are committed in groups.
    Submit(Submission),
}

/// A form waiting to be stored, and where its outcome goes.
struct Submission {
    token: InvitationToken,
    /// Shared with the handler, which keeps them to try once more if this commit fails.
    answers: Arc<CheckedAnswers>,
    /// A check-in's scores, stored with it; `None` for an intake.
    scores: Option<BTreeMap<String, i64>>,
    at: OffsetDateTime,
    reply: tokio::sync::oneshot::Sender<Result<SubmitOutcome, StoreJobError>>,
}

/// Why a job did not produce a result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreJobError {
    /// The store reported an error.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The commit of a group of forms failed, so none of them was stored.
    #[error("storing a group of forms failed: {0}")]
    GroupCommit(String),
    /// The store thread has stopped, or the job panicked.
    #[error("the store thread did not finish the job")]
    Lost,
}

/// A handle to the store thread; the thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct StoreThread {
    jobs: mpsc::Sender<Job>,
}

impl StoreThread {
    /// Moves `store` onto a new thread.
    pub(crate) fn spawn(mut store: Store) -> std::io::Result<Self> {
        // The log is folded in on a thread of its own, so that no group commit waits for the
        // database file's sync as well as the log's. It stops when this thread's queue closes.
        let (stop, stopped) = mpsc::channel::<()>();
        match store.checkpointer() {
            Ok(checkpointer) => {
                std::thread::Builder::new()
                    .name("mend-checkpoint".to_owned())
                    .spawn(move || fold_in_until(checkpointer, &stopped))?;
            }
            // The store's commits then fold the log in themselves, as everywhere else.
            Err(error) => tracing::warn!(cause = %error, "no separate checkpointer; commits fold the log in"),
        }
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("mend-store".to_owned()).spawn(move || {
            let mut next = queue.recv().ok();
            while let Some(job) = next {
                next = match job {
                    // A panicking job drops its reply sender, so its caller sees `Lost`; the
                    // store's transactions roll back when dropped, so the next job is safe to run.
                    Job::Run(job) => {
                        let _ = catch_unwind(AssertUnwindSafe(|| job(&mut store)));
                        queue.recv().ok()
                    }
                    Job::Submit(first) => {
                        let (group, after) = gather(first, &queue);
                        commit_group(&mut store, group);
                        after.or_else(|| queue.recv().ok())
                    }
                };
            }
            drop(stop);
        })?;
        Ok(Self { jobs })
    }

    /// Runs `job` on the store thread and waits, without blocking the runtime, for its result.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreJobError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job::Run(Box::new(move |store| {
            let _ = reply.send(job(store));
        }));
        self.jobs.send(job).map_err(|_| StoreJobError::Lost)?;
        Ok(answer.await.map_err(|_| StoreJobError::Lost)??)
    }

    /// Stores a checked form through its token ([`Store::submit_intake`], or with a check-in's
    /// scores [`Store::submit_checkin`]), committed together with any others that are waiting,
    /// and answers once the commit is durable.
    pub(crate) async fn submit(
        &self,
        token: InvitationToken,
        answers: Arc<CheckedAnswers>,
        scores: Option<BTreeMap<String, i64>>,
        at: OffsetDateTime,
    ) -> Result<SubmitOutcome, StoreJobError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let submission = Submission { token, answers, scores, at, reply };
        self.jobs.send(Job::Submit(submission)).map_err(|_| StoreJobError::Lost)?;
        answer.await.map_err(|_| StoreJobError::Lost)?
    }
}

/// The submissions waiting right now behind `first`, up to [`MAX_GROUP`], and the first other
/// job met, which must wait until the group is committed. Never waits for more to arrive.
fn gather(first: Submission, queue: &mpsc::Receiver<Job>) -> (Vec<Submission>, Option<Job>) {
    let mut group = vec![first];
    while group.len() < MAX_GROUP {
        match queue.try_recv() {
            Ok(Job::Submit(submission)) => group.push(submission),
            Ok(other) => return (group, Some(other)),
            Err(_) => break,
        }
    }
    (group, None)
}

/// Stores a group with one commit and then answers each form. If the commit fails, every form
/// in the group gets the error, and none was stored.
fn commit_group(store: &mut Store, group: Vec<Submission>) {
    let stored = catch_unwind(AssertUnwindSafe(|| {
        let submissions: Vec<IntakeSubmission<'_>> = group
            .iter()
            .map(|one| IntakeSubmission {
                token: &one.token,
                answers: &one.answers,
                at: one.at,
                scores: one.scores.as_ref(),
            })
            .collect();
        store.submit_intakes(&submissions)
    }));
    // After a panic the transaction has rolled back and the replies are still in `group`:
    // dropping them unanswered tells each caller its form was lost, as for any other job.
    let Ok(stored) = stored else { return };
    match stored {
        Ok(outcomes) => {
            for (one, outcome) in group.into_iter().zip(outcomes) {
                let _ = one.reply.send(outcome.map_err(StoreJobError::Store));
            }
        }
        Err(error) => {
            let cause = error.to_string();
            for one in group {
                let _ = one.reply.send(Err(StoreJobError::GroupCommit(cause.clone())));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_in_order_and_a_panic_does_not_stop_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let thread = StoreThread::spawn(store).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let first = thread.run(|store| store.server_secret()).await.unwrap();
            let lost = thread.run(|_| -> Result<(), StoreError> { panic!("a job that fails") }).await;
            assert!(matches!(lost, Err(StoreJobError::Lost)));
            let again = thread.run(|store| store.server_secret()).await.unwrap();
            assert_eq!(first, again, "the thread still serves jobs, and the secret is stable");
        });
    }

    #[test]
    fn the_log_is_folded_in_beside_the_store_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let thread = StoreThread::spawn(Store::open(&path).unwrap()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let now = OffsetDateTime::now_utc();
        runtime.block_on(async {
            // Past the 200 pages at which a commit would fold the log in itself, which the
            // store thread's commits no longer do (mend-store's own test shows that).
            for n in 0..300 {
                let entry = n.to_string();
                thread
                    .run(move |store| store.audit(mend_store::Actor::Server, "test", Some(&entry), now))
                    .await
                    .unwrap();
            }
        });
        let log = || -> (i64, i64) {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.query_row("PRAGMA wal_checkpoint(NOOP)", [], |row| Ok((row.get(1)?, row.get(2)?))).unwrap()
        };
        let folded = (0..50).any(|_| {
            let (pages, done) = log();
            let all = pages > 0 && done == pages;
            if !all {
                std::thread::sleep(FOLD_EVERY);
            }
            all
        });
        assert!(folded, "the checkpointer folded the whole log in: {:?}", log());
    }

    /// A one-question form, `intake` version 1.
    fn form() -> mend_core::Questionnaire {
        let mut questionnaire: mend_core::Questionnaire = toml::from_str(
            "version = 1\ntitle = \"T\"\nintro = []\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n\
             [[sections.questions]]\nid = \"in_own_words\"\nkind = \"long_text\"\nlabel = \"In your words\"\n",
        )
        .unwrap();
        questionnaire.id = "intake".to_owned();
        questionnaire
    }

    /// Answers checked by [`form`], as the handler checks a sent form.
    fn checked(text: &str) -> Arc<CheckedAnswers> {
        let raw = mend_core::RawAnswers::from([("in_own_words".to_owned(), vec![text.to_owned()])]);
        Arc::new(form().check(&raw, time::macros::date!(2026 - 01 - 01)).unwrap())
    }

    /// The `n`th token of a test: a real token's shape, so it parses.
    fn token(n: usize) -> InvitationToken {
        InvitationToken::parse(&format!("{n:064x}")).unwrap()
    }

    fn submission(n: usize) -> Submission {
        let (reply, _answer) = tokio::sync::oneshot::channel();
        Submission {
            token: token(n),
            answers: checked(&n.to_string()),
            scores: None,
            at: OffsetDateTime::now_utc(),
            reply,
        }
    }

    /// Which submissions a group holds, by their numbers.
    fn numbers(group: &[Submission]) -> Vec<usize> {
        group.iter().map(|one| usize::from_str_radix(one.token.expose(), 16).unwrap()).collect()
    }

    #[test]
    fn a_group_is_what_is_waiting_and_stops_at_other_work() {
        let (jobs, queue) = mpsc::channel();
        for n in [2, 3] {
            jobs.send(Job::Submit(submission(n))).unwrap();
        }
        jobs.send(Job::Run(Box::new(|_| {}))).unwrap();
        jobs.send(Job::Submit(submission(4))).unwrap();

        let (group, after) = gather(submission(1), &queue);
        assert_eq!(numbers(&group), [1, 2, 3]);
        assert!(matches!(after, Some(Job::Run(_))), "the other job comes next, before the later form");
        let (group, after) = gather(submission(5), &queue);
        assert_eq!(numbers(&group), [5, 4]);
        assert!(after.is_none(), "an empty queue ends the group without waiting");

        for n in 0..MAX_GROUP + 5 {
            jobs.send(Job::Submit(submission(n))).unwrap();
        }
        let (group, _) = gather(submission(1000), &queue);
        assert_eq!(group.len(), MAX_GROUP);
    }

    #[test]
    fn forms_queued_behind_other_work_are_stored_together_and_answered_in_order() {
        use mend_core::{BreachKind, BrokeTrust, PartnerName};
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let now = OffsetDateTime::now_utc();
        let couple = store
            .add_couple(
                &mend_core::NewCouple::new(
                    [PartnerName::parse("Ana Lía").unwrap(), PartnerName::parse("Mateo").unwrap()],
                    &BrokeTrust::Named("Mateo".into()),
                    BreachKind::Lies,
                    None,
                )
                .unwrap(),
                now,
            )
            .unwrap();
        let later = now + time::Duration::days(1);
        let form = form();
        let mut invite = |index: usize| store.create_invitation(couple.partners[index].id, &form, now, later).unwrap();
        let (ana, mateo) = (invite(0), invite(1));
        let thread = StoreThread::spawn(store).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();

        let (open, gate) = mpsc::channel::<()>();
        let seen = couple.clone();
        let (held, first, again, other, count, late, ()) = runtime.block_on(async {
            tokio::join!(
                // Holds the thread until every job below is queued behind it.
                thread.run(move |_| Ok(gate.recv().is_ok())),
                thread.submit(ana.clone(), checked("first"), None, now),
                thread.submit(ana.clone(), checked("again"), None, now),
                thread.submit(mateo.clone(), checked("other"), None, now),
                thread.run(move |store| Ok(store.intake_responses(&seen)?.len())),
                thread.submit(token(0), checked("late"), None, now),
                async move { open.send(()).unwrap() },
            )
        });
        assert!(held.unwrap());
        assert_eq!(first.unwrap(), SubmitOutcome::Stored);
        assert_eq!(again.unwrap(), SubmitOutcome::AlreadyUsed, "the same link twice in one group stores once");
        assert_eq!(other.unwrap(), SubmitOutcome::Stored);
        assert_eq!(count.unwrap(), 2, "work queued after the group sees it committed");
        assert_eq!(late.unwrap(), SubmitOutcome::NotActive);
    }
}
