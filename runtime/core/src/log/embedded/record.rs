//! The on-disk framing of one record:
//!
//! ```text
//! u32 body length | u32 CRC-32 of the body | body
//! body: i64 offset | i64 timestamp (i64::MIN: none) | key | value | u16 header count | headers
//! key, value, header value: i32 length (-1: null) + bytes; header key: u16 length + UTF-8
//! ```
//!
//! The CRC makes a torn or corrupted tail detectable, so it is cut on open
//! instead of being served.

use crate::log::LogRecord;

pub const HEADER_LEN: usize = 8;
const NO_TIMESTAMP: i64 = i64::MIN;

fn put_bytes(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            out.extend_from_slice(&(b.len() as i32).to_be_bytes());
            out.extend_from_slice(b);
        }
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
    }
}

/// Appends the framed record to `out`.
pub fn encode(out: &mut Vec<u8>, offset: i64, r: &LogRecord) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_LEN]);
    out.extend_from_slice(&offset.to_be_bytes());
    out.extend_from_slice(&r.timestamp.unwrap_or(NO_TIMESTAMP).to_be_bytes());
    put_bytes(out, r.key.as_deref());
    put_bytes(out, r.value.as_deref());
    out.extend_from_slice(&(r.headers.len().min(u16::MAX as usize) as u16).to_be_bytes());
    for (k, v) in r.headers.iter().take(u16::MAX as usize) {
        let k = &k.as_bytes()[..k.len().min(u16::MAX as usize)];
        out.extend_from_slice(&(k.len() as u16).to_be_bytes());
        out.extend_from_slice(k);
        put_bytes(out, v.as_deref());
    }
    let body_len = (out.len() - start - HEADER_LEN) as u32;
    let crc = crc32fast::hash(&out[start + HEADER_LEN..]);
    out[start..start + 4].copy_from_slice(&body_len.to_be_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_be_bytes());
}

/// The body length announced by a frame header.
pub fn body_len(header: &[u8; HEADER_LEN]) -> usize {
    u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize
}

/// Whether `body` matches the CRC of its frame header.
pub fn crc_ok(header: &[u8; HEADER_LEN], body: &[u8]) -> bool {
    u32::from_be_bytes([header[4], header[5], header[6], header[7]]) == crc32fast::hash(body)
}

/// Decodes a verified body; `None` if it is malformed.
pub fn decode(topic: &str, partition: i32, body: &[u8]) -> Option<LogRecord> {
    let mut c = Cursor { b: body, at: 0 };
    let offset = i64::from_be_bytes(c.take(8)?.try_into().ok()?);
    let ts = i64::from_be_bytes(c.take(8)?.try_into().ok()?);
    let key = c.bytes()?;
    let value = c.bytes()?;
    let n = u16::from_be_bytes(c.take(2)?.try_into().ok()?);
    let mut headers = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let klen = u16::from_be_bytes(c.take(2)?.try_into().ok()?) as usize;
        let k = String::from_utf8(c.take(klen)?.to_vec()).ok()?;
        headers.push((k, c.bytes()?));
    }
    Some(LogRecord {
        topic: topic.to_owned(),
        partition,
        offset,
        key,
        value,
        timestamp: (ts != NO_TIMESTAMP).then_some(ts),
        headers,
    })
}

/// The offset of a verified body, without decoding the rest.
pub fn offset_of(body: &[u8]) -> Option<i64> {
    Some(i64::from_be_bytes(body.get(..8)?.try_into().ok()?))
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn bytes(&mut self) -> Option<Option<Vec<u8>>> {
        let len = i32::from_be_bytes(self.take(4)?.try_into().ok()?);
        if len < 0 {
            return Some(None);
        }
        Some(Some(self.take(len as usize)?.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_crc() {
        let r = LogRecord {
            topic: "t".into(),
            partition: 0,
            offset: 7,
            key: None,
            value: Some(b"hello".to_vec()),
            timestamp: Some(1_700_000_000_000),
            headers: vec![("h".into(), Some(b"v".to_vec())), ("n".into(), None)],
        };
        let mut buf = Vec::new();
        encode(&mut buf, 7, &r);
        let header: [u8; HEADER_LEN] = buf[..HEADER_LEN].try_into().expect("header");
        let body = &buf[HEADER_LEN..];
        assert_eq!(body_len(&header), body.len());
        assert!(crc_ok(&header, body));
        assert_eq!(decode("t", 0, body), Some(r));
        let mut torn = body.to_vec();
        torn[3] ^= 1;
        assert!(!crc_ok(&header, &torn));
    }
}
