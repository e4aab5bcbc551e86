//! The queries of each mode, as Confluent's connector writes them. Pure
//! functions of the configuration, tested against the expected text.

use crate::dialect::DialectKind;

/// `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bulk,
    Incrementing,
    Timestamp,
    TimestampIncrementing,
}

impl Mode {
    pub const NAMES: [&'static str; 4] = ["bulk", "timestamp", "incrementing", "timestamp+incrementing"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bulk" => Self::Bulk,
            "incrementing" => Self::Incrementing,
            "timestamp" => Self::Timestamp,
            "timestamp+incrementing" => Self::TimestampIncrementing,
            _ => return None,
        })
    }
    pub fn uses_timestamp(self) -> bool {
        matches!(self, Self::Timestamp | Self::TimestampIncrementing)
    }
    pub fn uses_incrementing(self) -> bool {
        matches!(self, Self::Incrementing | Self::TimestampIncrementing)
    }
}

/// The bound values a mode's query takes, in placeholder order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Last incrementing value read.
    LastIncrementing,
    /// Last timestamp read.
    Begin,
    /// Database now − `timestamp.delay.interval.ms`.
    End,
}

/// What to read: a table, or the user's query.
pub enum From<'a> {
    Table(&'a str),
    Query(&'a str),
}

pub struct QuerySpec<'a> {
    pub dialect: DialectKind,
    pub quote: bool,
    pub mode: Mode,
    pub from: From<'a>,
    pub incrementing: Option<&'a str>,
    pub timestamps: &'a [String],
    pub suffix: &'a str,
}

impl QuerySpec<'_> {
    fn ident(&self, name: &str) -> String {
        if self.quote {
            self.dialect.quote(name)
        } else {
            name.to_owned()
        }
    }

    /// `COALESCE(a,b)` for several timestamp columns, else the column.
    fn timestamp_expr(&self) -> String {
        let cols: Vec<String> = self.timestamps.iter().map(|c| self.ident(c)).collect();
        match cols.as_slice() {
            [one] => one.clone(),
            many => format!("COALESCE({})", many.join(",")),
        }
    }

    /// The SQL and the values its placeholders take.
    pub fn build(&self) -> (String, Vec<Bound>) {
        let mut sql = match self.from {
            From::Table(t) => format!("SELECT * FROM {t}"),
            From::Query(q) => q.to_owned(),
        };
        let p = |n: usize| self.dialect.placeholder(n);
        let inc = self.incrementing.map(|c| self.ident(c)).unwrap_or_default();
        let bounds = match self.mode {
            Mode::Bulk => Vec::new(),
            Mode::Incrementing => {
                sql.push_str(&format!(" WHERE {inc} > {} ORDER BY {inc} ASC", p(1)));
                vec![Bound::LastIncrementing]
            }
            Mode::Timestamp => {
                let ts = self.timestamp_expr();
                sql.push_str(&format!(" WHERE {ts} > {} AND {ts} < {} ORDER BY {ts} ASC", p(1), p(2)));
                vec![Bound::Begin, Bound::End]
            }
            Mode::TimestampIncrementing => {
                let ts = self.timestamp_expr();
                sql.push_str(&format!(
                    " WHERE {ts} < {} AND (({ts} = {} AND {inc} > {}) OR {ts} > {}) ORDER BY {ts},{inc} ASC",
                    p(1), p(2), p(3), p(4)
                ));
                vec![Bound::End, Bound::Begin, Bound::LastIncrementing, Bound::Begin]
            }
        };
        if !self.suffix.is_empty() {
            sql.push(' ');
            sql.push_str(self.suffix);
        }
        (sql, bounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(dialect: DialectKind, mode: Mode, from: From<'a>, ts: &'a [String]) -> QuerySpec<'a> {
        QuerySpec { dialect, quote: true, mode, from, incrementing: Some("id"), timestamps: ts, suffix: "" }
    }

    #[test]
    fn queries_per_mode() {
        let ts = vec!["updated_at".to_owned()];
        let t = From::Table("`test`.`users`");
        assert_eq!(spec(DialectKind::MySql, Mode::Bulk, t, &ts).build().0, "SELECT * FROM `test`.`users`");
        let (sql, bounds) = spec(DialectKind::MySql, Mode::Incrementing, From::Table("`test`.`users`"), &ts).build();
        assert_eq!(sql, "SELECT * FROM `test`.`users` WHERE `id` > ? ORDER BY `id` ASC");
        assert_eq!(bounds, vec![Bound::LastIncrementing]);
        let (sql, bounds) = spec(DialectKind::Postgres, Mode::Timestamp, From::Table("\"public\".\"users\""), &ts).build();
        assert_eq!(
            sql,
            "SELECT * FROM \"public\".\"users\" WHERE \"updated_at\" > $1 AND \"updated_at\" < $2 ORDER BY \"updated_at\" ASC"
        );
        assert_eq!(bounds, vec![Bound::Begin, Bound::End]);
        let (sql, bounds) = spec(DialectKind::Postgres, Mode::TimestampIncrementing, From::Table("\"t\""), &ts).build();
        assert_eq!(
            sql,
            "SELECT * FROM \"t\" WHERE \"updated_at\" < $1 AND ((\"updated_at\" = $2 AND \"id\" > $3) OR \"updated_at\" > $4) \
             ORDER BY \"updated_at\",\"id\" ASC"
        );
        assert_eq!(bounds, vec![Bound::End, Bound::Begin, Bound::LastIncrementing, Bound::Begin]);
    }

    #[test]
    fn coalesce_query_mode_and_suffix() {
        let ts = vec!["modified".to_owned(), "created".to_owned()];
        let mut s = spec(DialectKind::MySql, Mode::Timestamp, From::Query("SELECT a.* FROM a JOIN b USING (id)"), &ts);
        s.suffix = "LIMIT 100";
        s.quote = false;
        assert_eq!(
            s.build().0,
            "SELECT a.* FROM a JOIN b USING (id) WHERE COALESCE(modified,created) > ? AND COALESCE(modified,created) < ? \
             ORDER BY COALESCE(modified,created) ASC LIMIT 100"
        );
    }
}
