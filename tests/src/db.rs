//! The relational databases of the tests: MariaDB (root, no password) and
//! PostgreSQL (postgres, trust), driven through their command-line clients.

use std::process::Command;

/// A database the JDBC tests run against, and how a user's URL names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// MariaDB reached with a `jdbc:mysql://` URL.
    MySqlUrl,
    /// MariaDB reached with a `jdbc:mariadb://` URL.
    MariaDbUrl,
    Postgres,
}

fn host_port(var: &str, default: &str) -> (String, String) {
    let v = std::env::var(var).unwrap_or_else(|_| default.to_owned());
    let (h, p) = v.rsplit_once(':').unwrap_or((&v, ""));
    (h.to_owned(), p.to_owned())
}

impl Database {
    pub const ALL: [Database; 3] = [Database::MySqlUrl, Database::MariaDbUrl, Database::Postgres];

    fn address(self) -> (String, String) {
        match self {
            Database::Postgres => host_port("FERRY_TEST_POSTGRES", "127.0.0.1:5432"),
            _ => host_port("FERRY_TEST_MYSQL", "127.0.0.1:3306"),
        }
    }

    pub fn jdbc_url(self) -> String {
        let (h, p) = self.address();
        match self {
            Database::MySqlUrl => format!("jdbc:mysql://{h}:{p}/test"),
            Database::MariaDbUrl => format!("jdbc:mariadb://{h}:{p}/test"),
            Database::Postgres => format!("jdbc:postgresql://{h}:{p}/postgres"),
        }
    }

    pub fn user(self) -> &'static str {
        match self {
            Database::Postgres => "postgres",
            _ => "root",
        }
    }

    /// The table's full name as offsets name it.
    pub fn fqn(self, table: &str) -> String {
        match self {
            Database::Postgres => format!("public.{table}"),
            _ => format!("test.{table}"),
        }
    }

    /// Runs SQL statements; panics with the client's message on failure.
    pub fn exec(self, sql: &str) {
        self.query(sql);
    }

    /// Runs SQL; the rows it returns as tab-separated lines, without headers.
    pub fn query(self, sql: &str) -> String {
        self.try_query(sql).unwrap_or_else(|e| panic!("{sql}\n{e}"))
    }

    /// As [`Database::query`], with the client's error message on failure.
    pub fn try_query(self, sql: &str) -> Result<String, String> {
        let (h, p) = self.address();
        let out = match self {
            Database::Postgres => Command::new("psql")
                .args(["-h", &h, "-p", &p, "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", "-F", "\t", "-c", sql])
                .output(),
            _ => Command::new("mariadb")
                .args(["-h", &h, "-P", &p, "-u", "root", "--default-character-set=utf8mb4", "-N", "-B", "test", "-e", sql])
                .output(),
        }
        .expect("database client runs");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Creates a login without a password that may use the test database,
    /// so a test can tell its connector's sessions from everyone else's.
    pub fn create_user(self, user: &str) {
        match self {
            Database::Postgres => self.exec(&format!("CREATE ROLE {user} LOGIN SUPERUSER")),
            _ => self.exec(&format!("CREATE USER '{user}'@'%'; GRANT ALL ON test.* TO '{user}'@'%'")),
        }
    }

    /// Ends every session of `user`, as a database restart would; how many.
    pub fn kill_sessions(self, user: &str) -> usize {
        match self {
            Database::Postgres => self
                .query(&format!("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '{user}'"))
                .trim()
                .parse()
                .unwrap_or(0),
            _ => {
                let ids = self.query(&format!("SELECT id FROM information_schema.processlist WHERE user = '{user}'"));
                // A session may end on its own between the listing and the kill.
                ids.lines()
                    .filter(|id| {
                        let (h, p) = self.address();
                        Command::new("mariadb")
                            .args(["-h", &h, "-P", &p, "-u", "root", "-e", &format!("KILL {id}")])
                            .output()
                            .is_ok_and(|o| o.status.success())
                    })
                    .count()
            }
        }
    }

    /// Column type names for the same idea in each database.
    pub fn types(self) -> Types {
        match self {
            Database::Postgres => Types { serial_pk: "BIGSERIAL PRIMARY KEY", datetime: "TIMESTAMP(3)", now: "now()" },
            _ => Types { serial_pk: "BIGINT AUTO_INCREMENT PRIMARY KEY", datetime: "DATETIME(3)", now: "UTC_TIMESTAMP(3)" },
        }
    }
}

pub struct Types {
    pub serial_pk: &'static str,
    pub datetime: &'static str,
    pub now: &'static str,
}

/// Ends a user's sessions every 50 ms until stopped, as a flapping
/// database would.
pub struct SessionKiller {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<usize>,
}

impl SessionKiller {
    pub fn start(db: Database, user: &str) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, user) = (stop.clone(), user.to_owned());
        let thread = std::thread::spawn(move || {
            let mut killed = 0;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                killed += db.kill_sessions(&user);
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            killed
        });
        Self { stop, thread }
    }

    /// Stops; how many sessions were ended.
    pub fn stop(self) -> usize {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().expect("session killer")
    }
}
