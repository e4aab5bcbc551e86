//! One partition of the embedded log: a directory of segment files named
//! by their first offset. Appends go to the last segment; a full segment
//! is fsynced and a new one started; old segments are deleted by retention.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::record::{self, HEADER_LEN};
use crate::log::LogRecord;

#[derive(Debug, Clone)]
pub struct Segment {
    pub base: i64,
    pub path: PathBuf,
    /// Bytes of whole records in the file.
    pub size: u64,
}

pub struct Partition {
    pub topic: String,
    pub id: i32,
    dir: PathBuf,
    pub segments: Vec<Segment>,
    active: File,
    pub next_offset: i64,
    /// Written since the last fsync.
    pub dirty: bool,
    buf: Vec<u8>,
}

fn segment_path(dir: &Path, base: i64) -> PathBuf {
    dir.join(format!("{base:020}.log"))
}

impl Partition {
    /// Opens (or creates) the partition, cutting a torn tail off the last segment.
    pub fn open(dir: PathBuf, topic: &str, id: i32) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let mut segments: Vec<Segment> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let base = name.strip_suffix(".log")?.parse().ok()?;
                Some(Segment { base, path: e.path(), size: e.metadata().ok()?.len() })
            })
            .collect();
        segments.sort_by_key(|s| s.base);
        if segments.is_empty() {
            let path = segment_path(&dir, 0);
            File::create(&path)?;
            segments.push(Segment { base: 0, path, size: 0 });
        }
        let last = segments.last_mut().ok_or_else(|| std::io::Error::other("no segment"))?;
        let (valid, next_offset) = recover(&last.path, last.base)?;
        if valid < last.size {
            tracing::warn!(segment = %last.path.display(), bytes = last.size - valid,
                "cutting a torn or corrupted tail off the embedded log");
            let f = OpenOptions::new().write(true).open(&last.path)?;
            f.set_len(valid)?;
            f.sync_all()?;
            last.size = valid;
        }
        let active = OpenOptions::new().append(true).open(&last.path)?;
        Ok(Self { topic: topic.to_owned(), id, dir, segments, active, next_offset, dirty: false, buf: Vec::new() })
    }

    /// Appends records with consecutive offsets, one write per segment
    /// touched. Returns the offset after the last.
    pub fn append(&mut self, records: &[LogRecord], segment_bytes: u64) -> std::io::Result<i64> {
        self.buf.clear();
        let mut active_size = self.segments.last().map_or(0, |s| s.size);
        for r in records {
            let before = self.buf.len();
            record::encode(&mut self.buf, self.next_offset, r);
            self.next_offset += 1;
            active_size += (self.buf.len() - before) as u64;
            if active_size >= segment_bytes {
                self.write_buf()?;
                self.roll()?;
                active_size = 0;
            }
        }
        self.write_buf()?;
        Ok(self.next_offset)
    }

    fn write_buf(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.active.write_all(&self.buf)?;
        self.dirty = true;
        if let Some(last) = self.segments.last_mut() {
            last.size += self.buf.len() as u64;
        }
        self.buf.clear();
        Ok(())
    }

    /// Seals the active segment (fsync) and starts the next one.
    fn roll(&mut self) -> std::io::Result<()> {
        self.active.sync_all()?;
        let path = segment_path(&self.dir, self.next_offset);
        self.active = OpenOptions::new().create(true).append(true).open(&path)?;
        File::open(&self.dir)?.sync_all()?;
        self.segments.push(Segment { base: self.next_offset, path, size: 0 });
        self.dirty = false;
        Ok(())
    }

    pub fn sync(&mut self) -> std::io::Result<()> {
        if self.dirty {
            self.active.sync_data()?;
            self.dirty = false;
        }
        Ok(())
    }

    pub fn start_offset(&self) -> i64 {
        self.segments.first().map_or(self.next_offset, |s| s.base)
    }

    /// Deletes the oldest sealed segments while `delete(segment, next_base)` says so.
    pub fn delete_old(&mut self, mut delete: impl FnMut(&Segment, i64, u64) -> bool) -> std::io::Result<usize> {
        let mut removed = 0;
        while self.segments.len() > 1 {
            let total: u64 = self.segments.iter().map(|s| s.size).sum();
            let next_base = self.segments[1].base;
            if !delete(&self.segments[0], next_base, total) {
                break;
            }
            let seg = self.segments.remove(0);
            std::fs::remove_file(&seg.path)?;
            removed += 1;
        }
        Ok(removed)
    }
}

/// Scans a segment; the length of its valid prefix and the next offset.
fn recover(path: &Path, base: i64) -> std::io::Result<(u64, i64)> {
    let mut r = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut valid = 0u64;
    let mut next = base;
    let mut header = [0u8; HEADER_LEN];
    let mut body = Vec::new();
    loop {
        if read_full(&mut r, &mut header)? < HEADER_LEN {
            break;
        }
        let len = record::body_len(&header);
        body.resize(len, 0);
        if read_full(&mut r, &mut body)? < len || !record::crc_ok(&header, &body) {
            break;
        }
        match record::offset_of(&body) {
            Some(o) => next = o + 1,
            None => break,
        }
        valid += (HEADER_LEN + len) as u64;
    }
    Ok((valid, next))
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Reads one partition sequentially for a consumer.
pub struct Reader {
    pub next_offset: i64,
    segment_base: i64,
    file: Option<BufReader<File>>,
    header: [u8; HEADER_LEN],
    body: Vec<u8>,
}

impl Reader {
    pub fn new(next_offset: i64) -> Self {
        Self { next_offset, segment_base: -1, file: None, header: [0; HEADER_LEN], body: Vec::new() }
    }

    /// Reads up to `max` records below `end` (the partition's next offset
    /// when the caller looked), using the segment list it saw then.
    pub fn read(&mut self, p: &PartitionView, end: i64, max: usize, out: &mut Vec<LogRecord>) -> std::io::Result<()> {
        let mut taken = 0;
        while self.next_offset < end && taken < max {
            // The segment holding next_offset: the last whose base ≤ it.
            let idx = p.segments.partition_point(|s| s.base <= self.next_offset);
            let Some(seg) = idx.checked_sub(1).and_then(|i| p.segments.get(i)) else {
                // Deleted by retention: continue from the oldest kept.
                match p.segments.first() {
                    Some(first) => {
                        self.next_offset = first.base;
                        continue;
                    }
                    None => return Ok(()),
                }
            };
            if self.segment_base != seg.base || self.file.is_none() {
                self.file = Some(BufReader::with_capacity(256 * 1024, File::open(&seg.path)?));
                self.segment_base = seg.base;
            }
            let Some(file) = self.file.as_mut() else { return Ok(()) };
            if read_full(file, &mut self.header)? < HEADER_LEN {
                // End of this segment: the next one starts at the next offset.
                self.file = None;
                self.segment_base = -1;
                if idx < p.segments.len() {
                    self.next_offset = self.next_offset.max(p.segments[idx].base);
                    continue;
                }
                return Ok(());
            }
            let len = record::body_len(&self.header);
            self.body.resize(len, 0);
            if read_full(file, &mut self.body)? < len || !record::crc_ok(&self.header, &self.body) {
                return Err(std::io::Error::other(format!("corrupt record in {}", seg.path.display())));
            }
            let Some(offset) = record::offset_of(&self.body) else { continue };
            if offset < self.next_offset {
                continue; // before the position asked for: skip
            }
            if let Some(rec) = record::decode(&p.topic, p.id, &self.body) {
                self.next_offset = offset + 1;
                out.push(rec);
                taken += 1;
            }
        }
        Ok(())
    }
}

/// What a reader needs to know of a partition, copied out of its lock.
#[derive(Clone)]
pub struct PartitionView {
    pub topic: String,
    pub id: i32,
    pub segments: Vec<Segment>,
}

impl Partition {
    pub fn view(&self) -> PartitionView {
        PartitionView { topic: self.topic.clone(), id: self.id, segments: self.segments.clone() }
    }
}

/// Age of a segment, by its last write.
pub fn age(seg: &Segment) -> std::time::Duration {
    std::fs::metadata(&seg.path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .unwrap_or_default()
}

