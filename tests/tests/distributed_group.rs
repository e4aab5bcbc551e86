//! Distributed mode's membership against real brokers: workers of one
//! `group.id` join Kafka's group coordinator with protocol type `connect`,
//! one is elected leader and sees every worker's state, the leader's
//! assignments reach each worker, and a worker joining or leaving makes the
//! others rebalance. Run on noida-db and on tansu.

use std::collections::BTreeSet;
use std::time::Duration;

use ferry_runtime::distributed::membership::{Joined, Membership, Outcome};
use ferry_runtime::distributed::protocol::{Assignment, Protocol, TaskRef, WorkerState};
use ferry_tests::{member_config, unique, with_broker, KafkaServer};
use tokio::time::Instant;

fn member(bootstrap: &str, group: &str, n: usize) -> (Membership, WorkerState) {
    let config = member_config(bootstrap, group, &format!("worker-{n}"));
    (Membership::new(config), WorkerState { url: format!("http://127.0.0.1:{}/", 18_000 + n), config_offset: 5, previous: None })
}

/// What the test's leader assigns: six tasks of one connector, round robin over the members.
fn assign(joined: &Joined, leader_url: &str) -> Vec<(String, Assignment)> {
    joined
        .members
        .iter()
        .enumerate()
        .map(|(i, (id, _))| {
            let tasks = (0..6).filter(|t| t % joined.members.len() == i).map(|t| TaskRef { connector: "pipeline".into(), task: t as i32 }).collect();
            let a = Assignment { leader: joined.leader_id.clone(), leader_url: leader_url.to_owned(), config_offset: 5, tasks, ..Default::default() };
            (id.clone(), a)
        })
        .collect()
}

type Joining = tokio::task::JoinHandle<(Membership, WorkerState, Joined)>;
type Round = Vec<(Membership, WorkerState, Joined, Assignment)>;

/// A member's JoinGroup, which returns once every member has joined.
fn spawn_join((mut m, s): (Membership, WorkerState)) -> Joining {
    tokio::spawn(async move {
        let joined = m.join(&s).await.expect("joins the group");
        (m, s, joined)
    })
}

/// One full rebalance: every member joins, the leader assigns, every member syncs.
async fn rebalance(members: Vec<(Membership, WorkerState)>) -> Round {
    sync_round(members.into_iter().map(spawn_join).collect()).await
}

/// The joins complete in one generation with one leader, whose assignments reach every member.
async fn sync_round(joins: Vec<Joining>) -> Round {
    let mut joined = Vec::new();
    for j in joins {
        joined.push(j.await.expect("join task"));
    }
    let leaders: Vec<_> = joined.iter().filter(|(_, _, j)| j.is_leader()).collect();
    assert_eq!(leaders.len(), 1, "exactly one leader");
    let generation = joined[0].2.generation;
    assert!(joined.iter().all(|(_, _, j)| j.generation == generation), "one generation");
    assert!(joined.iter().all(|(_, _, j)| j.protocol == Protocol::Sessioned), "the protocol all offered");
    let (_, leader_state, leader_join) = leaders[0];
    let plan = assign(leader_join, &leader_state.url);
    let syncs: Vec<_> = joined
        .into_iter()
        .map(|(mut m, s, j)| {
            let mine = if j.is_leader() { plan.clone() } else { Vec::new() };
            tokio::spawn(async move {
                let a = match m.sync(&j, &mine).await.expect("syncs") {
                    Outcome::Done(a) => a,
                    Outcome::Rejoin => panic!("the group rebalanced again during the sync"),
                };
                (m, s, j, a)
            })
        })
        .collect();
    let mut out = Vec::new();
    for s in syncs {
        out.push(s.await.expect("sync task"));
    }
    for (m, _, _, a) in &out {
        let planned = plan.iter().find(|(id, _)| id == m.member_id()).map(|(_, a)| a).expect("the leader planned for every member");
        assert_eq!(a, planned, "a worker gets what the leader assigned it");
    }
    out
}

/// Heartbeats until the coordinator asks for a rejoin.
async fn until_rejoin(m: &mut Membership) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut watch = m.watch();
    loop {
        match watch.heartbeat().await.expect("heartbeat") {
            Outcome::Rejoin => return,
            Outcome::Done(()) => assert!(Instant::now() < deadline, "no rebalance within 60 s"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn all_tasks(round: &[(Membership, WorkerState, Joined, Assignment)]) -> Vec<i32> {
    let mut tasks: Vec<i32> = round.iter().flat_map(|(_, _, _, a)| a.tasks.iter().map(|t| t.task)).collect();
    tasks.sort();
    tasks
}

async fn workers_share_a_group(bootstrap: String) {
    let group = unique("ferry-cluster");
    let first = rebalance(vec![member(&bootstrap, &group, 1), member(&bootstrap, &group, 2)]).await;
    let leader = first.iter().find(|r| r.2.is_leader()).expect("leader");
    let urls: Vec<&str> = leader.2.members.iter().map(|(_, s)| s.url.as_str()).collect();
    assert_eq!(urls.len(), 2, "the leader sees both workers");
    assert!(urls.contains(&"http://127.0.0.1:18001/") && urls.contains(&"http://127.0.0.1:18002/"), "{urls:?}");
    assert_eq!(all_tasks(&first), [0, 1, 2, 3, 4, 5], "every task assigned once");
    assert!(first.iter().all(|r| r.3.leader_url == leader.1.url), "every worker learns the leader's URL");

    // A third worker joins: the others are told to rebalance, and all three share the work.
    let mut joins = vec![spawn_join(member(&bootstrap, &group, 3))];
    for (mut m, s, _, _) in first {
        until_rejoin(&mut m).await;
        joins.push(spawn_join((m, s)));
    }
    let second = sync_round(joins).await;
    assert_eq!(second.len(), 3);
    assert!(second.iter().all(|r| r.3.tasks.len() == 2), "six tasks over three workers");
    assert_eq!(all_tasks(&second), [0, 1, 2, 3, 4, 5]);

    // One leaves cleanly: the two left rebalance without waiting for its session to expire.
    let mut rest = Vec::new();
    let mut leaving = None;
    for (m, s, _, _) in second {
        if leaving.is_none() {
            leaving = Some(m);
        } else {
            rest.push((m, s));
        }
    }
    leaving.expect("a member").leave().await.expect("leaves");
    for (m, _) in rest.iter_mut() {
        until_rejoin(m).await;
    }
    let third_round = rebalance(rest).await;
    assert_eq!(third_round.len(), 2);
    assert_eq!(all_tasks(&third_round), [0, 1, 2, 3, 4, 5]);

    // The group, as its coordinator describes it: the two members left.
    let ids: BTreeSet<String> = third_round.iter().map(|r| r.0.member_id().to_owned()).collect();
    let described = third_round[0].0.watch().members().await.expect("the group is described");
    assert_eq!(described, ids, "the coordinator lists the members of the last generation");
}

/// Joins and syncs until this member leads a generation and gets its assignment.
async fn lead(mut m: Membership, s: WorkerState) -> (Joined, Assignment) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let joined = m.join(&s).await.expect("joins the group");
        let plan = if joined.is_leader() { assign(&joined, &s.url) } else { Vec::new() };
        if let Outcome::Done(a) = m.sync(&joined, &plan).await.expect("syncs") {
            if joined.is_leader() {
                return (joined, a);
            }
        }
    }
    panic!("the member left did not lead the group within 60 s");
}

/// The leader leaves while the group rebalances: the member left becomes
/// the leader and finishes the rebalance (tansu keeps a leader that leaves
/// then, which the member left works around).
async fn a_leader_leaving_during_a_rebalance_is_replaced(bootstrap: String) {
    let group = unique("ferry-leader-leaves");
    let round = rebalance(vec![member(&bootstrap, &group, 1), member(&bootstrap, &group, 2)]).await;
    let (mut leaders, followers): (Vec<_>, Vec<_>) = round.into_iter().partition(|r| r.2.is_leader());
    let (mut leader, _, _, _) = leaders.pop().expect("a leader");
    let (follower, mut state, _, _) = followers.into_iter().next().expect("a follower");
    // The follower has read further: its join starts a rebalance, and the
    // leader, told so in its heartbeat, leaves instead of joining.
    state.config_offset += 1;
    let follower_id = follower.member_id().to_owned();
    let leading = tokio::spawn(lead(follower, state));
    until_rejoin(&mut leader).await;
    leader.leave().await.expect("the leader leaves");
    let (joined, assignment) = leading.await.expect("the follower's task");
    assert_eq!(joined.members.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), [follower_id.as_str()], "the leader that left is no member");
    assert_eq!(assignment.tasks.len(), 6, "the new leader runs every task");
}

#[test]
fn a_leader_leaving_during_a_rebalance_is_replaced_on_noida() {
    with_broker(&KafkaServer::noida(), a_leader_leaving_during_a_rebalance_is_replaced);
}

#[test]
fn a_leader_leaving_during_a_rebalance_is_replaced_on_tansu() {
    with_broker(&KafkaServer::tansu(), a_leader_leaving_during_a_rebalance_is_replaced);
}

#[test]
fn workers_share_a_group_on_noida() {
    with_broker(&KafkaServer::noida(), workers_share_a_group);
}

#[test]
fn workers_share_a_group_on_tansu() {
    with_broker(&KafkaServer::tansu(), workers_share_a_group);
}
