//! JDBC URLs as users write them: `jdbc:mysql://host:3306/db?user=u`,
//! `jdbc:mariadb://…`, `jdbc:postgresql://host:5432/db`.

use std::collections::BTreeMap;

use crate::dialect::DialectKind;

#[derive(Debug, Clone, PartialEq)]
pub struct JdbcUrl {
    /// The dialect the URL's subprotocol names.
    pub dialect: DialectKind,
    pub host: String,
    pub port: u16,
    pub database: String,
    /// Query parameters (`user`, `password`, driver settings).
    pub params: BTreeMap<String, String>,
}

impl JdbcUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url.strip_prefix("jdbc:").ok_or_else(|| format!("'{url}' is not a JDBC URL (jdbc:<database>://…)"))?;
        let (protocol, rest) = rest.split_once("://").ok_or_else(|| format!("'{url}' has no '//' after the subprotocol"))?;
        let dialect = DialectKind::from_subprotocol(protocol)
            .ok_or_else(|| format!("No dialect for the JDBC subprotocol '{protocol}': Ferry speaks mysql, mariadb and postgresql"))?;
        let (location, query) = match rest.split_once('?') {
            Some((l, q)) => (l, Some(q)),
            None => (rest, None),
        };
        let (authority, database) = location.split_once('/').unwrap_or((location, ""));
        // Several hosts (failover lists): the first one is used.
        let first = authority.split(',').next().unwrap_or_default();
        let first = first.rsplit_once('@').map_or(first, |(_, h)| h);
        let (host, port) = split_host_port(first, dialect.default_port())?;
        let mut params = BTreeMap::new();
        for pair in query.into_iter().flat_map(|q| q.split(['&', ';'])).filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            params.insert(decode(k), decode(v));
        }
        Ok(Self { dialect, host: if host.is_empty() { "localhost".into() } else { host }, port, database: decode(database), params })
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Result<(String, u16), String> {
    // [::1]:5432
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| format!("Unclosed '[' in host '{authority}'"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("Invalid port '{p}'"))?,
            None => default_port,
        };
        return Ok((host.to_owned(), port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => Ok((h.to_owned(), p.parse().map_err(|_| format!("Invalid port '{p}'"))?)),
        None => Ok((authority.to_owned(), default_port)),
    }
}

/// Percent-decoding of URL parts (`%40` → `@`).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => match std::str::from_utf8(hex).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                None => out.push(b'%'),
            },
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_as_users_write_them() {
        let u = JdbcUrl::parse("jdbc:mysql://localhost:3306/test").expect("mysql");
        assert_eq!((u.dialect, u.host.as_str(), u.port, u.database.as_str()), (DialectKind::MySql, "localhost", 3306, "test"));
        let u = JdbcUrl::parse("jdbc:mariadb://db/shop?user=root&password=p%40ss").expect("mariadb");
        assert_eq!((u.dialect, u.port), (DialectKind::MariaDb, 3306));
        assert_eq!(u.params.get("password").map(String::as_str), Some("p@ss"));
        let u = JdbcUrl::parse("jdbc:postgresql://[::1]/postgres?sslmode=disable").expect("pg");
        assert_eq!((u.dialect, u.host.as_str(), u.port), (DialectKind::Postgres, "::1", 5432));
        let u = JdbcUrl::parse("jdbc:mysql://h1:3307,h2:3308/db").expect("failover list");
        assert_eq!((u.host.as_str(), u.port), ("h1", 3307));
        assert!(JdbcUrl::parse("jdbc:oracle:thin:@x:1521/db").is_err());
        assert!(JdbcUrl::parse("mysql://x/db").is_err());
        assert!(JdbcUrl::parse("jdbc:mysql://x:port/db").is_err());
    }
}
