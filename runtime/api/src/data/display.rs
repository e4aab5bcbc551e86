//! Values as text, the way Java's `toString` shows them, because users see
//! that text in files written by FileStreamSink and in StringConverter
//! output. Where Java's text is useless (`[B@1b6d3586` for bytes) Ferry
//! writes base64, and dates are ISO-8601 instead of the JVM's local format.

use std::fmt::Write;

use base64::Engine;

use super::Value;

impl Value {
    /// The value as Java's `String.valueOf(value)` would write it.
    pub fn to_java_string(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self);
        out
    }
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int8(n) => push(out, n),
        Value::Int16(n) => push(out, n),
        Value::Int32(n) => push(out, n),
        Value::Int64(n) => push(out, n),
        Value::Float32(f) => out.push_str(&java_float_string(*f)),
        Value::Float64(f) => out.push_str(&java_double_string(*f)),
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => out.push_str(&base64::engine::general_purpose::STANDARD.encode(b)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, val)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, k);
                out.push('=');
                write_value(out, val);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            // Connect's Struct.toString skips null fields.
            out.push_str("Struct{");
            let mut first = true;
            for (field, val) in s.schema().fields.iter().zip(s.values()) {
                if val.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&field.name);
                out.push('=');
                write_value(out, val);
            }
            out.push('}');
        }
        Value::Decimal(d) => push(out, d),
        Value::Date(d) => push(out, d),
        Value::Time(t) => push(out, t.format("%H:%M:%S%.3f")),
        Value::Timestamp(ts) => push(out, ts.format("%Y-%m-%dT%H:%M:%S%.3fZ")),
    }
}

fn push(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

/// Java's `Double.toString`: plain notation with at least one decimal for
/// 10^-3 ≤ |d| < 10^7, else `d.dddE±n`; shortest round-trip digits.
pub fn java_double_string(d: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_java_double(&mut out, d);
    String::from_utf8(out).unwrap_or_default()
}

/// Java's `Float.toString`, with the float's own shortest digits.
pub fn java_float_string(f: f32) -> String {
    let mut out = Vec::with_capacity(24);
    write_java_float(&mut out, f);
    String::from_utf8(out).unwrap_or_default()
}

/// [`java_double_string`], appended to `out` without allocating.
pub fn write_java_double(out: &mut Vec<u8>, d: f64) {
    let mut sci = std::io::Cursor::new([0u8; 40]);
    let _ = std::io::Write::write_fmt(&mut sci, format_args!("{:e}", d.abs()));
    let len = sci.position() as usize;
    java_fp(out, d.is_nan(), d.is_infinite(), d.is_sign_negative(), d == 0.0, d.abs(), &sci.get_ref()[..len]);
}

/// [`java_float_string`], appended to `out` without allocating.
pub fn write_java_float(out: &mut Vec<u8>, f: f32) {
    let mut sci = std::io::Cursor::new([0u8; 40]);
    let _ = std::io::Write::write_fmt(&mut sci, format_args!("{:e}", f.abs()));
    let len = sci.position() as usize;
    java_fp(out, f.is_nan(), f.is_infinite(), f.is_sign_negative(), f == 0.0, f64::from(f.abs()), &sci.get_ref()[..len]);
}

fn java_fp(out: &mut Vec<u8>, nan: bool, inf: bool, neg: bool, zero: bool, abs: f64, sci: &[u8]) {
    if nan {
        out.extend_from_slice(b"NaN");
        return;
    }
    if neg {
        out.push(b'-');
    }
    if inf {
        out.extend_from_slice(b"Infinity");
        return;
    }
    if zero {
        out.extend_from_slice(b"0.0");
        return;
    }
    // `sci` is Rust's shortest form, e.g. "1.2345e3" or "1e-7".
    let e = sci.iter().position(|&b| b == b'e').unwrap_or(sci.len());
    let exp: i32 = std::str::from_utf8(sci.get(e + 1..).unwrap_or_default()).ok().and_then(|x| x.parse().ok()).unwrap_or(0);
    let mut digits = [0u8; 40];
    let mut n = 0;
    for &b in sci[..e].iter().filter(|b| b.is_ascii_digit()) {
        digits[n] = b;
        n += 1;
    }
    let digits = &digits[..n];
    let zeros = |out: &mut Vec<u8>, k: usize| out.extend(std::iter::repeat_n(b'0', k));
    if (1e-3..1e7).contains(&abs) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            out.extend_from_slice(b"0.");
            zeros(out, point.unsigned_abs() as usize);
            out.extend_from_slice(digits);
        } else if point as usize >= digits.len() {
            out.extend_from_slice(digits);
            zeros(out, point as usize - digits.len());
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&digits[..point as usize]);
            out.push(b'.');
            out.extend_from_slice(&digits[point as usize..]);
        }
    } else {
        out.extend_from_slice(&digits[..1]);
        out.push(b'.');
        out.extend_from_slice(if digits.len() > 1 { &digits[1..] } else { b"0" });
        out.push(b'E');
        out.extend_from_slice(exp.to_string().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_like_java() {
        for (d, s) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e20, "1.0E20"),
            (1e-7, "1.0E-7"),
            (123456789.123, "1.23456789123E8"),
            (1e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (100.5, "100.5"),
        ] {
            assert_eq!(java_double_string(d), s, "{d}");
        }
        assert_eq!(java_float_string(0.1), "0.1");
        assert_eq!(java_float_string(1e20), "1.0E20");
        assert_eq!(java_float_string(3.4028235e38), "3.4028235E38");
    }
}
