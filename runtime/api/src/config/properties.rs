use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::Props;
use crate::error::{ConnectError, Result};

/// Parses Java `.properties` text: comments, `=`/`:`/space separators,
/// escapes and line continuations, as `java.util.Properties` does.
pub fn parse_properties(text: &str) -> Result<Props> {
    let map = java_properties::read(text.as_bytes())
        .map_err(|e| ConnectError::config(format!("Invalid properties: {e}")).with_source(e))?;
    Ok(map.into_iter().collect())
}

pub fn read_properties_file(path: &Path) -> Result<Props> {
    let file = File::open(path).map_err(|e| {
        ConnectError::config(format!("Cannot read {}: {e}", path.display())).with_source(e)
    })?;
    let map = java_properties::read(BufReader::new(file)).map_err(|e| {
        ConnectError::config(format!("Invalid properties in {}: {e}", path.display())).with_source(e)
    })?;
    Ok(map.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_properties_syntax() {
        let text = "# comment\n! also a comment\nname = file-source\nconnector.class:FileStreamSource\n\
                    tasks.max 1\nfile=/tmp/a\\\n  b.txt\nunicode=caf\\u00e9\nsep\\=key=v\n  spaced  =  x y  \n";
        let p = parse_properties(text).expect("valid properties");
        assert_eq!(p["name"], "file-source");
        assert_eq!(p["connector.class"], "FileStreamSource");
        assert_eq!(p["tasks.max"], "1");
        assert_eq!(p["file"], "/tmp/ab.txt");
        assert_eq!(p["unicode"], "café");
        assert_eq!(p["sep=key"], "v");
        assert_eq!(p["spaced"], "x y  ");
        assert_eq!(p.len(), 7);
    }
}
