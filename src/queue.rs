//! The order in which the worker serves what the page sent: one job at a time,
//! in arrival order, with requests held back until the worker is configured.

use crate::protocol::{Config, HttpRequest};
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Configure(Config),
    Request {
        id: u32,
        request: HttpRequest,
    },
    InjectFault(String),
    Restart,
    /// The page wrote a save, naming its new chunks (`Err`: why it could not), in `ms`.
    SaveLanded {
        seq: u64,
        result: Result<Vec<String>, String>,
        write_ms: f64,
    },
}

#[derive(Debug, Default)]
pub struct JobQueue {
    jobs: VecDeque<Job>,
}

impl JobQueue {
    pub fn push(&mut self, job: Job) {
        self.jobs.push_back(job);
    }

    /// The next job to run. Before the worker is configured only a `Configure`
    /// may run (it jumps ahead); everything else waits, still in order.
    /// Word that a save landed goes before everything (it is bookkeeping, and
    /// the next save waits for it).
    pub fn next(&mut self, configured: bool) -> Option<Job> {
        if configured {
            let landed = self.jobs.iter().position(|job| matches!(job, Job::SaveLanded { .. }));
            return match landed {
                Some(position) => self.jobs.remove(position),
                None => self.jobs.pop_front(),
            };
        }
        let position = self.jobs.iter().position(|job| matches!(job, Job::Configure(_)))?;
        self.jobs.remove(position)
    }

    /// Word of a landed save, if it came (the only job run while one is awaited).
    pub fn take_save_landed(&mut self) -> Option<Job> {
        let position = self.jobs.iter().position(|job| matches!(job, Job::SaveLanded { .. }))?;
        self.jobs.remove(position)
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: u32) -> Job {
        Job::Request { id, request: HttpRequest::get("/site/") }
    }

    fn ids(queue: &mut JobQueue) -> Vec<u32> {
        std::iter::from_fn(|| queue.next(true))
            .map(|job| match job {
                Job::Request { id, .. } => id,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn serves_in_arrival_order() {
        let mut queue = JobQueue::default();
        for id in [3, 1, 2] {
            queue.push(request(id));
        }
        assert_eq!(ids(&mut queue), vec![3, 1, 2]);
    }

    #[test]
    fn word_of_a_landed_save_goes_first() {
        let mut queue = JobQueue::default();
        queue.push(request(1));
        queue.push(Job::SaveLanded { seq: 4, result: Ok(vec![]), write_ms: 3.0 });
        assert!(matches!(queue.next(true), Some(Job::SaveLanded { seq: 4, .. })));
        assert_eq!(ids(&mut queue), vec![1]);
        queue.push(request(2));
        assert_eq!(queue.take_save_landed(), None, "only word of a save, not a request");
        queue.push(Job::SaveLanded { seq: 5, result: Err("full".into()), write_ms: 1.0 });
        assert!(matches!(queue.take_save_landed(), Some(Job::SaveLanded { seq: 5, .. })));
        assert_eq!(ids(&mut queue), vec![2]);
    }

    #[test]
    fn requests_wait_for_configuration_and_keep_their_order() {
        let mut queue = JobQueue::default();
        queue.push(request(1));
        queue.push(request(2));
        assert_eq!(queue.next(false), None, "a request must not run before configure");
        queue.push(Job::Configure(Config::default()));
        queue.push(request(3));
        assert!(matches!(queue.next(false), Some(Job::Configure(_))));
        assert_eq!(ids(&mut queue), vec![1, 2, 3]);
        assert!(queue.is_empty());
    }
}
