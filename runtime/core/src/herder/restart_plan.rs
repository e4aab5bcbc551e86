//! What a restart request restarts (KIP-745), for either herder: the
//! connector unless only failed parts are asked for and it has not failed,
//! and with `includeTasks` the tasks, all or the failed ones. Connect
//! answers such a request with the status, those parts RESTARTING.

use super::{ConnectorStatus, RestartRequest, State, StateInfo};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartPlan {
    pub connector: bool,
    pub tasks: Vec<u32>,
}

fn failed(s: &StateInfo) -> bool {
    s.state == State::Failed
}

impl RestartPlan {
    pub fn new(status: &ConnectorStatus, request: RestartRequest) -> Self {
        let connector = !request.only_failed || failed(&status.connector);
        let tasks = if request.include_tasks {
            status.tasks.iter().filter(|t| !request.only_failed || failed(&t.status)).map(|t| t.id).collect()
        } else {
            Vec::new()
        };
        Self { connector, tasks }
    }

    /// The answer to a request with `includeTasks` or `onlyFailed`; a plain
    /// restart is answered with no body (204).
    pub fn answer(&self, request: RestartRequest, mut status: ConnectorStatus) -> Option<ConnectorStatus> {
        if !(request.include_tasks || request.only_failed) {
            return None;
        }
        let restarting = |s: &mut StateInfo| {
            s.state = State::Restarting;
            s.trace = None;
        };
        if self.connector {
            restarting(&mut status.connector);
        }
        for t in status.tasks.iter_mut().filter(|t| self.tasks.contains(&t.id)) {
            restarting(&mut t.status);
        }
        Some(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::herder::TaskStatus;

    fn status(connector: State, tasks: &[State]) -> ConnectorStatus {
        let info = |state| StateInfo { state, worker_id: "w:8083".into(), trace: Some("boom".into()) };
        ConnectorStatus {
            name: "c".into(),
            connector: info(connector),
            tasks: tasks.iter().enumerate().map(|(i, s)| TaskStatus { id: i as u32, status: info(*s) }).collect(),
            kind: None,
        }
    }

    #[test]
    fn only_failed_parts_restart_when_asked() {
        let s = status(State::Running, &[State::Failed, State::Running, State::Failed]);
        let only_failed = RestartRequest { include_tasks: true, only_failed: true };
        let plan = RestartPlan::new(&s, only_failed);
        assert_eq!(plan, RestartPlan { connector: false, tasks: vec![0, 2] });
        let answer = plan.answer(only_failed, s.clone()).expect("an answer");
        assert_eq!(answer.connector.state, State::Running);
        let states: Vec<State> = answer.tasks.iter().map(|t| t.status.state).collect();
        assert_eq!(states, [State::Restarting, State::Running, State::Restarting]);
        assert_eq!(answer.tasks[0].status.trace, None);
        let all = RestartRequest { include_tasks: true, only_failed: false };
        assert_eq!(RestartPlan::new(&s, all), RestartPlan { connector: true, tasks: vec![0, 1, 2] });
    }

    #[test]
    fn a_plain_restart_is_the_connector_alone_with_no_answer() {
        let s = status(State::Running, &[State::Failed]);
        let plan = RestartPlan::new(&s, RestartRequest::default());
        assert_eq!(plan, RestartPlan { connector: true, tasks: vec![] });
        assert_eq!(plan.answer(RestartRequest::default(), s), None);
    }
}
