//! Is this byte buffer a SQLite database we may trust enough to restore?
//! Structural checks on the header only (pure, no SQLite needed); the content
//! is checked afterwards by SQLite itself (`PRAGMA quick_check` through PHP).
//! See https://www.sqlite.org/fileformat.html, "The Database Header".

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
const HEADER_LEN: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbInfo {
    pub page_size: u32,
    pub pages: u32,
}

fn be_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Validates the header of a database file, saying what is wrong.
pub fn validate(bytes: &[u8]) -> Result<DbInfo, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!("{} bytes is too short for a SQLite database", bytes.len()));
    }
    if &bytes[..16] != MAGIC {
        return Err("the SQLite header magic is missing".into());
    }
    // 1 means 65536, the one size that does not fit in 16 bits.
    let page_size = match be_u16(bytes, 16) {
        1 => 65_536,
        size => size as u32,
    };
    if !(512..=65_536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("page size {page_size} is not a power of two between 512 and 65536"));
    }
    if !bytes.len().is_multiple_of(page_size as usize) {
        return Err(format!("file length {} is not a multiple of the page size {page_size}", bytes.len()));
    }
    let pages = (bytes.len() / page_size as usize) as u32;
    // The in-header size is only valid when it is non-zero and the "version
    // valid for" number matches the change counter (older writers left it stale).
    let header_pages = be_u32(bytes, 28);
    let change_counter = be_u32(bytes, 24);
    let valid_for = be_u32(bytes, 92);
    // Pages past the in-header size are ignored by SQLite (a file may keep
    // them, e.g. after a rolled-back transaction that grew it); fewer pages
    // than the header counts means the file was cut short.
    if header_pages != 0 && valid_for == change_counter && header_pages > pages {
        return Err(format!("the header says {header_pages} pages but the file holds only {pages}: it was cut short"));
    }
    Ok(DbInfo { page_size, pages })
}

/// A SQLite rollback journal that SQLite would treat as hot (it must be rolled
/// back): non-empty and starting with the journal magic.
pub fn is_hot_journal(bytes: &[u8]) -> bool {
    const JOURNAL_MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
    bytes.len() >= 8 && bytes[..8] == JOURNAL_MAGIC
}

#[cfg(test)]
pub fn sample_db(page_size: u32, pages: u32) -> Vec<u8> {
    let mut db = vec![0u8; (page_size * pages) as usize];
    db[..16].copy_from_slice(MAGIC);
    let encoded = if page_size == 65_536 { 1 } else { page_size as u16 };
    db[16..18].copy_from_slice(&encoded.to_be_bytes());
    db[24..28].copy_from_slice(&7u32.to_be_bytes());
    db[28..32].copy_from_slice(&pages.to_be_bytes());
    db[92..96].copy_from_slice(&7u32.to_be_bytes());
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_well_formed_database() {
        assert_eq!(validate(&sample_db(4096, 3)), Ok(DbInfo { page_size: 4096, pages: 3 }));
        assert_eq!(validate(&sample_db(65_536, 1)).unwrap().page_size, 65_536);
    }

    #[test]
    fn rejects_short_files_and_missing_magic() {
        assert!(validate(b"SQLite").unwrap_err().contains("too short"));
        let mut db = sample_db(4096, 2);
        db[0] = b'X';
        assert!(validate(&db).unwrap_err().contains("magic"));
    }

    #[test]
    fn rejects_illegal_page_sizes() {
        let mut db = sample_db(4096, 2);
        db[16..18].copy_from_slice(&1000u16.to_be_bytes());
        assert!(validate(&db).unwrap_err().contains("page size 1000"));
        db[16..18].copy_from_slice(&256u16.to_be_bytes());
        assert!(validate(&db).unwrap_err().contains("page size 256"));
    }

    #[test]
    fn rejects_a_torn_length() {
        let mut db = sample_db(4096, 2);
        db.truncate(4096 + 100);
        assert!(validate(&db).unwrap_err().contains("not a multiple"));
    }

    #[test]
    fn checks_the_header_page_count_only_when_sqlite_says_it_is_valid() {
        let mut db = sample_db(4096, 2);
        db[28..32].copy_from_slice(&5u32.to_be_bytes());
        assert!(validate(&db).unwrap_err().contains("header says 5 pages"));
        // A file longer than the header says (trailing pages) is what SQLite itself accepts.
        db[28..32].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(validate(&db).unwrap().pages, 2);
        db[28..32].copy_from_slice(&5u32.to_be_bytes());
        // A stale count (version-valid-for differs from the change counter) is ignored.
        db[92..96].copy_from_slice(&6u32.to_be_bytes());
        assert!(validate(&db).is_ok());
    }

    #[test]
    fn recognises_a_hot_journal() {
        assert!(is_hot_journal(&[0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7, 0, 0]));
        assert!(!is_hot_journal(&[]));
        assert!(!is_hot_journal(&[0; 512]));
    }
}
