//! The relay's connections, each owned by a thread of its own: handlers send them jobs and await
//! the answer, so SQLite never runs on the async runtime's threads. One thread writes, one reads
//! (links opened, versions read), and one folds the log into the file.
//!
//! A dedicated thread rather than `spawn_blocking` around a mutex: under load the thread works
//! through its queue without sleeping, instead of each request waking a pool thread that then
//! queues for the lock, and the queue keeps requests in arrival order.
//!
//! Sent forms are committed in groups: the submissions that queued up while the thread was busy
//! are stored together with one commit, so a busy server waits for the disk once for all of them
//! rather than once each. Every one of them is answered only after that commit, so nothing is
//! acknowledged before it is durable; a lone submission is committed at once, without waiting.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc;

use mend_relay::{Arrival, Received, RelayError, RelayStore};

/// The most forms committed together: enough to share a commit widely, few enough that the last
/// in a group does not wait long behind the others.
const MAX_GROUP: usize = 64;

/// How often the checkpointer looks at the log: often enough that the log stays near SQLite's
/// usual size under a full load, rarely enough to cost nothing when idle.
const FOLD_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Folds the log in every [`FOLD_EVERY`] until `stopped` says the store thread has ended. A
/// failed checkpoint is logged and tried again at the next turn; nothing is lost by it.
///
/// At its start and every [`FORGET_EVERY`] turns it also deletes the drafts of links that have
/// died since (expired, mostly: used and retired links lose theirs at once), so that a partner's
/// unfinished answers are not kept, even sealed, for longer than their link works.
fn fold_in_until(mut checkpointer: RelayStore, stopped: &mpsc::Receiver<()>) {
    let mut turn: u32 = 0;
    loop {
        if turn.is_multiple_of(FORGET_EVERY)
            && let Err(error) = checkpointer.forget_dead_drafts(time::OffsetDateTime::now_utc())
        {
            tracing::warn!(cause = %error, "deleting the drafts of dead links failed; trying again later");
        }
        turn = turn.wrapping_add(1);
        if !matches!(stopped.recv_timeout(FOLD_EVERY), Err(mpsc::RecvTimeoutError::Timeout)) {
            break;
        }
        if let Err(error) = checkpointer.fold_in() {
            tracing::warn!(cause = %error, "folding the log into the database file failed; trying again");
        }
    }
}

/// How many turns of the checkpointer between deletions of dead links' drafts: a minute.
const FORGET_EVERY: u32 = 300;

/// Work for the store thread.
enum Job {
    /// Any piece of store work; it sends its own result back.
    Run(Box<dyn FnOnce(&mut RelayStore) + Send>),
    /// A sealed form to keep; these are committed in groups.
    Submit(Submission),
}

/// A form waiting to be kept, and where its outcome goes.
struct Submission {
    arrival: Arrival,
    reply: tokio::sync::oneshot::Sender<Result<Received, StoreJobError>>,
}

/// Why a job did not produce a result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreJobError {
    /// The store reported an error.
    #[error(transparent)]
    Store(#[from] RelayError),
    /// The commit of a group of forms failed, so none of them was stored.
    #[error("storing a group of forms failed: {0}")]
    GroupCommit(String),
    /// The store thread has stopped, or the job panicked.
    #[error("the store thread did not finish the job")]
    Lost,
}

/// A handle to the store thread; the thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct RelayThread {
    jobs: mpsc::Sender<Job>,
}

impl RelayThread {
    /// Opens the relay in `folder` on a new thread that writes, with a second connection that
    /// folds its log in.
    pub(crate) fn spawn_writer(folder: &Path) -> Result<Self, RelayError> {
        let mut store = RelayStore::open(folder)?;
        // The log is folded in on a thread of its own, so that no group commit waits for the
        // database file's sync as well as the log's. It stops when this thread's queue closes.
        let (stop, stopped) = mpsc::channel::<()>();
        let checkpointer = RelayStore::open(folder)?;
        store.leave_checkpoints()?;
        std::thread::Builder::new()
            .name("mend-checkpoint".to_owned())
            .spawn(move || fold_in_until(checkpointer, &stopped))
            .map_err(|source| RelayError::Folder { path: folder.to_owned(), source })?;
        Self::spawn(store, "mend-relay", Some(stop))
    }

    /// Opens the relay in `folder` on a new thread for reads.
    pub(crate) fn spawn_reader(folder: &Path) -> Result<Self, RelayError> {
        Self::spawn(RelayStore::open(folder)?, "mend-relay-read", None)
    }

    fn spawn(mut store: RelayStore, name: &str, stop: Option<mpsc::Sender<()>>) -> Result<Self, RelayError> {
        let path = store.path().to_owned();
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let mut next = queue.recv().ok();
                while let Some(job) = next {
                    next = match job {
                        // A panicking job drops its reply sender, so its caller sees `Lost`; the
                        // store's transactions roll back when dropped, so the next job is safe.
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
            })
            .map_err(|source| RelayError::Folder { path, source })?;
        Ok(Self { jobs })
    }

    /// Runs `job` on the store thread and waits, without blocking the runtime, for its result.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut RelayStore) -> Result<T, RelayError> + Send + 'static,
    ) -> Result<T, StoreJobError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job::Run(Box::new(move |store| {
            let _ = reply.send(job(store));
        }));
        self.jobs.send(job).map_err(|_| StoreJobError::Lost)?;
        Ok(answer.await.map_err(|_| StoreJobError::Lost)??)
    }

    /// Keeps a sealed form ([`RelayStore::receive`]), committed together with any others that
    /// are waiting, and answers once the commit is durable.
    pub(crate) async fn submit(&self, arrival: Arrival) -> Result<Received, StoreJobError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs.send(Job::Submit(Submission { arrival, reply })).map_err(|_| StoreJobError::Lost)?;
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

/// Keeps a group with one commit and then answers each form. If the commit fails, every form in
/// the group gets the error, and none was kept.
fn commit_group(store: &mut RelayStore, group: Vec<Submission>) {
    let kept = catch_unwind(AssertUnwindSafe(|| {
        let arrivals: Vec<Arrival> = group.iter().map(|one| one.arrival.clone()).collect();
        store.receive(&arrivals)
    }));
    // After a panic the transaction has rolled back and the replies are still in `group`:
    // dropping them unanswered tells each caller its form was lost, as for any other job.
    let Ok(kept) = kept else { return };
    match kept {
        Ok(outcomes) => {
            for (one, outcome) in group.into_iter().zip(outcomes) {
                let _ = one.reply.send(Ok(outcome));
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
