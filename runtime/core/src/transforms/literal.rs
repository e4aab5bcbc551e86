//! Typing a text literal as Connect's `Values.parseString` does (what
//! `InsertHeader`'s `value.literal` goes through): `true`/`false`, `null`,
//! the smallest integer type that holds a number, float32 for fractions
//! (float64 or Decimal when float32 overflows), ISO dates, times and
//! timestamps (parsed leniently, as `SimpleDateFormat` does), arrays and maps
//! of those, and otherwise the trimmed text.
//!
//! Its tokenizer is Connect's: `: , { } [ ] "` are delimiters unless
//! escaped with `\`. A number or date only counts as the first token, so
//! `10:15:30.250` (no trailing `Z`) is the int8 10, as in Connect.

use std::str::FromStr;
use std::sync::Arc;

use bigdecimal::num_bigint::Sign;
use bigdecimal::{BigDecimal, ToPrimitive};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use ferry_api::data::{logical, SchemaBuilder};
use ferry_api::{Schema, SchemaAndValue, SchemaType, Value};

/// The literal's schema and value (no schema and null for `null`). Where
/// Connect's answer has no schema a reader could use (an empty or mixed
/// array or map: `"items":null`) the literal stays text.
pub fn parse_string(text: &str) -> SchemaAndValue {
    let tokens = tokenize(text);
    let mut p = Parser { text, tokens: &tokens, at: 0 };
    match p.typed(false) {
        Ok(Some(v)) => v,
        Ok(None) => text_value(""),
        Err(NotAValue) => text_value(text.trim()),
    }
}

/// A token: its text and where it starts in the literal.
#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    text: &'a str,
    start: usize,
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            '\\' => escaped = !escaped,
            ':' | ',' | '{' | '}' | '[' | ']' | '"' if !escaped => {
                if start < i {
                    tokens.push(Token { text: &text[start..i], start });
                }
                tokens.push(Token { text: &text[i..i + 1], start: i });
                start = i + 1;
            }
            _ => escaped = false,
        }
    }
    if start < text.len() {
        tokens.push(Token { text: &text[start..], start });
    }
    tokens
}

/// The tokens at hand are no typed value (or one without a usable schema):
/// at the top level the literal is then text.
struct NotAValue;

struct Parser<'a> {
    text: &'a str,
    tokens: &'a [Token<'a>],
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.at).map(|t| t.text)
    }

    /// Consumes the next token if, trimmed, it is `expected`; blank tokens
    /// before it are skipped, as Connect's parser skips them.
    fn consume(&mut self, expected: &str) -> bool {
        while self.peek().is_some_and(|t| t.trim().is_empty()) && self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        let hit = self.peek().is_some_and(|t| t.trim() == expected);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn typed(&mut self, embedded: bool) -> Result<Option<SchemaAndValue>, NotAValue> {
        if self.peek().is_none() {
            return Ok(None);
        }
        if embedded && self.consume("\"") {
            return self.quoted().map(Some);
        }
        if self.consume("true") {
            return Ok(Some(SchemaAndValue::new(Schema::boolean(), Value::Boolean(true))));
        }
        if self.consume("false") {
            return Ok(Some(SchemaAndValue::new(Schema::boolean(), Value::Boolean(false))));
        }
        if self.consume("null") {
            return Ok(Some(SchemaAndValue::NULL));
        }
        let start = self.at;
        if self.consume("[") {
            match self.array() {
                Ok(v) => return Ok(Some(v)),
                Err(NotAValue) => self.at = start,
            }
        } else if self.consume("{") {
            match self.map() {
                Ok(v) => return Ok(Some(v)),
                Err(NotAValue) => self.at = start,
            }
        }
        let token = self.tokens[self.at];
        self.at += 1;
        if token.text.trim().is_empty() {
            return if embedded { Err(NotAValue) } else { Ok(Some(text_value(""))) };
        }
        let trimmed = token.text.trim();
        if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
            // A time or timestamp spans five tokens, its colons being delimiters.
            if let Some(end) = self.tokens.get(self.at + 3) {
                let rest = &self.text[token.start + token.text.len()..end.start + end.text.len()];
                if let Some(t) = temporal(&format!("{trimmed}{rest}")) {
                    self.at += 4;
                    return Ok(Some(t));
                }
            }
            if let Some(t) = temporal(trimmed) {
                return Ok(Some(t));
            }
        }
        if trimmed.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-') {
            if let Some(n) = number(trimmed) {
                return Ok(Some(n));
            }
        }
        if embedded {
            return Err(NotAValue);
        }
        Ok(Some(text_value(self.text.trim())))
    }

    /// The text up to the closing quote (the opening one is consumed).
    fn quoted(&mut self) -> Result<SchemaAndValue, NotAValue> {
        let mut out = String::new();
        while let Some(t) = self.peek() {
            self.at += 1;
            if t == "\"" {
                return Ok(text_value(&out));
            }
            out.push_str(t);
        }
        Err(NotAValue)
    }

    fn array(&mut self) -> Result<SchemaAndValue, NotAValue> {
        let mut items = Vec::new();
        let mut common: Option<Common> = None;
        loop {
            if self.peek().is_none() {
                return Err(NotAValue);
            }
            if self.consume("]") {
                let schema = common.and_then(Common::schema).ok_or(NotAValue)?;
                let items = items.into_iter().map(|v| align(&schema, v)).collect();
                return Ok(SchemaAndValue::new(SchemaBuilder::array(schema).build(), Value::Array(items)));
            }
            if self.consume(",") {
                return Err(NotAValue);
            }
            let item = self.typed(true)?.ok_or(NotAValue)?;
            common = Some(Common::merge(common, &item));
            items.push(item.value);
            if !self.consume(",") && self.peek().is_some_and(|t| t.trim() != "]") {
                return Err(NotAValue);
            }
        }
    }

    fn map(&mut self) -> Result<SchemaAndValue, NotAValue> {
        let mut entries = Vec::new();
        let (mut keys, mut values): (Option<Common>, Option<Common>) = (None, None);
        loop {
            if self.peek().is_none() {
                return Err(NotAValue);
            }
            if self.consume("}") {
                let key_schema = keys.and_then(Common::schema);
                let value_schema = values.and_then(Common::schema);
                let (Some(k), Some(v)) = (key_schema, value_schema) else { return Err(NotAValue) };
                let entries = entries.into_iter().map(|(a, b)| (align(&k, a), align(&v, b))).collect();
                return Ok(SchemaAndValue::new(SchemaBuilder::map(k, v).build(), Value::Map(entries)));
            }
            if self.consume(",") {
                return Err(NotAValue);
            }
            let key = self.typed(true)?.filter(|k| !k.value.is_null()).ok_or(NotAValue)?;
            if !self.consume(":") {
                return Err(NotAValue);
            }
            let value = self.typed(true)?.unwrap_or(SchemaAndValue::NULL);
            keys = Some(Common::merge(keys, &key));
            values = Some(Common::merge(values, &value));
            entries.push((key.value, value.value));
            self.consume(",");
        }
    }
}

fn text_value(s: &str) -> SchemaAndValue {
    SchemaAndValue::new(Schema::string(), Value::String(s.to_owned()))
}

/// The schema the items of an array (or the keys or values of a map) share,
/// widening numbers as Connect's `commonSchemaFor` does.
#[derive(Clone)]
enum Common {
    Known(Arc<Schema>),
    /// Items that share no schema.
    Mixed,
}

impl Common {
    fn merge(previous: Option<Common>, latest: &SchemaAndValue) -> Common {
        let Some(new) = latest.schema.clone() else { return previous.unwrap_or(Common::Mixed) };
        let prev = match previous {
            None => return Common::Known(new),
            Some(Common::Mixed) => return Common::Mixed,
            Some(Common::Known(p)) => p,
        };
        if prev.kind == new.kind {
            return if prev.optional == new.optional { Common::Known(prev) } else { Common::Mixed };
        }
        match (rank(prev.kind), rank(new.kind)) {
            (Some(a), Some(b)) if a >= b => Common::Known(prev),
            (Some(_), Some(_)) => Common::Known(new),
            _ => Common::Mixed,
        }
    }

    fn schema(self) -> Option<Arc<Schema>> {
        match self {
            Common::Known(s) => Some(s),
            Common::Mixed => None,
        }
    }
}

/// The order numbers widen in.
fn rank(kind: SchemaType) -> Option<u8> {
    Some(match kind {
        SchemaType::Int8 => 0,
        SchemaType::Int16 => 1,
        SchemaType::Int32 => 2,
        SchemaType::Int64 => 3,
        SchemaType::Float32 => 4,
        SchemaType::Float64 => 5,
        _ => return None,
    })
}

/// A number converted to the shared schema's type.
fn align(schema: &Schema, v: Value) -> Value {
    let as_f64 = |v: &Value| match v {
        Value::Int8(i) => Some(f64::from(*i)),
        Value::Int16(i) => Some(f64::from(*i)),
        Value::Int32(i) => Some(f64::from(*i)),
        Value::Int64(i) => Some(*i as f64),
        Value::Float32(f) => Some(f64::from(*f)),
        Value::Float64(f) => Some(*f),
        _ => None,
    };
    match (schema.kind, as_f64(&v), v.as_i64()) {
        (SchemaType::Int16, _, Some(i)) => Value::Int16(i as i16),
        (SchemaType::Int32, _, Some(i)) => Value::Int32(i as i32),
        (SchemaType::Int64, _, Some(i)) => Value::Int64(i),
        (SchemaType::Float32, Some(f), _) => Value::Float32(f as f32),
        (SchemaType::Float64, Some(f), _) => Value::Float64(f),
        _ => v,
    }
}

/// A number as Java's `BigDecimal` reads it, in the narrowest type that
/// holds it exactly; fractions are float32, else float64, else Decimal.
fn number(token: &str) -> Option<SchemaAndValue> {
    let digits = token.strip_prefix('+').unwrap_or(token);
    // BigDecimal takes digits, one point and an exponent; nothing like 0x1F or inf.
    let valid = digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')) && digits.chars().any(|c| c.is_ascii_digit());
    if !valid {
        return None;
    }
    let d = BigDecimal::from_str(digits).ok()?;
    let (_, scale) = d.as_bigint_and_exponent();
    if let Some(i) = exact_integer(&d) {
        return Some(match i {
            i if i8::try_from(i).is_ok() => SchemaAndValue::new(Schema::int8(), Value::Int8(i as i8)),
            i if i16::try_from(i).is_ok() => SchemaAndValue::new(Schema::int16(), Value::Int16(i as i16)),
            i if i32::try_from(i).is_ok() => SchemaAndValue::new(Schema::int32(), Value::Int32(i as i32)),
            i => SchemaAndValue::new(Schema::int64(), Value::Int64(i)),
        });
    }
    if scale != 0 {
        let f = d.to_f32().filter(|f| f.is_finite());
        if let Some(f) = f {
            return Some(SchemaAndValue::new(Schema::float32(), Value::Float32(f)));
        }
        if let Some(f) = d.to_f64().filter(|f| f.is_finite()) {
            return Some(SchemaAndValue::new(Schema::float64(), Value::Float64(f)));
        }
    }
    Some(SchemaAndValue::new(logical::decimal(scale as i32), Value::Decimal(d)))
}

/// The value as an i64 when it has no fraction (as `longValueExact`).
fn exact_integer(d: &BigDecimal) -> Option<i64> {
    let (digits, scale) = d.as_bigint_and_exponent();
    if digits.sign() == Sign::NoSign {
        return Some(0);
    }
    // |d| >= 10^19 is beyond i64, however the digits read.
    if scale < -19 || !d.is_integer() {
        return None;
    }
    d.to_i64()
}

/// ISO 8601 dates (`yyyy-MM-dd`), times (`HH:mm:ss.SSS'Z'`) and timestamps
/// (`yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`), told apart by their length as Connect
/// does, with `SimpleDateFormat`'s leniency (month 13 is next January).
fn temporal(token: &str) -> Option<SchemaAndValue> {
    let token = token.replace("\\:", ":");
    let mut s = Fields { rest: &token };
    match token.len() {
        13 => {
            let (h, m, sec, ms) = (s.num(":")?, s.num(":")?, s.num(".")?, s.num("Z")?);
            let millis = ((h * 60 + m) * 60 + sec) * 1000 + ms;
            let time = NaiveTime::MIN.overflowing_add_signed(Duration::milliseconds(millis)).0;
            (0..86_400_000).contains(&millis).then(|| SchemaAndValue::new(logical::time_builder().build(), Value::Time(time)))
        }
        24 => {
            let date = lenient_date(s.num("-")?, s.num("-")?, s.num("T")?)?;
            let (h, m, sec, ms) = (s.num(":")?, s.num(":")?, s.num(".")?, s.num("Z")?);
            let at = date.and_time(NaiveTime::MIN) + Duration::milliseconds(((h * 60 + m) * 60 + sec) * 1000 + ms);
            Some(SchemaAndValue::new(logical::timestamp_builder().build(), Value::Timestamp(DateTime::<Utc>::from_naive_utc_and_offset(at, Utc))))
        }
        10 => {
            let date = lenient_date(s.num("-")?, s.num("-")?, s.num_last()?)?;
            Some(SchemaAndValue::new(logical::date_builder().build(), Value::Date(date)))
        }
        _ => None,
    }
}

/// January 1st of `year`, plus `month - 1` months and `day - 1` days.
fn lenient_date(year: i64, month: i64, day: i64) -> Option<NaiveDate> {
    let months = year.checked_mul(12)?.checked_add(month - 1)?;
    let first = NaiveDate::from_ymd_opt(i32::try_from(months.div_euclid(12)).ok()?, u32::try_from(months.rem_euclid(12) + 1).ok()?, 1)?;
    first.checked_add_signed(Duration::days(day - 1))
}

/// Numeric fields read greedily, each followed by a literal separator.
struct Fields<'a> {
    rest: &'a str,
}

impl Fields<'_> {
    fn digits(&mut self) -> Option<i64> {
        let n = self.rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(self.rest.len());
        let v = self.rest[..n].parse().ok()?;
        self.rest = &self.rest[n..];
        Some(v)
    }

    fn num(&mut self, separator: &str) -> Option<i64> {
        let v = self.digits()?;
        self.rest = self.rest.strip_prefix(separator)?;
        Some(v)
    }

    /// The last field: what follows it is ignored, as `SimpleDateFormat.parse` ignores it.
    fn num_last(&mut self) -> Option<i64> {
        self.digits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> (Option<SchemaType>, Value) {
        let v = parse_string(text);
        (v.schema.map(|s| s.kind), v.value)
    }

    /// The transform vectors check these against Connect; here, the shapes.
    #[test]
    fn literals_are_typed_like_connect() {
        assert_eq!(kind("42"), (Some(SchemaType::Int8), Value::Int8(42)));
        assert_eq!(kind("40000"), (Some(SchemaType::Int32), Value::Int32(40000)));
        assert_eq!(kind("-2.5e3"), (Some(SchemaType::Int16), Value::Int16(-2500)));
        assert_eq!(kind("0.5"), (Some(SchemaType::Float32), Value::Float32(0.5)));
        assert_eq!(kind("  hello  "), (Some(SchemaType::String), Value::String("hello".into())));
        assert_eq!(kind("null"), (None, Value::Null));
        assert_eq!(kind("10:15:30.250"), (Some(SchemaType::Int8), Value::Int8(10)));
        assert_eq!(kind("[1, 300]"), (Some(SchemaType::Array), Value::Array(vec![Value::Int16(1), Value::Int16(300)])));
        assert_eq!(kind("[1, \"x\"]"), (Some(SchemaType::String), Value::String("[1, \"x\"]".into())));
        assert_eq!(kind("2024-13-45").1, Value::Date(NaiveDate::from_ymd_opt(2025, 2, 14).expect("date")));
    }
}
