//! Identical report requests share one computation. A dashboard opened by a whole sales floor at
//! nine sends the same report many times within a second; each would aggregate the same months
//! of history on its own. Here a request whose key (the viewer's visibility and the report's
//! input) matches a computation still running waits for that one's answer instead of starting
//! another. The answer is as fresh as that computation's start, which is never before the
//! request arrived by more than one computation's duration; once a computation has answered, the
//! next request starts a new one (nothing is kept).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use crate::error::{AppError, AppResult};

type Flight<V> = Shared<BoxFuture<'static, Result<Arc<V>, AppError>>>;

/// Computations of `V` in flight, by key.
pub struct Coalescer<V> {
    flights: Mutex<HashMap<String, Flight<V>>>,
}

impl<V> Default for Coalescer<V> {
    fn default() -> Self {
        Self {
            flights: Mutex::new(HashMap::new()),
        }
    }
}

impl<V> std::fmt::Debug for Coalescer<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalescer").finish_non_exhaustive()
    }
}

impl<V: Send + Sync + 'static> Coalescer<V> {
    /// The answer of the computation running under `key`, or of `compute` started now when none
    /// is. `compute` runs as a task of its own, so a caller that goes away (a client hanging up)
    /// does not cancel it for the others waiting on it.
    pub async fn run<F>(&self, key: String, compute: F) -> AppResult<Arc<V>>
    where
        F: Future<Output = AppResult<V>> + Send + 'static,
    {
        let flight = {
            let mut flights = self
                .flights
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match flights.get(&key) {
                Some(flight) => flight.clone(),
                None => {
                    let task = tokio::spawn(compute);
                    let flight = async move {
                        match task.await {
                            Ok(answer) => answer.map(Arc::new),
                            Err(failed) => {
                                tracing::error!(error = %failed, "a shared report computation failed");
                                Err(AppError::internal())
                            }
                        }
                    }
                    .boxed()
                    .shared();
                    flights.insert(key.clone(), flight.clone());
                    flight
                }
            }
        };
        let answer = flight.clone().await;
        let mut flights = self
            .flights
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if flights
            .get(&key)
            .is_some_and(|running| running.ptr_eq(&flight))
        {
            flights.remove(&key);
        }
        answer
    }

    /// How many computations are running (for tests).
    pub fn in_flight(&self) -> usize {
        self.flights
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn requests_during_a_computation_share_it_and_later_ones_start_anew() {
        let coalescer: Arc<Coalescer<usize>> = Arc::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let compute = |runs: Arc<AtomicUsize>| async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(runs.fetch_add(1, Ordering::SeqCst) + 1)
        };
        let together = futures_util::future::join_all((0..8).map(|_| {
            let coalescer = coalescer.clone();
            let runs = runs.clone();
            async move { coalescer.run("k".into(), compute(runs)).await }
        }))
        .await;
        let answers: Vec<usize> = together.into_iter().flatten().map(|a| *a).collect();
        assert_eq!(answers, vec![1; 8], "eight callers, one computation");
        assert_eq!(coalescer.in_flight(), 0);

        let later = coalescer.run("k".into(), compute(runs.clone())).await;
        let other = coalescer.run("other".into(), compute(runs.clone())).await;
        assert_eq!((later.map(|a| *a), other.map(|a| *a)), (Ok(2), Ok(3)));
    }

    #[tokio::test]
    async fn a_failure_reaches_every_waiter_and_is_not_kept() {
        let coalescer: Arc<Coalescer<usize>> = Arc::default();
        let failing = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err(AppError::internal())
        };
        let (a, b) = tokio::join!(
            coalescer.run("k".into(), failing),
            coalescer.run("k".into(), async { Ok(7) })
        );
        assert!(a.is_err() && b.is_err(), "the second joined the first");
        let again = coalescer.run("k".into(), async { Ok(7) }).await;
        assert_eq!(again.map(|a| *a), Ok(7));
    }

    #[tokio::test]
    async fn a_caller_going_away_does_not_cancel_the_others() {
        let coalescer: Arc<Coalescer<usize>> = Arc::default();
        let slow = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(5)
        };
        let first = tokio::spawn({
            let coalescer = coalescer.clone();
            async move { coalescer.run("k".into(), slow).await }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        let second = {
            let coalescer = coalescer.clone();
            tokio::spawn(async move { coalescer.run("k".into(), async { Ok(9) }).await })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        first.abort();
        let answer = second.await.map_err(|e| e.to_string());
        assert_eq!(answer.map(|a| a.map(|v| *v)), Ok(Ok(5)));
    }
}
