//! The one store connection, owned by a thread of its own: handlers send it jobs and await the
//! answer, so SQLite never runs on the async runtime's threads.
//!
//! A dedicated thread rather than `spawn_blocking` around a mutex: under load the thread works
//! through its queue without sleeping, instead of each request waking a pool thread that then
//! queues for the lock, and the queue keeps requests in arrival order.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

use mend_store::{Store, StoreError};

/// A piece of store work; it sends its own result back.
type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// Why a job did not produce a result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreJobError {
    /// The store reported an error.
    #[error(transparent)]
    Store(#[from] StoreError),
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
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("mend-store".to_owned()).spawn(move || {
            for job in queue {
                // A panicking job drops its reply sender, so its caller sees `Lost`; the
                // store's transactions roll back when dropped, so the next job is safe to run.
                let _ = catch_unwind(AssertUnwindSafe(|| job(&mut store)));
            }
        })?;
        Ok(Self { jobs })
    }

    /// Runs `job` on the store thread and waits, without blocking the runtime, for its result.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreJobError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |store| {
            let _ = reply.send(job(store));
        });
        self.jobs.send(job).map_err(|_| StoreJobError::Lost)?;
        Ok(answer.await.map_err(|_| StoreJobError::Lost)??)
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
}
