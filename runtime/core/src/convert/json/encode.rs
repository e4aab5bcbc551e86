//! Writing JSON the way Jackson writes it for Connect: field order,
//! `Double.toString` numbers, uppercase `\uXXXX` escapes, base64 bytes.

use std::io::Write;

use base64::Engine;
use ferry_api::data::{java_double_string, java_float_string, logical, write_java_double, write_java_float};
use ferry_api::{ConnectError, Result, Schema, SchemaType, Value};

use super::config::{DecimalFormat, JsonConverterConfig};

/// Bytes `write_str` looks at: those Jackson escapes, and the first byte
/// of a 4-byte UTF-8 sequence (written as an escaped surrogate pair).
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize || (b >= 0xf0 && b <= 0xf7);
        b += 1;
    }
    t
};

/// Writes a string literal with Jackson's escaping.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !SPECIAL[b as usize] {
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]),
            _ => {
                // A 4-byte UTF-8 sequence: Jackson writes its UTF-16 surrogate pair escaped.
                let c = s[i..].chars().next().unwrap_or_default();
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.extend_from_slice(b"\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(HEX[((*u >> shift) & 0xf) as usize]);
                    }
                }
                i += c.len_utf8();
                start = i;
                continue;
            }
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Java's `BigDecimal.toString`: plain when the exponent allows, else
/// scientific (`1.2E+3`), always showing the scale's digits (`0.00`).
pub fn java_decimal_string(d: &bigdecimal::BigDecimal) -> String {
    let (unscaled, scale) = d.as_bigint_and_exponent();
    let digits = unscaled.magnitude().to_string();
    let sign = if unscaled.sign() == num_bigint::Sign::Minus { "-" } else { "" };
    let len = digits.len() as i64;
    let adjusted = len - 1 - scale;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    if scale > 0 && adjusted >= -6 {
        let body = if len > scale {
            let point = (len - scale) as usize;
            format!("{}.{}", &digits[..point], &digits[point..])
        } else {
            format!("0.{}{digits}", "0".repeat((scale - len) as usize))
        };
        return format!("{sign}{body}");
    }
    let mantissa = if len > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits.clone() };
    let exp_sign = if adjusted >= 0 { "+" } else { "" };
    format!("{sign}{mantissa}E{exp_sign}{adjusted}")
}

fn write_display(out: &mut Vec<u8>, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

fn write_int(out: &mut Vec<u8>, v: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// `asJsonSchema`: type, then fields/items/keys+values, optional, name,
/// version, doc, parameters, default; a struct field adds `field` last.
pub fn write_schema(out: &mut Vec<u8>, schema: &Schema, config: &JsonConverterConfig) -> Result<()> {
    write_schema_inner(out, schema, None, config)
}

fn write_schema_inner(out: &mut Vec<u8>, schema: &Schema, field: Option<&str>, config: &JsonConverterConfig) -> Result<()> {
    out.extend_from_slice(b"{\"type\":");
    write_str(out, schema.kind.name());
    let missing = |what: &str| ConnectError::data(format!("{} schema has no {what} schema", schema.kind));
    match schema.kind {
        SchemaType::Array => {
            out.extend_from_slice(b",\"items\":");
            write_schema_inner(out, schema.value_schema.as_deref().ok_or_else(|| missing("element"))?, None, config)?;
        }
        SchemaType::Map => {
            out.extend_from_slice(b",\"keys\":");
            write_schema_inner(out, schema.key_schema.as_deref().ok_or_else(|| missing("key"))?, None, config)?;
            out.extend_from_slice(b",\"values\":");
            write_schema_inner(out, schema.value_schema.as_deref().ok_or_else(|| missing("value"))?, None, config)?;
        }
        SchemaType::Struct => {
            out.extend_from_slice(b",\"fields\":[");
            for (i, f) in schema.fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_schema_inner(out, &f.schema, Some(&f.name), config)?;
            }
            out.push(b']');
        }
        _ => {}
    }
    out.extend_from_slice(if schema.optional { b",\"optional\":true" } else { b",\"optional\":false" });
    if let Some(n) = &schema.name {
        out.extend_from_slice(b",\"name\":");
        write_str(out, n);
    }
    if let Some(v) = schema.version {
        out.extend_from_slice(b",\"version\":");
        write_display(out, v);
    }
    if let Some(d) = &schema.doc {
        out.extend_from_slice(b",\"doc\":");
        write_str(out, d);
    }
    if !schema.parameters.is_empty() {
        out.extend_from_slice(b",\"parameters\":{");
        for (i, (k, v)) in schema.parameters.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, k);
            out.push(b':');
            write_str(out, v);
        }
        out.push(b'}');
    }
    if let Some(d) = &schema.default {
        out.extend_from_slice(b",\"default\":");
        write_value(out, Some(schema), d, config)?;
    }
    if let Some(f) = field {
        out.extend_from_slice(b",\"field\":");
        write_str(out, f);
    }
    out.push(b'}');
    Ok(())
}

/// `convertToJson`: a value under its schema (or schemaless).
pub fn write_value(out: &mut Vec<u8>, schema: Option<&Schema>, value: &Value, config: &JsonConverterConfig) -> Result<()> {
    if value.is_null() {
        let Some(s) = schema else {
            out.extend_from_slice(b"null");
            return Ok(());
        };
        if let (Some(d), true) = (&s.default, config.replace_null_with_default) {
            return write_value(out, Some(s), d, config);
        }
        if s.optional {
            out.extend_from_slice(b"null");
            return Ok(());
        }
        return Err(ConnectError::data("Conversion error: null value for field that is required and has no default value"));
    }
    let mismatch = |s: &Schema| {
        ConnectError::data(format!("Invalid type for {}: {}", s.kind.name().to_uppercase(), value.type_name()))
    };
    match value {
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int8(n) => write_int(out, *n),
        Value::Int16(n) => write_int(out, *n),
        Value::Int32(n) => write_int(out, *n),
        Value::Int64(n) => write_int(out, *n),
        Value::Float32(f) if f.is_finite() => write_java_float(out, *f),
        Value::Float64(f) if f.is_finite() => write_java_double(out, *f),
        // Jackson writes NaN and infinities as strings.
        Value::Float32(f) => write_str(out, &java_float_string(*f)),
        Value::Float64(f) => write_str(out, &java_double_string(*f)),
        Value::String(s) => write_str(out, s),
        Value::Bytes(b) => write_str(out, &base64::engine::general_purpose::STANDARD.encode(b)),
        Value::Decimal(d) => {
            let scale = match schema {
                Some(s) => logical::decimal_scale(s)?,
                None => d.fractional_digit_count(),
            };
            match config.decimal_format {
                DecimalFormat::Base64 => {
                    write_str(out, &base64::engine::general_purpose::STANDARD.encode(logical::decimal_to_bytes(d, scale)))
                }
                DecimalFormat::Numeric => out.extend_from_slice(java_decimal_string(&d.with_scale(scale)).as_bytes()),
            }
        }
        Value::Date(d) => write_int(out, logical::date_to_days(*d)),
        Value::Time(t) => write_int(out, logical::time_to_millis(*t)),
        Value::Timestamp(t) => write_int(out, logical::timestamp_to_millis(*t)),
        Value::Array(items) => {
            let elem = match schema {
                Some(s) if s.kind != SchemaType::Array => return Err(mismatch(s)),
                Some(s) => s.value_schema.as_deref(),
                None => None,
            };
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, elem, item, config)?;
            }
            out.push(b']');
        }
        Value::Map(entries) => {
            let (ks, vs) = match schema {
                Some(s) if s.kind != SchemaType::Map => return Err(mismatch(s)),
                Some(s) => (s.key_schema.as_deref(), s.value_schema.as_deref()),
                None => (None, None),
            };
            // String keys make a JSON object; any other key type, [[k,v],…].
            let object_mode = match ks {
                Some(k) => k.kind == SchemaType::String,
                None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
            };
            if object_mode {
                out.push(b'{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, k.as_str().unwrap_or_default());
                    out.push(b':');
                    write_value(out, vs, v, config)?;
                }
                out.push(b'}');
            } else {
                out.push(b'[');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.push(b'[');
                    write_value(out, ks, k, config)?;
                    out.push(b',');
                    write_value(out, vs, v, config)?;
                    out.push(b']');
                }
                out.push(b']');
            }
        }
        Value::Struct(st) => {
            if let Some(s) = schema {
                if !std::ptr::eq(st.schema().as_ref(), s) && st.schema().as_ref() != s {
                    return Err(ConnectError::data("Mismatching schema."));
                }
            }
            out.push(b'{');
            for (i, (f, v)) in st.schema().fields.iter().zip(st.values()).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, &f.name);
                out.push(b':');
                write_value(out, Some(&f.schema), v, config)?;
            }
            out.push(b'}');
        }
        Value::Null => out.extend_from_slice(b"null"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_print_like_java() {
        use std::str::FromStr;
        for (v, s) in [("0.00", "0.00"), ("10.25", "10.25"), ("-0.01", "-0.01"), ("12345", "12345"), ("0.0000001", "1E-7"), ("1.2345678901", "1.2345678901")] {
            let d = bigdecimal::BigDecimal::from_str(v).unwrap_or_default();
            assert_eq!(java_decimal_string(&d), s, "{v}");
        }
    }

    #[test]
    fn strings_are_escaped_like_jackson() {
        let mut out = Vec::new();
        write_str(&mut out, "q\" b\\ s/ \t\n\r\u{1}\u{1f}\u{7f} é ✓ \u{2028}");
        assert_eq!(String::from_utf8_lossy(&out), "\"q\\\" b\\\\ s/ \\t\\n\\r\\u0001\\u001F\u{7f} é ✓ \u{2028}\"");
    }
}
