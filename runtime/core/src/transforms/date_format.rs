//! Java `SimpleDateFormat` patterns (what TimestampConverter's `format` and
//! TimestampRouter's `timestamp.format` take) as chrono format strings, for
//! dates in UTC: letters by count (`d` unpadded, `dd` padded, `MMM` a short
//! month name, `EEEE` a full day name), `'quoted'` literal text and `''`
//! for a quote.

use ferry_api::{ConnectError, Result};

/// The chrono equivalent of a Java date pattern, or Java's error for a
/// letter it does not know.
pub fn chrono_format(java: &str) -> Result<String> {
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // '' is a quote; 'text' is literal text, in which '' is a quote too.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        out.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                literal(&mut out, chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(ConnectError::config(format!("Unterminated quote in date pattern {java}")));
            }
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        if !c.is_ascii_alphabetic() {
            (0..run).for_each(|_| literal(&mut out, c));
            i += run;
            continue;
        }
        let padded = |short: &str, long: &str| if run >= 2 { long.to_owned() } else { short.to_owned() };
        let piece = match c {
            'y' | 'Y' => if run == 2 { "%y".to_owned() } else { "%Y".to_owned() },
            'M' | 'L' => match run {
                1 => "%-m".to_owned(),
                2 => "%m".to_owned(),
                3 => "%b".to_owned(),
                _ => "%B".to_owned(),
            },
            'd' => padded("%-d", "%d"),
            'D' => if run >= 3 { "%j".to_owned() } else { "%-j".to_owned() },
            'E' => if run >= 4 { "%A".to_owned() } else { "%a".to_owned() },
            'u' => "%u".to_owned(),
            'w' => padded("%-W", "%W"),
            'a' => "%p".to_owned(),
            'H' => padded("%-H", "%H"),
            'k' => padded("%-k", "%k"),
            'h' => padded("%-I", "%I"),
            'K' => padded("%-l", "%l"),
            'm' => padded("%-M", "%M"),
            's' => padded("%-S", "%S"),
            // Milliseconds: Connect's timestamps have no finer precision.
            'S' => "%3f".to_owned(),
            'z' => "UTC".to_owned(),
            'Z' => "%z".to_owned(),
            // ISO zone: UTC is written as Z.
            'X' => "Z".to_owned(),
            'G' => "AD".to_owned(),
            _ => return Err(ConnectError::config(format!("Illegal pattern character '{c}' in date pattern {java}"))),
        };
        out.push_str(&piece);
        i += run;
    }
    Ok(out)
}

fn literal(out: &mut String, c: char) {
    if c == '%' {
        out.push_str("%%");
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(1_700_000_000_123).expect("instant")
    }

    #[test]
    fn patterns_format_as_java_does() {
        let f = |p: &str| at().format(&chrono_format(p).expect("pattern")).to_string();
        assert_eq!(f("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"), "2023-11-14T22:13:20.123Z");
        assert_eq!(f("EEE, d MMM yyyy HH:mm:ss"), "Tue, 14 Nov 2023 22:13:20");
        assert_eq!(f("EEEE MMMM d, yy h:mm a"), "Tuesday November 14, 23 10:13 PM");
        assert_eq!(f("yyyyMMdd"), "20231114");
        assert_eq!(f("'it''s' 100% D"), "it's 100% 318");
        assert!(chrono_format("yyyy-MM-dd q").is_err());
        assert!(chrono_format("'open").is_err());
    }

    #[test]
    fn patterns_parse_as_java_does() {
        let p = chrono_format("yyyy-MM-dd'T'HH:mm:ss.SSS").expect("pattern");
        let parsed = chrono::NaiveDateTime::parse_from_str("2023-11-14T22:13:20.123", &p).expect("parses");
        assert_eq!(parsed.and_utc(), at());
    }
}
