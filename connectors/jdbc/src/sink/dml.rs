//! INSERT, upsert, UPDATE and DELETE statements, several rows per
//! statement where the dialect allows. Identifiers quoted (unless
//! `quote.sql.identifiers=never`), values always bound.

use crate::dialect::{DialectKind, TableId};

/// Builds statements for one table.
pub struct Sql<'a> {
    pub dialect: DialectKind,
    pub quote: bool,
    pub table: &'a TableId,
}

impl Sql<'_> {
    fn ident(&self, name: &str) -> String {
        if self.quote {
            self.dialect.quote(name)
        } else {
            name.to_owned()
        }
    }

    fn list(&self, names: &[&str]) -> String {
        names.iter().map(|n| self.ident(n)).collect::<Vec<_>>().join(",")
    }

    /// `(?,?),(?,?)` (or `($1,$2),($3,$4)`) for `rows` rows of `width` values.
    fn tuples(&self, width: usize, rows: usize) -> String {
        (0..rows)
            .map(|r| format!("({})", (0..width).map(|i| self.dialect.placeholder(r * width + i + 1)).collect::<Vec<_>>().join(",")))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn insert(&self, columns: &[&str], rows: usize) -> String {
        format!("INSERT INTO {} ({}) VALUES {}", self.table.quoted(self.dialect, self.quote), self.list(columns), self.tuples(columns.len(), rows))
    }

    /// Insert, or update the non-key columns of the row with the same key.
    pub fn upsert(&self, keys: &[&str], values: &[&str], rows: usize) -> String {
        let all: Vec<&str> = keys.iter().chain(values).copied().collect();
        format!("{} {}", self.insert(&all, rows), self.on_conflict(keys, values))
    }

    /// As [`Sql::upsert`], with the rows of another table (PostgreSQL).
    pub fn upsert_from(&self, source: &str, keys: &[&str], values: &[&str]) -> String {
        let all = self.list(&keys.iter().chain(values).copied().collect::<Vec<_>>());
        let table = self.table.quoted(self.dialect, self.quote);
        format!("INSERT INTO {table} ({all}) SELECT {all} FROM {source} {}", self.on_conflict(keys, values))
    }

    fn on_conflict(&self, keys: &[&str], values: &[&str]) -> String {
        if self.dialect.is_mysql_family() {
            // With nothing to update, assigning a key to itself keeps the row.
            let sets: Vec<String> = if values.is_empty() {
                vec![format!("{0}={0}", self.ident(keys[0]))]
            } else {
                values.iter().map(|v| format!("{0}=VALUES({0})", self.ident(v))).collect()
            };
            format!("ON DUPLICATE KEY UPDATE {}", sets.join(","))
        } else if values.is_empty() {
            format!("ON CONFLICT ({}) DO NOTHING", self.list(keys))
        } else {
            let sets: Vec<String> = values.iter().map(|v| format!("{0}=EXCLUDED.{0}", self.ident(v))).collect();
            format!("ON CONFLICT ({}) DO UPDATE SET {}", self.list(keys), sets.join(","))
        }
    }

    /// The column list, quoted as the statements quote it.
    pub fn columns(&self, names: &[&str]) -> String {
        self.list(names)
    }

    /// One row: the values first, then the key.
    pub fn update(&self, keys: &[&str], values: &[&str]) -> String {
        let mut n = 0;
        let mut next = || {
            n += 1;
            self.dialect.placeholder(n)
        };
        let sets: Vec<String> = values.iter().map(|v| format!("{}={}", self.ident(v), next())).collect();
        let wheres: Vec<String> = keys.iter().map(|k| format!("{}={}", self.ident(k), next())).collect();
        format!("UPDATE {} SET {} WHERE {}", self.table.quoted(self.dialect, self.quote), sets.join(","), wheres.join(" AND "))
    }

    pub fn delete(&self, keys: &[&str], rows: usize) -> String {
        let table = self.table.quoted(self.dialect, self.quote);
        if keys.len() == 1 {
            let list = (1..=rows).map(|i| self.dialect.placeholder(i)).collect::<Vec<_>>().join(",");
            format!("DELETE FROM {table} WHERE {} IN ({list})", self.ident(keys[0]))
        } else {
            format!("DELETE FROM {table} WHERE ({}) IN ({})", self.list(keys), self.tuples(keys.len(), rows))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(dialect: DialectKind, table: &TableId) -> Sql<'_> {
        Sql { dialect, quote: true, table }
    }

    #[test]
    fn multi_row_insert() {
        let t = TableId::parse(DialectKind::MySql, "t");
        assert_eq!(sql(DialectKind::MySql, &t).insert(&["a", "b"], 2), "INSERT INTO `t` (`a`,`b`) VALUES (?,?),(?,?)");
        let t = TableId::parse(DialectKind::Postgres, "t");
        assert_eq!(sql(DialectKind::Postgres, &t).insert(&["a", "b"], 2), "INSERT INTO \"t\" (\"a\",\"b\") VALUES ($1,$2),($3,$4)");
    }

    #[test]
    fn upserts_per_dialect() {
        let t = TableId::parse(DialectKind::MySql, "t");
        assert_eq!(
            sql(DialectKind::MariaDb, &t).upsert(&["id"], &["name"], 1),
            "INSERT INTO `t` (`id`,`name`) VALUES (?,?) ON DUPLICATE KEY UPDATE `name`=VALUES(`name`)"
        );
        assert_eq!(sql(DialectKind::MySql, &t).upsert(&["id"], &[], 1), "INSERT INTO `t` (`id`) VALUES (?) ON DUPLICATE KEY UPDATE `id`=`id`");
        let t = TableId::parse(DialectKind::Postgres, "t");
        assert_eq!(
            sql(DialectKind::Postgres, &t).upsert(&["a", "b"], &["c"], 2),
            "INSERT INTO \"t\" (\"a\",\"b\",\"c\") VALUES ($1,$2,$3),($4,$5,$6) ON CONFLICT (\"a\",\"b\") DO UPDATE SET \"c\"=EXCLUDED.\"c\""
        );
        assert_eq!(sql(DialectKind::Postgres, &t).upsert(&["a"], &[], 1), "INSERT INTO \"t\" (\"a\") VALUES ($1) ON CONFLICT (\"a\") DO NOTHING");
    }

    #[test]
    fn upsert_from_a_staging_table() {
        let t = TableId::parse(DialectKind::Postgres, "t");
        assert_eq!(
            sql(DialectKind::Postgres, &t).upsert_from("pg_temp.ferry_upsert", &["id"], &["name"]),
            "INSERT INTO \"t\" (\"id\",\"name\") SELECT \"id\",\"name\" FROM pg_temp.ferry_upsert ON CONFLICT (\"id\") DO UPDATE SET \"name\"=EXCLUDED.\"name\""
        );
    }

    #[test]
    fn update_and_delete() {
        let t = TableId::parse(DialectKind::Postgres, "t");
        assert_eq!(sql(DialectKind::Postgres, &t).update(&["id"], &["a", "b"]), "UPDATE \"t\" SET \"a\"=$1,\"b\"=$2 WHERE \"id\"=$3");
        assert_eq!(sql(DialectKind::Postgres, &t).delete(&["id"], 3), "DELETE FROM \"t\" WHERE \"id\" IN ($1,$2,$3)");
        let t = TableId::parse(DialectKind::MySql, "t");
        assert_eq!(sql(DialectKind::MySql, &t).delete(&["a", "b"], 2), "DELETE FROM `t` WHERE (`a`,`b`) IN ((?,?),(?,?))");
    }

    #[test]
    fn unquoted_identifiers_when_asked() {
        let t = TableId::parse(DialectKind::MySql, "t");
        let s = Sql { dialect: DialectKind::MySql, quote: false, table: &t };
        assert_eq!(s.insert(&["a"], 1), "INSERT INTO t (a) VALUES (?)");
    }
}
